"""Sub-commands of the ``corpus`` command line, one module each (see :mod:`corpus.cli`)."""
