"""The risk report: every figure of `chainwatch risk` for a list of positions, as one dict.

Values stay Decimal (and enums) so the table renders the very figures the JSON carries;
`report_json` turns them into the documented schema, decimals as strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from chainwatch.context import RunContext, iso_time
from chainwatch.export import decimal_text, readings_json
from chainwatch.model import DAYS_PER_YEAR, ChainReading, Compounding, Position
from chainwatch.risk.errors import RiskInputError, require_fraction, require_positive
from chainwatch.risk.interest import accrue
from chainwatch.risk.montecarlo import (
    BarrierProblem,
    closed_form_probability,
    monte_carlo_probability,
)
from chainwatch.risk.portfolio import portfolio_risk
from chainwatch.risk.safety import margin_of_safety
from chainwatch.risk.scenarios import (
    DEFAULT_CHANGES,
    DEFAULT_DAYS,
    OUTLOOK,
    StatusBands,
    price_scenario,
    price_scenarios,
    time_scenarios,
)
from chainwatch.risk.targets import max_loan_for_drop, what_if


@dataclass(frozen=True)
class RiskSettings:
    """The questions asked of every position; `volatility` is yearly, however it was obtained."""

    volatility: Decimal
    volatility_source: str
    changes: tuple[Decimal, ...] = DEFAULT_CHANGES
    days: tuple[int, ...] = DEFAULT_DAYS
    bands: StatusBands = field(default_factory=StatusBands)
    # --compounding: overrides every position's own (Position.compounding: its protocol's rule
    # or its loan's terms); a loan without one (hand-typed) compounds daily.
    compounding: Compounding | None = None
    survive: Decimal = Decimal("0.30")
    target_ltv: Decimal | None = None
    horizon_days: int = 14
    drift: Decimal = Decimal(0)
    paths: int = 100_000
    seed: int = 0

    def compounding_of(self, position: Position) -> tuple[Compounding, str]:
        """How `position`'s debt compounds, and where that comes from: `--compounding`, the
        position's own rule ("protocol" or "loan", as its reader set it), or the daily default."""
        if self.compounding is not None:
            return self.compounding, "--compounding"
        if position.compounding is not None:
            return position.compounding, position.compounding_source
        return Compounding.DAILY, "default"

    def __post_init__(self) -> None:
        require_fraction("--survive", self.survive)
        require_positive("--volatility", self.volatility)
        if self.horizon_days < 1:
            raise RiskInputError(f"--horizon must be at least one day, got {self.horizon_days}")


def liquidation_probability(position: Position, settings: RiskSettings) -> dict[str, Any] | None:
    """Chance that BTC touches the liquidation price within the horizon; None when no BTC price
    liquidates the position.

    The liquidation price rises as interest accrues; its log rate over the horizon is handed to
    both methods, so the closed form stays exact for it.
    """
    spot, barrier = position.btc_price_usd, position.liquidation_price_btc
    if spot is None or barrier is None:
        return None
    years = Decimal(settings.horizon_days) / DAYS_PER_YEAR
    compounding, _ = settings.compounding_of(position)
    later = accrue(position, settings.horizon_days, compounding).liquidation_price_btc
    rate = (later / barrier).ln() / years if later else Decimal(0)
    problem = BarrierProblem(spot, barrier, settings.volatility, years, settings.drift, rate)
    estimate = monte_carlo_probability(problem, settings.paths, seed=settings.seed)
    return {
        "horizon_days": settings.horizon_days,
        "probability": estimate.probability,
        "standard_error": estimate.standard_error,
        "probability_closed_form": closed_form_probability(problem),
        "volatility_annual": settings.volatility,
        "drift": settings.drift,
        "paths": estimate.paths,
        "seed": settings.seed,
        "liquidation_price_at_horizon": later,
    }


def position_report(position: Position, settings: RiskSettings, chain_id: int | None = None) -> dict[str, Any]:
    """Every figure of one position; `chain_id` that of the chain it was read on (None for a
    hand-typed loan)."""
    margin = margin_of_safety(position)
    compounding, compounding_source = settings.compounding_of(position)
    at_horizon = accrue(position, settings.horizon_days, compounding)
    return {
        "protocol": position.protocol,
        "market": position.market,
        "account": position.account,
        "chain": position.chain,
        "chain_id": chain_id,
        "block": position.block_number,
        "timestamp": position.timestamp,
        "collateral_usd": position.collateral_usd,
        "debt_usd": position.debt_usd,
        "btc_price_usd": position.btc_price_usd,
        "ltv": position.ltv,
        "max_ltv": position.max_ltv,
        "liquidation_ltv": position.liquidation_ltv,
        "health_factor": position.health_factor,
        "status": settings.bands.status(position.health_factor),
        "compounding": compounding,
        "compounding_source": compounding_source,
        "liquidation_price_btc": position.liquidation_price_btc,
        "margin_of_safety_usd": None if margin is None else margin.usd,
        "margin_of_safety_fraction": None if margin is None else margin.fraction,
        "price_scenarios": [asdict(s) for s in price_scenarios(position, settings.changes, settings.bands)],
        "time_scenarios": [asdict(s) for s in time_scenarios(position, settings.days, compounding)],
        "max_loan_for_drop": {
            "drop": settings.survive,
            "max_loan": max_loan_for_drop(position, settings.survive),
        },
        "what_if": None if settings.target_ltv is None else asdict(what_if(position, settings.target_ltv)),
        "outlook": {
            "horizon_days": settings.horizon_days,
            "scenarios": [
                {"name": name, **asdict(price_scenario(at_horizon, change, settings.bands))} for name, change in OUTLOOK
            ],
        },
        "liquidation_probability": liquidation_probability(position, settings),
    }


def build_report(
    positions: Sequence[Position],
    settings: RiskSettings,
    context: RunContext | None = None,
    *,
    readings: Sequence[ChainReading] | None = None,
) -> dict[str, Any]:
    """The report of `positions`, with where they were read.

    `readings` (a live run, over one chain or several): the chains the positions were read
    from, each with its block, price warnings and error. A chain that could not be read, or a
    position a failed read kept out, makes the report `partial` and is named in `errors`: the
    portfolio then sums only what was read, and says so. With exactly one chain the document
    opens with its chain, chain id, block and time, as it always did. Without `readings`,
    `context` says where the positions come from: one chain's snapshot, or none (a hand-typed
    loan, RunContext.unread()).
    """
    if readings is None:
        head, chains, errors = _context_parts(context or RunContext.unread())
    else:
        head, chains, errors = _reading_parts(readings)
    chain_ids = {chain["chain"]: chain["chain_id"] for chain in chains}
    return {
        **head,
        "compounding": settings.compounding,
        "volatility_annual": settings.volatility,
        "volatility_source": settings.volatility_source,
        "partial": bool(errors),
        "positions": [position_report(p, settings, chain_ids.get(p.chain)) for p in positions],
        "portfolio": _portfolio(positions, chain_ids),
        "chains": chains,
        "errors": errors,
    }


def _portfolio(positions: Sequence[Position], chain_ids: dict[str, int]) -> dict[str, Any]:
    portfolio = portfolio_risk(positions)
    worst = portfolio.worst
    return {
        "positions": len(positions),
        "collateral_usd": portfolio.collateral_usd,
        "debt_usd": portfolio.debt_usd,
        "ltv": portfolio.ltv,
        "worst_position": {
            "protocol": worst.protocol,
            "market": worst.market,
            "account": worst.account,
            "chain": worst.chain,
            "chain_id": chain_ids.get(worst.chain),
            "health_factor": worst.health_factor,
        },
        "first_liquidation_price_btc": portfolio.first_liquidation_price_btc,
        "last_liquidation_price_btc": portfolio.last_liquidation_price_btc,
    }


_Parts = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def _context_parts(context: RunContext) -> _Parts:
    """One chain's snapshot, or no chain at all: nothing is known to be missing (a caller with
    a partial snapshot passes its reading instead)."""
    chains = [] if context.chain is None else [{**context.json(), "warnings": [], "error": None}]
    return context.json(), chains, []


def _reading_parts(readings: Sequence[ChainReading]) -> _Parts:
    """The opening keys, the `chains` list and the `errors` of a live run, as track has them;
    `errors` also names each chain that could not be read (with null market, account and call)."""
    document = readings_json(readings)
    head: dict[str, Any] = {
        key: document[key] for key in ("chain", "chain_id", "block", "timestamp") if key in document
    }
    failed = [
        {
            "chain": reading.chain,
            "chain_id": reading.chain_id,
            "protocol": None,
            "market": None,
            "account": None,
            "call": None,
            "message": f"{reading.chain} could not be read: {reading.error}",
        }
        for reading in readings
        if reading.error
    ]
    return head, document["chains"], failed + document["errors"]


def report_json(value: Any) -> Any:
    """The report with decimals as plain-notation strings, enums as their values and times as
    UTC ISO 8601 with Z."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: report_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [report_json(item) for item in value]
    return value
