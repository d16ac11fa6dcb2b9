"""One reading of everything the dashboard shows, built in the background.

This is the seam between the dashboard and the rest of chainwatch: a reading is the snapshot
`track` would print for the same wallets, chain and block, the `risk` report of its positions,
and the chain's terms for `compare`. Each part that fails keeps its error beside it (one line,
endpoints already redacted by the RPC layer) instead of hiding the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from chainwatch.chain import Chain
from chainwatch.context import RunContext
from chainwatch.costs.compare import Loan
from chainwatch.costs.markets import ChainTerms
from chainwatch.costs.report import CompareSettings, read_terms
from chainwatch.errors import ChainwatchError
from chainwatch.export import readings_json
from chainwatch.model import ChainReading, Position, Snapshot
from chainwatch.risk.report import RiskSettings, build_report, report_json
from chainwatch.risk.scenarios import StatusBands
from chainwatch.risk.volatility import chain_btc_volatility
from chainwatch.snapshot import raise_if_partial, read_snapshot

# `risk`'s defaults: the dashboard's outlook and probability are the CLI's own figures.
VOLATILITY_DAYS = 30
# Any loan size: `compare` reads the same terms whatever the loan, priced per request.
_TERMS_LOAN = Loan(Decimal(1), 1, None)


@dataclass(frozen=True)
class Target:
    """What to read: wallets on one chain, through the given endpoints (empty: the usual order)."""

    chain: Chain
    accounts: tuple[str, ...]
    rpc: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    address_book: Path | None = None
    bands: StatusBands = field(default_factory=StatusBands)


@dataclass(frozen=True)
class Reading:
    """The outcome of one round of reads; `snapshot` is None when the chain could not be read."""

    chain: str
    started: datetime
    finished: datetime
    snapshot: Snapshot | None = None
    error: str | None = None
    volatility: Decimal | None = None  # yearly, from the chain's BTC/USD feed at the block
    risk: dict[str, Any] | None = None  # `risk --format json` of the snapshot's positions
    risk_error: str | None = None
    terms: tuple[Chain, ChainTerms] | None = None
    terms_error: str | None = None

    @property
    def positions(self) -> tuple[Position, ...]:
        return self.snapshot.positions if self.snapshot else ()

    def track_document(self) -> dict[str, Any] | None:
        """`track --format json` for the same wallets at the same block."""
        if self.snapshot is None:
            return None
        return readings_json([ChainReading(self.snapshot.chain, self.snapshot.chain_id, self.snapshot)])

    def position_report(self, position: Position) -> dict[str, Any] | None:
        """The position's entry of the `risk` report (JSON form), None when risk failed."""
        if self.risk is None:
            return None
        return self.risk["positions"][self.positions.index(position)]


def risk_settings(target: Target, volatility: Decimal, target_ltv: Decimal | None = None) -> RiskSettings:
    """`risk`'s settings for live positions, volatility from the chain's feed as the CLI reads it."""
    return RiskSettings(
        volatility=volatility,
        volatility_source=f"{target.chain.name} BTC/USD feed, {VOLATILITY_DAYS} days",
        bands=target.bands,
        target_ltv=target_ltv,
    )


def read_volatility(target: Target, block: int) -> Decimal:
    return chain_btc_volatility(target.chain, target.rpc, block, VOLATILITY_DAYS)


def risk_document(
    target: Target, positions: Sequence[Position], context: RunContext, volatility: Decimal, target_ltv: Decimal | None
) -> dict[str, Any]:
    """`risk ADDRESS… --format json [--target-ltv T]` of `positions`, as JSON values."""
    settings = risk_settings(target, volatility, target_ltv)
    return report_json(build_report(positions, settings, context))


def read_all(target: Target) -> Reading:
    """Read the wallets, then the risk report and the comparison terms, at one block each."""
    started = datetime.now(UTC)
    try:
        snapshot = read_snapshot(target.chain, target.accounts, rpc=target.rpc, protocols=target.protocols)
    except ChainwatchError as exc:
        return Reading(target.chain.name, started, datetime.now(UTC), error=str(exc))
    reading = Reading(target.chain.name, started, started, snapshot=snapshot)
    if snapshot.positions:
        try:
            raise_if_partial(snapshot)  # as `risk`: no portfolio figure from a partial sum
            volatility = read_volatility(target, snapshot.block_number)
            risk = risk_document(target, snapshot.positions, RunContext.of(snapshot), volatility, None)
            reading = replace(reading, volatility=volatility, risk=risk)
        except ChainwatchError as exc:
            reading = replace(reading, risk_error=str(exc))
    try:
        settings = CompareSettings(
            loan=_TERMS_LOAN,
            chain=target.chain.name,
            address_book=target.address_book,
            rpc=target.rpc,
            block=snapshot.block_number,
        )
        reading = replace(reading, terms=read_terms(settings))
    except ChainwatchError as exc:
        reading = replace(reading, terms_error=str(exc))
    return replace(reading, finished=datetime.now(UTC))
