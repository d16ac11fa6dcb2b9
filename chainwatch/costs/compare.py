"""The full cost of one loan under every option, which is cheapest, and where DeFi starts to win.

Each option is `slope · loan + fixed` USD (see options.py), so the break-even loan size between a
DeFi market and a CeFi offer is the exact root of a linear equation, not a search. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chainwatch.costs.options import CEFI, DEFI, ZERO, CostOption
from chainwatch.errors import ChainwatchError
from chainwatch.export import decimal_text
from chainwatch.model import DAYS_PER_YEAR


class CompareInputError(ChainwatchError):
    """A loan that cannot be compared (no amount, no days, no collateral)."""


@dataclass(frozen=True)
class Loan:
    """The loan asked about: `usd` for `days`, optionally against `btc` of collateral."""

    usd: Decimal
    days: int
    btc: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.usd.is_finite() or self.usd <= 0:
            raise CompareInputError(f"--loan must be more than zero, got {self.usd}")
        if self.days < 1:
            raise CompareInputError(f"--days must be at least 1, got {self.days}")
        if self.btc is not None and (not self.btc.is_finite() or self.btc <= 0):
            raise CompareInputError(f"--btc must be more than zero, got {self.btc}")


@dataclass(frozen=True)
class Quote:
    """One option's costs for the loan asked about."""

    option: CostOption
    interest_usd: Decimal
    fees_usd: Decimal
    gas_usd: Decimal
    total_usd: Decimal
    effective_apr: Decimal  # total cost as a simple yearly rate on the loan
    max_loan_usd: Decimal | None  # needs --btc and a BTC price
    liquidation_price_btc: Decimal | None  # needs --btc
    fits: bool  # whether the collateral allows the loan (true where that is unknown)


def quote(option: CostOption, loan: Loan) -> Quote:
    interest = option.interest_rate * loan.usd
    fees = option.fee_rate * loan.usd + option.fixed_fees_usd
    total = option.total_usd(loan.usd)
    max_loan = liquidation_price = None
    if loan.btc is not None and option.max_ltv is not None and option.btc_price_usd is not None:
        max_loan = loan.btc * option.btc_price_usd * option.max_ltv
    if loan.btc is not None and option.liquidation_ltv:
        # The model's liquidation price with WBTC alone as collateral: debt / (btc · LT).
        liquidation_price = loan.usd / (loan.btc * option.liquidation_ltv)
    return Quote(
        option=option,
        interest_usd=interest,
        fees_usd=fees,
        gas_usd=option.gas.median,
        total_usd=total,
        effective_apr=total / loan.usd * DAYS_PER_YEAR / loan.days,
        max_loan_usd=max_loan,
        liquidation_price_btc=liquidation_price,
        fits=max_loan is None or loan.usd <= max_loan,
    )


@dataclass(frozen=True)
class BreakEven:
    """Where a DeFi market and a CeFi offer cost the same.

    `defi_cheaper` says on which side DeFi wins: "above" `loan_usd` (the usual case: gas is
    fixed, DeFi's rate lower), "below" it, "always" (`loan_usd` 0) or "never" (`loan_usd` None).
    """

    defi: str
    cefi: str
    loan_usd: Decimal | None
    defi_cheaper: str


def break_even(defi: CostOption, cefi: CostOption) -> BreakEven:
    slope = defi.slope - cefi.slope  # DeFi's extra cost per USD borrowed
    fixed = defi.fixed_usd - cefi.fixed_usd  # DeFi's extra fixed cost
    if slope == 0:
        side, size = ("always", ZERO) if fixed < 0 else ("never", None)
    else:
        crossing = -fixed / slope
        if slope < 0:
            side, size = ("above", crossing) if crossing > 0 else ("always", ZERO)
        else:
            side, size = ("below", crossing) if crossing > 0 else ("never", None)
    return BreakEven(defi.name, cefi.name, size, side)


@dataclass(frozen=True)
class Comparison:
    loan: Loan
    quotes: tuple[Quote, ...]
    cheapest: str | None  # the cheapest option the collateral allows
    break_evens: tuple[BreakEven, ...]


def compare(loan: Loan, options: Sequence[CostOption]) -> Comparison:
    quotes = tuple(quote(option, loan) for option in options)
    fitting = [q for q in quotes if q.fits]
    cheapest = min(fitting, key=lambda q: q.total_usd).option.name if fitting else None
    pairs = tuple(break_even(d, c) for d in options if d.kind == DEFI for c in options if c.kind == CEFI)
    return Comparison(loan, quotes, cheapest, pairs)


def _read_at(option: CostOption) -> dict[str, Any]:
    """Where a DeFi market was read: its name, chain and block (null for CeFi and a given rate)."""
    where = option.read_at
    return {
        "market": option.market,
        "chain": where.chain if where else None,
        "chain_id": where.chain_id if where else None,
        "block": where.block if where else None,
    }


def comparison_json(comparison: Comparison, context: Mapping[str, Any]) -> dict[str, Any]:
    """The documented JSON schema; `context` (chains, blocks, prices used) leads the object."""
    loan = comparison.loan
    return {
        **context,
        "loan_usd": decimal_text(loan.usd),
        "days": loan.days,
        "btc": decimal_text(loan.btc),
        "options": [
            {
                "name": q.option.name,
                "kind": q.option.kind,
                **_read_at(q.option),
                "apr": decimal_text(q.option.apr),
                "compounding": q.option.compounding,
                "compounding_source": q.option.compounding_source,
                "interest_usd": decimal_text(q.interest_usd),
                "fees_usd": decimal_text(q.fees_usd),
                "gas_usd": decimal_text(q.gas_usd),
                "gas_usd_low": decimal_text(q.option.gas.low),
                "gas_usd_high": decimal_text(q.option.gas.high),
                "gas_source": q.option.gas_source,
                "total_usd": decimal_text(q.total_usd),
                "effective_apr": decimal_text(q.effective_apr),
                "max_loan_usd": decimal_text(q.max_loan_usd),
                "fits": q.fits,
                "liquidation_price_btc": decimal_text(q.liquidation_price_btc),
            }
            for q in comparison.quotes
        ],
        "cheapest": comparison.cheapest,
        "break_even": [
            {"defi": b.defi, "cefi": b.cefi, "loan_usd": decimal_text(b.loan_usd), "defi_cheaper": b.defi_cheaper}
            for b in comparison.break_evens
        ],
    }
