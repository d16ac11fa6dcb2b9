"""The questions a page or an API request asks of the last reading, answered by the CLI's own
engines: a what-if (`risk --target-ltv`, or a repayment and BTC added), the `risk` document for
some positions, and `compare` for a loan size. Form fields are parsed here, one line per error.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chainwatch.costs.compare import Loan as CostLoan
from chainwatch.costs.report import CompareSettings, price_comparison
from chainwatch.dashboard.reading import ChainPart, Target, risk_document
from chainwatch.errors import ChainwatchError
from chainwatch.model import Position
from chainwatch.risk.hypothetical import with_btc_added, with_debt_repaid
from chainwatch.risk.targets import what_if

# Sizes a form takes: beyond them the input is a typo, not a loan (as the CLI's options).
MAX_LOAN_USD = Decimal("1e12")
MAX_BTC = Decimal(21_000_000)
MAX_DAYS = 36_500


class QueryError(ChainwatchError):
    """A form field that is not the number it must be."""


def query_decimal(query: Mapping[str, str], name: str, maximum: Decimal, *, zero: bool = False) -> Decimal | None:
    """A form field as an exact Decimal in (0, maximum] ([0, maximum] with `zero`); None when empty."""
    text = query.get(name, "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise QueryError(f"{name}: {text!r} is not a number") from None
    if not value.is_finite() or not (0 <= value if zero else 0 < value) or value > maximum:
        raise QueryError(f"{name} must be {'zero' if zero else 'more than zero'} to {maximum:,f}, got {text}")
    return value


class NotReadYetError(ChainwatchError):
    """What the question needs has not been read yet (or its read failed)."""


def risk_answer(target: Target, part: ChainPart, query: Mapping[str, str]) -> dict[str, Any]:
    """`risk ADDRESS… --chain C --format json [--target-ltv T]` for the positions of the chain's
    part that `account`, `protocol` and `market` pick (all by default), from its block and volatility."""
    target_ltv = query_decimal(query, "target_ltv", Decimal(1))
    keys = ("account", "protocol", "market")
    positions = [
        p for p in part.positions if all(query.get(k, getattr(p, k)).lower() == getattr(p, k).lower() for k in keys)
    ]
    if target_ltv is None and len(positions) == len(part.positions) and part.risk is not None:
        return part.risk
    if not positions:
        raise QueryError("no position matches account, protocol and market")
    if part.volatility is None:
        raise NotReadYetError(part.risk_error or "the risk report is not available")
    return risk_document(target, part, positions, target_ltv)


def what_if_answer(position: Position, query: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """The form's questions answered by the risk engine: a target LTV (as `risk --target-ltv`),
    or a repayment and BTC added (the position after them)."""
    try:
        target_ltv = query_decimal(query, "target_ltv", Decimal(1))
        repay = query_decimal(query, "repay", MAX_LOAN_USD, zero=True)
        add_btc = query_decimal(query, "add_btc", MAX_BTC, zero=True)
        if target_ltv is None and repay is None and add_btc is None:
            return None, None
        result: dict[str, Any] = {"target": None, "after": None, "repay": repay, "add_btc": add_btc}
        if target_ltv is not None:
            result["target"] = what_if(position, target_ltv)
        if repay is not None or add_btc is not None:
            after = with_debt_repaid(position, repay or Decimal(0))
            if add_btc:
                after = with_btc_added(after, add_btc)
            result["after"] = after
        return result, None
    except ChainwatchError as exc:
        return None, str(exc)


def compare_answer(
    part: ChainPart | None, address_book: Path | None, query: Mapping[str, str]
) -> tuple[dict[str, Any] | None, str | None]:
    """`compare --loan L --days D [--btc B] --chain C` priced from the chain part's terms."""
    try:
        loan = query_decimal(query, "loan", MAX_LOAN_USD)
        if loan is None:
            return None, None
        days = query_decimal(query, "days", Decimal(MAX_DAYS)) or Decimal(365)
        if days != days.to_integral_value():
            raise QueryError(f"days must be a whole number, got {days}")
        btc = query_decimal(query, "btc", MAX_BTC)
        if part is None or part.terms is None:
            raise NotReadYetError(
                (part.terms_error if part else None) or "the chain's lending terms are not read (yet)"
            )
        settings = CompareSettings(loan=CostLoan(loan, int(days), btc), chain=part.chain, address_book=address_book)
        return price_comparison(settings, part.terms)[1], None
    except ChainwatchError as exc:
        return None, str(exc)
