"""The fork server's first import: pyarrow's first conversion, made here, finds pandas missing
(:func:`corpus._arrow.skip_pandas_probe`), so that neither the server nor the workers forked
from it import pandas (0.35 s of a core), which no stage uses. Only
:data:`corpus.pipeline.executor._PRELOAD` imports it; Dask's workers, which may run other
work beside this package's, keep pyarrow as it is."""

from __future__ import annotations

from corpus._arrow import skip_pandas_probe

skip_pandas_probe()
