"""Progress of long loops: a tqdm bar on a terminal, periodic log lines everywhere else.

tqdm switches itself off without a terminal, so a batch job (a SLURM log, ``nohup``, a pipe)
would be silent for the whole run. :func:`progress` wraps an iterable: on a terminal it is a
tqdm bar; otherwise it logs ``"<desc>: 3/7 (43%), elapsed 2m05s, about 2m47s left"`` through
:mod:`logging` at most every ``interval`` seconds (default :data:`DEFAULT_INTERVAL`, or
``$LIVSCHANCER_PROGRESS_INTERVAL``), and a closing line when the loop took at least that long.
Short loops log nothing.

Examples
--------
>>> for chunk in progress(range(3), "simulating", total=3, enabled=False):
...     pass
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Seconds between two log lines when there is no terminal.
DEFAULT_INTERVAL = 30.0
#: Environment variable that overrides :data:`DEFAULT_INTERVAL` (seconds).
INTERVAL_ENV = "LIVSCHANCER_PROGRESS_INTERVAL"


def default_interval() -> float:
    """:data:`DEFAULT_INTERVAL`, or ``$LIVSCHANCER_PROGRESS_INTERVAL`` if it is a number > 0."""
    try:
        value = float(os.environ.get(INTERVAL_ENV, ""))
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


def format_seconds(seconds: float) -> str:
    """``"42s"``, ``"2m05s"`` or ``"1h02m05s"``."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m:02d}m{s:02d}s"
    if m:
        return f"{m}m{s:02d}s"
    return f"{s}s"


class LogProgress(Generic[T]):
    """Iterate over ``iterable`` and log progress at most every ``interval`` seconds.

    Also a context manager and has ``update(n)`` for loops that count their own steps, like
    tqdm. ``clock`` (default :func:`time.monotonic`) is injectable for tests.
    """

    def __init__(
        self,
        iterable: Iterable[T] | None,
        desc: str,
        total: int | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        self.iterable = iterable
        self.desc = desc
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.total = total
        self.interval = default_interval() if interval is None else float(interval)
        self.clock = clock
        self.logger = logger or log
        self.n = 0
        self.start = clock()
        self.last = self.start
        self.closed = False

    def __iter__(self) -> Iterator[T]:
        if self.iterable is None:
            raise TypeError("LogProgress was created without an iterable; use update()")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> LogProgress[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def message(self, now: float) -> str:
        """The progress line at time ``now``."""
        elapsed = now - self.start
        if self.total:
            frac = self.n / self.total
            text = f"{self.desc}: {self.n}/{self.total} ({100 * frac:.0f}%), "
            text += f"elapsed {format_seconds(elapsed)}"
            if 0 < self.n < self.total:
                text += f", about {format_seconds(elapsed * (1 - frac) / frac)} left"
            return text
        return f"{self.desc}: {self.n} done, elapsed {format_seconds(elapsed)}"

    def update(self, n: int = 1) -> None:
        """Count ``n`` more steps; log if ``interval`` seconds passed since the last line."""
        self.n += n
        now = self.clock()
        if now - self.last >= self.interval:
            self.logger.info("%s", self.message(now))
            self.last = now

    def close(self) -> None:
        """Log the closing line if the loop ran for at least ``interval`` seconds."""
        if self.closed:
            return
        self.closed = True
        now = self.clock()
        if now - self.start >= self.interval and self.last != now:
            self.logger.info("%s", self.message(now) + " - finished")


def progress(
    iterable: Iterable[T] | None,
    desc: str,
    total: int | None = None,
    enabled: bool = True,
    *,
    interval: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    logger: logging.Logger | None = None,
    stream: IO[str] | None = None,
    **tqdm_kwargs: Any,
) -> Any:
    """Wrap ``iterable`` to report progress: a tqdm bar if ``stream`` (default stderr) is a
    terminal, else periodic log lines (:class:`LogProgress`); plain iteration if not
    ``enabled``.

    Parameters
    ----------
    iterable
        What to iterate over; None to count steps with ``update(n)`` instead.
    desc
        Name of the loop in the bar or the log line (``"simulating"``).
    total
        Number of steps; taken from ``len(iterable)`` if it has one.
    enabled
        False turns all reporting off (``sim.progress=false``).
    interval
        Seconds between log lines (default :func:`default_interval`). Ignored on a terminal.
    clock, logger, stream
        For tests: time source, logger (default ``livschancer.progress``), the stream whose
        ``isatty()`` decides between bar and log.
    **tqdm_kwargs
        Passed to tqdm (``unit="chunk"``, ...).

    Returns
    -------
    An iterable that is also a context manager with ``update(n)`` and ``close()``.
    """
    if not enabled:
        return _Silent(iterable)
    stream = sys.stderr if stream is None else stream
    if _isatty(stream):
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=desc, total=total, file=stream, **tqdm_kwargs)
    return LogProgress(iterable, desc, total, interval=interval, clock=clock, logger=logger)


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class _Silent(Generic[T]):
    """No reporting: iterates, and accepts ``update`` and ``close`` like the others."""

    def __init__(self, iterable: Iterable[T] | None) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator[T]:
        if self.iterable is None:
            raise TypeError("progress() was given no iterable; use update()")
        return iter(self.iterable)

    def __enter__(self) -> _Silent[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
