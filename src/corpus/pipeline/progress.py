"""Progress of a pipeline stage: a bar on a terminal, plain periodic log lines elsewhere.

Every stage of a build reports how many units (documents, pairs, partitions) it has done. On a
terminal that is a :mod:`tqdm` bar with count, rate and ETA; when stderr is not a terminal (a
CI log, a batch job) it is one line every ``log_every`` seconds and one when a stage that
lasted that long ends, so a long build shows that it lives without flooding the log. The
executor advances the progress as tasks finish, so the bar moves under every executor, Dask
included.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Literal, Never, TextIO

from tqdm import tqdm

__all__ = ["Progress", "ProgressMode", "ProgressSettings"]

#: ``"auto"``: a bar on a terminal, log lines otherwise; ``"bar"``, ``"log"``, ``"off"``.
ProgressMode = Literal["auto", "bar", "log", "off"]


@dataclass(frozen=True, slots=True)
class ProgressSettings:
    """How stages report progress: ``mode`` and, for log lines, the seconds between them."""

    mode: ProgressMode = "auto"
    log_every: float = 30.0

    @classmethod
    def of(cls, progress: bool | ProgressMode | ProgressSettings | None) -> ProgressSettings:
        """Settings from the ``progress=`` argument of the public API.

        ``None`` is ``"auto"``; ``True`` a bar even when stderr is not a terminal; ``False``
        nothing.
        """
        if isinstance(progress, ProgressSettings):
            return progress
        if progress is None:
            return cls("auto")
        if progress is True:
            return cls("bar")
        if progress is False:
            return cls("off")
        return cls(progress)

    def shown_mode(self, stream: TextIO | None = None) -> ProgressMode:
        """The mode on ``stream`` (default stderr): ``"auto"`` is ``"bar"`` on a terminal and
        ``"log"`` elsewhere."""
        if self.mode != "auto":
            return self.mode
        return "bar" if (sys.stderr if stream is None else stream).isatty() else "log"


def _format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class Progress:
    """The progress of one stage. Use as a context manager and call :meth:`update`."""

    def __init__(self, stage: str, total: int | None, unit: str,
                 settings: ProgressSettings = ProgressSettings(),
                 stream: TextIO | None = None) -> None:
        self.stage = stage
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = sys.stderr if stream is None else stream
        mode = settings.shown_mode(self._stream)
        self._mode = mode
        self._every = settings.log_every
        self._start = time.monotonic()
        self._last = self._start
        self._bar: tqdm[Never] | None = None
        if mode == "bar":
            self._bar = tqdm(desc=stage, total=total, unit=unit, file=self._stream, leave=False,
                             dynamic_ncols=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(failed=exc[0] is not None)

    def update(self, count: int = 1) -> None:
        """``count`` more units are done."""
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        elif self._mode == "log":
            now = time.monotonic()
            if now - self._last >= self._every:
                self._last = now
                self._log(now)

    def line(self, now: float | None = None) -> str:
        """The log line of the current state: stage, count, rate, ETA."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        count = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
        text = f"corpus: {self.stage}: {count} {self.unit}s, {rate:,.1f} {self.unit}s/s"
        if self.total is not None and self.done < self.total and rate > 0:
            text += f", ETA {_format_seconds((self.total - self.done) / rate)}"
        else:
            text += f", {_format_seconds(elapsed)} elapsed"
        return text

    def _log(self, now: float) -> None:
        print(self.line(now), file=self._stream, flush=True)

    def close(self, *, failed: bool = False) -> None:
        """End the stage: close the bar, or log the final line (unless it failed)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._mode == "log" and not failed:
            now = time.monotonic()
            if now - self._start >= self._every:  # short stages stay quiet in a log
                self._log(now)
            self._mode = "off"
