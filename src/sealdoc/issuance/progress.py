"""How a batch reports progress: a bar with rate and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from collections import deque
from typing import Protocol, TextIO

__all__ = ["BarProgress", "LineProgress", "NoProgress", "Progress", "format_duration"]


class Progress(Protocol):
    """Receives the batch's progress (``done`` counts every row handled, failed ones too)."""

    def start(self, total: int) -> None: ...

    def update(self, done: int, failed: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def update(self, done: int, failed: int) -> None:
        pass

    def finish(self) -> None:
        pass


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Rate:
    """Documents per second over the last ``window`` seconds."""

    def __init__(self, window: float = 10.0) -> None:
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> float:
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.popleft()
        first_t, first_n = self.samples[0]
        elapsed = now - first_t
        return (done - first_n) / elapsed if elapsed > 0 else 0.0


class _Base:
    def __init__(self, stream: TextIO, *, clock: object = time.monotonic) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.failed = 0
        self._clock = clock
        self._rate = _Rate()
        self._last_draw = 0.0

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def start(self, total: int) -> None:
        self.total = total
        self._rate.add(self._now(), 0)

    def _figures(self) -> tuple[float, str]:
        rate = self._rate.add(self._now(), self.done)
        left = max(0, self.total - self.done)
        eta = format_duration(left / rate) if rate > 0 and self.total else "--:--"
        return rate, eta


class BarProgress(_Base):
    """``[#####.....]  512/1000  51%  423 docs/s  ETA 0:01  (2 failed)``, redrawn in place."""

    width = 30
    interval = 0.1

    def update(self, done: int, failed: int) -> None:
        self.done, self.failed = done, failed
        now = self._now()
        if now - self._last_draw >= self.interval or done >= self.total:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        rate, eta = self._figures()
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * min(1.0, fraction))
        bar = "#" * filled + "." * (self.width - filled)
        failed = f"  ({self.failed} failed)" if self.failed else ""
        self.stream.write(
            f"\r[{bar}] {self.done}/{self.total} {fraction:4.0%}  {rate:6.0f} docs/s  "
            f"ETA {eta}{failed}  "
        )
        self.stream.flush()

    def finish(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()


class LineProgress(_Base):
    """One line every ``interval`` seconds: ``issued 512/1000 (51%), 423 docs/s, ETA 0:01``."""

    def __init__(self, stream: TextIO, *, interval: float = 5.0, clock: object = time.monotonic):
        super().__init__(stream, clock=clock)
        self.interval = interval

    def start(self, total: int) -> None:
        super().start(total)
        self._last_draw = self._now()

    def update(self, done: int, failed: int) -> None:
        self.done, self.failed = done, failed
        now = self._now()
        if now - self._last_draw >= self.interval:
            self._last_draw = now
            self._line()

    def _line(self) -> None:
        rate, eta = self._figures()
        fraction = self.done / self.total if self.total else 1.0
        failed = f", {self.failed} failed" if self.failed else ""
        self.stream.write(
            f"issued {self.done}/{self.total} ({fraction:.0%}), {rate:.0f} docs/s, "
            f"ETA {eta}{failed}\n"
        )
        self.stream.flush()

    def finish(self) -> None:
        pass
