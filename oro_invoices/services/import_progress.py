"""Progress of a long import or export on a stream (stderr), without any dependency.

On a terminal one line is rewritten in place; otherwise (a log, a pipe) a plain line is
written every ``every`` seconds. Both show records done, records per second and, when
the total is known, the estimated time left.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressMeter:
    """Call it with ``(phase, done, total)`` as records go; ``finish()`` ends the line.

    The rate and ETA count from the start of the current phase.
    """

    def __init__(self, stream: TextIO, *, what: str = "records", every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.what = what
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last = self.started
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = False
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int | None = None) -> None:
        now = self.clock()
        if phase != self.phase:
            self.phase, self.started, self.last = phase, now, now
        if now - self.last < (0.2 if self.tty else self.every):
            return
        self.last = now
        text = f"{phase} {self.line(done, total, now)}"
        if self.tty:
            self.stream.write(f"\r{text}\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True

    def line(self, done: int, total: int | None, now: float) -> str:
        """``1,200/2,700 invoices, 85.3/s, ETA 18s`` (no total: no ETA)."""
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        text = f"{done:,}/{total:,} {self.what}" if total else f"{done:,} {self.what}"
        text += f", {rate:,.1f}/s"
        if total and rate > 0:
            text += f", ETA {duration((total - done) / rate)}"
        return text

    def finish(self) -> None:
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h10m``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
