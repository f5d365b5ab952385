"""Progress of a batch that a person sees: a bar per stage on a terminal, or a line every few
seconds in the log (rows done, rate) where no terminal watches, e.g. a job whose stderr goes to a
file.

``progress`` arguments of the library take ``False`` / ``None`` (nothing), ``True`` or ``"bar"``
(a tqdm bar on stderr) or ``"log"`` (INFO records of the logger ``proposal_nlp.progress``, one
every :data:`LOG_EVERY` seconds and one at the end of a stage; the command line shows them on
stderr). Messages are in English, as the command line's other messages.
"""
from __future__ import annotations

import logging
import sys
import time

from .errors import InputError

log = logging.getLogger(__name__)

#: seconds between two progress lines in the log
LOG_EVERY = 5.0
MODES = ("bar", "log")


def progress_mode(progress) -> str | None:
    """``"bar"``, ``"log"`` or None from a ``progress`` argument (PN137 for anything else)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return "bar"
    if progress in MODES:
        return progress
    raise InputError(f"progress={progress!r} is not an option; give True or 'bar' (a bar on a terminal), 'log' "
                     "(a line every few seconds in the log) or False", code="PN137")


class Progress:
    """One stage of a batch (``desc``: "reading", "classify, extract, match" ...), counted in rows.

    >>> with Progress("log", desc="processing", total=300) as p:   # doctest: +SKIP
    ...     p.update(100)
    """

    def __init__(self, progress, *, desc: str, total: int | None = None, unit: str = "row", last_line: bool = True):
        self.mode = progress_mode(progress)
        self.desc, self.total, self.unit = desc, total, unit
        self.last_line = last_line  # a line at the end even if the stage was too short for one before
        self.done = 0
        self._start = self._last = time.monotonic()
        self._bar = None
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last >= LOG_EVERY:
                self._last = now
                self.last_line = True
                log.info("%s", self.line(now))

    def line(self, now: float | None = None, *, final: bool = False) -> str:
        """``"classify, extract, match: 1,200 of 3,000 rows done (95 rows/s)"``."""
        elapsed = max((now or time.monotonic()) - self._start, 1e-9)
        of = f" of {self.total:,}" if self.total is not None and not final else ""
        rate = self.done / elapsed
        shown = f"{rate:,.0f}" if rate >= 10 else f"{rate:,.1f}"
        return f"{self.desc}: {self.done:,}{of} {self.unit}s {'in all' if final else 'done'} ({shown} {self.unit}s/s)"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log" and self.done and self.last_line:
            log.info("%s", self.line(final=True))
        self.mode = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def note(progress, message: str, *args) -> None:
    """A line about the stage a batch is in ("writing out.xlsx"), in the log mode only."""
    if progress_mode(progress) == "log":
        log.info(message, *args)


__all__ = ["Progress", "progress_mode", "note", "LOG_EVERY"]
