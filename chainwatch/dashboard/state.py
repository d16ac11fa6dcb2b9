"""The last round, kept fresh by a background thread, so a request never waits on a chain.

Each chain keeps its own last good part: a chain whose read fails keeps its last good figures
on show with their block and age, marked stale beside its error, while the other chains refresh
as usual. A round in progress is visible, so a page can say "reading…" rather than present old
figures as new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chainwatch.dashboard.reading import ChainPart, Round, WatchState
from chainwatch.errors import ChainwatchError
from chainwatch.model import Position

# Figures are stale once older than two intervals and this (a round takes its own time).
STALE_GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class ChainStatus:
    """How current one chain's figures are."""

    chain: str
    chain_id: int
    good: ChainPart | None  # its last part that was read (or stored)
    failing: str | None  # why its last round failed; None when it succeeded
    age: timedelta | None  # how long ago the figures on show were read (or stored)
    stale: bool  # not to be taken as current: too old, failing, or the watch stopped

    @property
    def positions(self) -> tuple[Position, ...]:
        return self.good.positions if self.good else ()


@dataclass(frozen=True)
class Status:
    """What a page says about how current its figures are, chain by chain."""

    chains: tuple[ChainStatus, ...]
    failing: str | None  # the whole round failed (bad input, a bug); None when it ran
    reading_since: datetime | None  # when the round in progress started, None when idle
    every: timedelta
    now: datetime
    last: Round | None  # the last round that ran
    watch: WatchState | None  # from a watch's database: that watch

    @property
    def positions(self) -> tuple[Position, ...]:
        """Every position on show, chain by chain."""
        return tuple(p for chain in self.chains for p in chain.positions)

    @property
    def read(self) -> bool:
        """Whether any chain has figures on show."""
        return any(chain.good for chain in self.chains)

    def chain(self, name: str) -> ChainStatus | None:
        return next((chain for chain in self.chains if chain.chain == name), None)


class LiveState:
    """Runs `read` every `every` seconds on a daemon thread; `status()` is safe from any thread.

    `chains` are (name, chain id) in the order shown. Figures are stale after two intervals of
    whatever produces them (and a grace): `every` itself, or `produced_every` (a watch's
    interval, when this only looks at what the watch stored).
    """

    def __init__(
        self,
        read: Callable[[], Round],
        every: float,
        chains: Sequence[tuple[str, int]],
        produced_every: float | None = None,
    ) -> None:
        self._read = read
        self.every = timedelta(seconds=every)
        self.stale_after = 2 * timedelta(seconds=produced_every or every) + STALE_GRACE
        self._chains = tuple(chains)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._good: dict[str, ChainPart] = {}
        self._chain_failing: dict[str, str] = {}
        self._failing: str | None = None
        self._last: Round | None = None
        self._reading_since: datetime | None = None
        self._thread = threading.Thread(target=self._run, name="chainwatch-reading", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)  # a daemon: a read still running ends with the process

    def status(self) -> Status:
        with self._lock:
            now = datetime.now(UTC)
            watch = self._last.watch if self._last else None
            # A round that failed whole, or a watch that stopped, leaves no figure current.
            halted = self._failing is not None or (watch is not None and watch.running is False)
            chains = []
            for name, chain_id in self._chains:
                good = self._good.get(name)
                age = None if good is None else now - good.finished
                failing = self._chain_failing.get(name)
                stale = good is not None and (failing is not None or halted or (age or timedelta()) > self.stale_after)
                chains.append(ChainStatus(name, chain_id, good, failing, age, stale))
            return Status(tuple(chains), self._failing, self._reading_since, self.every, now, self._last, watch)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._reading_since = datetime.now(UTC)
            try:
                outcome: Round | str = self._read()
            except Exception as exc:  # a bug or bad input must show on the page, not stop the refreshing
                outcome = (
                    str(exc) if isinstance(exc, ChainwatchError) else f"reading failed: {type(exc).__name__}: {exc}"
                )
            with self._lock:
                self._reading_since = None
                if isinstance(outcome, str):
                    self._failing = outcome
                else:
                    self._failing = None
                    self._last = outcome
                    for part in outcome.parts:
                        if part.snapshot is not None:
                            self._good[part.chain] = part
                            self._chain_failing.pop(part.chain, None)
                        else:
                            self._chain_failing[part.chain] = part.error or "not read"
            self._stop.wait(self.every.total_seconds())
