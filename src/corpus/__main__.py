"""``python -m corpus``: the command line, as the ``corpus`` script runs it."""

from __future__ import annotations

import sys

from corpus.cli import main

if __name__ == "__main__":
    sys.exit(main())
