"""What the pages show, computed from a reading with the risk engine, and how numbers read.

Each figure goes to the page twice: rounded for the eye, and exact in a `data-value` attribute
(the JSON's own decimal string), so a test, or a script, can compare the page with `track`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from chainwatch.model import Position
from chainwatch.risk.portfolio import PortfolioRisk, portfolio_risk
from chainwatch.risk.safety import MarginOfSafety, margin_of_safety
from chainwatch.risk.scenarios import StatusBands


def loan_key(position: Position) -> str:
    """The loan's address under /loans/: chain, market name, market and wallet."""
    return f"{position.chain}/{position.protocol}/{position.market}/{position.account}".lower()


def find_loan(positions: Sequence[Position], key: str) -> Position | None:
    return next((p for p in positions if loan_key(p) == key.lower()), None)


@dataclass(frozen=True)
class Loan:
    """One row of the portfolio: the position and what the risk engine says of it."""

    key: str
    position: Position
    margin_call_ltv: Decimal | None  # the LTV at which the health factor reaches the margin-call band
    warning_ltv: Decimal | None
    margin: MarginOfSafety | None
    status: str

    @property
    def title(self) -> str:
        """The market's name, and the loan's own when its market is one (a CeFi loan's name),
        not a contract address or market id."""
        market = self.position.market
        return self.position.protocol if market.startswith("0x") else f"{self.position.protocol} · {market}"

    @property
    def collateral_assets(self) -> str:
        return " + ".join(h.asset.symbol for h in self.position.collateral) or "—"

    @property
    def debt_assets(self) -> str:
        return " + ".join(h.asset.symbol for h in self.position.debt) or "—"


def loan_view(position: Position, bands: StatusBands) -> Loan:
    """LTVs of the bands are the liquidation LTV over the band's health factor (HF = liq. LTV / LTV)."""
    liquidation_ltv = position.liquidation_ltv
    return Loan(
        key=loan_key(position),
        position=position,
        margin_call_ltv=None if liquidation_ltv is None else liquidation_ltv / bands.margin_call,
        warning_ltv=None if liquidation_ltv is None else liquidation_ltv / bands.warning,
        margin=margin_of_safety(position),
        status=bands.status(position.health_factor).value,
    )


def portfolio_view(positions: Sequence[Position]) -> PortfolioRisk | None:
    return portfolio_risk(positions) if positions else None


# --- how numbers read -------------------------------------------------------------------


def usd(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.{places}f}"


def whole_usd(value: Decimal | None) -> str:
    return usd(value, 0)


def pct(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{places}f}%"


def health(value: Decimal | None) -> str:
    """The health factor to three decimals; ∞ without debt."""
    return "∞" if value is None else f"{value:.3f}"


def amount(value: Decimal | None, places: int = 8) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def exact(value: Decimal | None) -> str:
    """The JSON's own text of a figure (plain notation, full precision), empty for none."""
    return "" if value is None else format(value, "f")


def age(delta: timedelta | None) -> str:
    if delta is None:
        return "never"
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def short(account: str) -> str:
    """An address as 0x1234abcd…ef01; any other owner (a CeFi loan's label) as written."""
    if account.startswith("0x") and len(account) == 42:
        return f"{account[:8]}…{account[-4:]}"
    return account or "—"


def dec(text: str | None) -> Decimal | None:
    """A JSON document's decimal string back as a Decimal, for rounding on the page."""
    return None if text is None else Decimal(text)


FILTERS = {
    "dec": dec,
    "usd": usd,
    "whole_usd": whole_usd,
    "pct": pct,
    "health": health,
    "amount": amount,
    "exact": exact,
    "age": age,
    "short": short,
}
