"""The last reading, kept fresh by a background thread, so a request never waits on a chain.

A failed round keeps the last good snapshot on show (with its block and age) beside the error;
a round in progress is visible, so a page can say "reading…" rather than present old figures as
new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chainwatch.dashboard.reading import Reading


@dataclass(frozen=True)
class Status:
    """What a page says about how current its figures are."""

    good: Reading | None  # the last reading whose chain read succeeded
    failing: str | None  # why the last round failed; None when it succeeded
    reading_since: datetime | None  # when the round in progress started, None when idle
    every: timedelta
    now: datetime

    @property
    def age(self) -> timedelta | None:
        """How long ago the figures on show were read."""
        return None if self.good is None else self.now - self.good.finished

    @property
    def stale(self) -> bool:
        """Older than two rounds and a bit: the figures are no longer the chain's."""
        age = self.age
        return age is not None and age > 2 * self.every + timedelta(seconds=5)


class LiveState:
    """Runs `read` every `every` seconds on a daemon thread; `status()` is safe from any thread."""

    def __init__(self, read: Callable[[], Reading], every: float) -> None:
        self._read = read
        self.every = timedelta(seconds=every)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._good: Reading | None = None
        self._failing: str | None = None
        self._reading_since: datetime | None = None
        self._thread = threading.Thread(target=self._run, name="chainwatch-reading", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)  # a daemon: a read still running ends with the process

    def status(self) -> Status:
        with self._lock:
            return Status(self._good, self._failing, self._reading_since, self.every, datetime.now(UTC))

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._reading_since = datetime.now(UTC)
            reading: Reading | None = None
            try:
                reading = self._read()
                failing = reading.error
            except Exception as exc:  # a bug must show on the page, not stop the refreshing
                failing = f"reading failed: {type(exc).__name__}: {exc}"
            with self._lock:
                self._reading_since = None
                self._failing = failing
                if reading is not None and reading.snapshot is not None:
                    self._good = reading
            self._stop.wait(self.every.total_seconds())
