"""One round of everything the dashboard shows, built in the background.

This is the seam between the dashboard and the rest of chainwatch. A round has one part per
chain: the snapshot `track` would print for the same loan book at that chain's block, the `risk`
report of its positions (volatility from that chain's own BTC/USD feed at that block), and the
chain's terms for `compare`. Each part that fails keeps its error beside it (one line, endpoints
already redacted by the RPC layer) instead of hiding the others.

A round is read either from the chains (`read_live`, as `track` reads them: concurrently, each
chain pinned to its own block) or from the newest readings a running `watch` stored
(`read_stored`: the dashboard then reads no chain and writes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from chainwatch.chain import Chain
from chainwatch.costs.compare import Loan
from chainwatch.costs.markets import ChainTerms
from chainwatch.costs.report import CompareSettings, read_terms
from chainwatch.dashboard.history import HistorySource
from chainwatch.errors import ChainwatchError
from chainwatch.export import readings_json
from chainwatch.loanbook import CefiLoan
from chainwatch.model import ChainReading, Position, Snapshot
from chainwatch.risk.report import RiskSettings, build_report, report_json
from chainwatch.risk.scenarios import StatusBands
from chainwatch.risk.volatility import chain_btc_volatility
from chainwatch.rpc.concurrent import each
from chainwatch.snapshot import raise_if_partial, read_chains

# `risk`'s defaults: the dashboard's outlook and probability are the CLI's own figures.
VOLATILITY_DAYS = 30
# Any loan size: `compare` reads the same terms whatever the loan, priced per request.
_TERMS_LOAN = Loan(Decimal(1), 1, None)


@dataclass(frozen=True)
class Target:
    """What to show: the loan book's wallets and CeFi loans on these chains."""

    chains: tuple[Chain, ...]
    accounts: tuple[str, ...]
    loans: tuple[CefiLoan, ...] = ()
    rpc: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # endpoints by chain; none: the usual order
    protocols: tuple[str, ...] = ()
    address_book: Path | None = None
    bands: StatusBands = field(default_factory=StatusBands)
    volatility: Decimal | None = None  # --volatility; None: each chain's BTC/USD feed
    labels: Mapping[str, str] = field(default_factory=dict)  # the config's wallet labels

    def chain(self, name: str) -> Chain:
        return next(chain for chain in self.chains if chain.name == name)

    @property
    def owners(self) -> frozenset[str]:
        """Whose positions are shown: the wallets, and the CeFi loans' labels (their account)."""
        return frozenset(a.lower() for a in (*self.accounts, *(loan.label for loan in self.loans)))


@dataclass(frozen=True)
class ChainPart:
    """One chain's share of a round; `snapshot` is None when the chain could not be read."""

    chain: str
    chain_id: int
    finished: datetime  # when the figures were read (or stored, by a watch)
    snapshot: Snapshot | None = None
    error: str | None = None
    volatility: Decimal | None = None  # yearly, from the chain's BTC/USD feed at the block (or given)
    risk: dict[str, Any] | None = None  # `risk --format json` of the snapshot's positions
    risk_error: str | None = None
    terms: tuple[Chain, ChainTerms] | None = None
    terms_error: str | None = None

    @property
    def positions(self) -> tuple[Position, ...]:
        return self.snapshot.positions if self.snapshot else ()

    @property
    def chain_reading(self) -> ChainReading:
        return ChainReading(self.chain, self.chain_id, self.snapshot, None if self.snapshot else self.error)

    def position_report(self, position: Position) -> dict[str, Any] | None:
        """The position's entry of the `risk` report (JSON form), None when risk failed."""
        if self.risk is None:
            return None
        return self.risk["positions"][self.positions.index(position)]


@dataclass(frozen=True)
class WatchState:
    """A `watch` seen through its database: where, and whether it holds the watch lock now."""

    location: str
    running: bool | None  # None: cannot tell (an in-memory database)


@dataclass(frozen=True)
class Round:
    """The outcome of one round: a part for every chain, in the target's order."""

    started: datetime
    finished: datetime
    parts: tuple[ChainPart, ...]
    watch: WatchState | None = None  # set when the round came from a watch's database

    def track_document(self) -> dict[str, Any]:
        """`track --format json` for the same loan book at the same blocks."""
        return readings_json([part.chain_reading for part in self.parts])


def volatility_source(target: Target, chain: str) -> str:
    return "--volatility" if target.volatility is not None else f"{chain} BTC/USD feed, {VOLATILITY_DAYS} days"


def risk_document(
    target: Target, part: ChainPart, positions: Sequence[Position], target_ltv: Decimal | None
) -> dict[str, Any]:
    """`risk ADDRESS… --chain C --block B --format json [--target-ltv T]` of `positions`."""
    if part.volatility is None or part.snapshot is None:
        raise ChainwatchError(part.risk_error or "the risk report is not available")
    settings = RiskSettings(
        volatility=part.volatility,
        volatility_source=volatility_source(target, part.chain),
        bands=target.bands,
        target_ltv=target_ltv,
    )
    # the chain's reading, as `risk` has it: its block, time and price warnings
    return report_json(build_report(positions, settings, readings=[part.chain_reading]))


def with_risk(target: Target, part: ChainPart, read_volatility: bool) -> ChainPart:
    """The part with its `risk` report; the volatility is the given one, else read from the
    chain's feed at the part's block (when `read_volatility`), else the outlook says it needs one."""
    if not part.positions or part.snapshot is None:
        return part
    try:
        raise_if_partial(part.snapshot)  # as `risk`: no portfolio figure from a partial sum
        volatility = target.volatility
        if volatility is None:
            if not read_volatility:
                raise ChainwatchError("the outlook needs --volatility: from a watch's database no chain is read")
            chain = target.chain(part.chain)
            volatility = chain_btc_volatility(
                chain, target.rpc.get(part.chain, ()), part.snapshot.block_number, VOLATILITY_DAYS
            )
        part = replace(part, volatility=volatility)
        return replace(part, risk=risk_document(target, part, part.positions, None))
    except ChainwatchError as exc:
        return replace(part, risk_error=str(exc))


def _with_terms(target: Target, part: ChainPart) -> ChainPart:
    if part.snapshot is None:
        return part
    settings = CompareSettings(
        loan=_TERMS_LOAN,
        chain=part.chain,
        address_book=target.address_book,
        rpc=target.rpc.get(part.chain, ()),
        block=part.snapshot.block_number,
    )
    try:
        return replace(part, terms=read_terms(settings))
    except ChainwatchError as exc:
        return replace(part, terms_error=str(exc))


def read_live(target: Target) -> Round:
    """Read every chain as `track` does (concurrently, each at its own block), then each chain's
    risk report and comparison terms at that chain's block."""
    started = datetime.now(UTC)
    readings = read_chains(
        target.chains,
        target.accounts,
        rpc=target.rpc or None,
        protocols=target.protocols,
        loans=target.loans,
    )
    finished = datetime.now(UTC)

    def complete(reading: ChainReading) -> ChainPart:
        part = ChainPart(reading.chain, reading.chain_id, finished, reading.snapshot, reading.error)
        return _with_terms(target, with_risk(target, part, read_volatility=True))

    parts = each(complete, readings)
    return Round(started, datetime.now(UTC), tuple(parts))


def read_stored(target: Target, history: HistorySource) -> Round:
    """The newest reading the watch stored for each chain, kept to the target's wallets and
    loans, with the risk report when a volatility was given; no chain is read."""
    started = datetime.now(UTC)
    store = history.store()
    watch = WatchState(history.location, history.watch_running())
    parts = []
    for chain in target.chains:
        stored = store.latest_snapshot(chain.name)
        if stored is None:
            error = f"no reading of {chain.name} stored in {store.location} yet: is `chainwatch watch` running on it?"
            parts.append(ChainPart(chain.name, chain.chain_id, started, error=error))
            continue
        snapshot = stored.snapshot
        mine = tuple(p for p in snapshot.positions if p.account.lower() in target.owners)
        part = ChainPart(
            chain.name,
            chain.chain_id,
            stored.recorded_at,
            replace(snapshot, positions=mine),
            terms_error="lending terms are read from the chain, and from a watch's database none is: "
            "`chainwatch compare` answers",
        )
        parts.append(with_risk(target, part, read_volatility=False))
    return Round(started, datetime.now(UTC), tuple(parts), watch)
