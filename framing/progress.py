"""A one-line progress display on stderr (documents, sentences/s, ETA), silent unless stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from .defaults import PROGRESS_SECONDS


def format_duration(seconds: float) -> str:
    """``1:02:03`` or ``2:03``: hours only when needed."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts documents and sentences and redraws one status line at most every ``interval`` seconds.

    Nothing is written when the stream is not a terminal (a log file, a pipe, a test runner),
    so redirected stderr keeps only warnings and errors.
    """

    def __init__(
        self,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = PROGRESS_SECONDS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.total = total
        self.interval = interval
        self._clock = clock
        self.documents = 0
        self.sentences = 0
        self._skipped = 0
        self._start = self._clock()
        self._last_draw = float("-inf")
        self._drawn = False

    def advance(self, documents: int, sentences: int, *, skipped: bool = False) -> None:
        """Record finished documents; ``skipped`` ones (already done in a resumed run) add no speed."""
        self.documents += documents
        if skipped:
            self._skipped += documents
        else:
            self.sentences += sentences
        now = self._clock()
        if self.enabled and now - self._last_draw >= self.interval:
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The status line: documents (of the total), sentences, sentences/s and, with a total, ETA."""
        now = self._clock() if now is None else now
        elapsed = max(now - self._start, 1e-9)
        rate = self.sentences / elapsed
        done = f"{self.documents:,}" + (f"/{self.total:,}" if self.total is not None else "")
        parts = [f"{done} documents", f"{self.sentences:,} sentences", f"{rate:,.0f} sentences/s"]
        fresh = self.documents - self._skipped
        if self.total is not None and fresh > 0 and self.documents <= self.total:
            remaining = (self.total - self.documents) * elapsed / fresh
            parts.append(f"ETA {format_duration(remaining)}")
        return " · ".join(parts)

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn = True
        # \r and clear-to-end-of-line redraw in place.
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the status line so that a warning prints cleanly; the next update redraws it."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._last_draw = float("-inf")

    def close(self) -> None:
        """Leave the final figures on their own line."""
        if self.enabled and self._drawn:
            self._draw(self._clock())
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
