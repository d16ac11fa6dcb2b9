"""How a loan's debt grows under the compounding conventions offers and markets use.

The risk engine's `growth_factor` covers simple, daily, per-second and continuous compounding;
CeFi lenders also compound monthly (Strike's deferred interest does), which it lacks, so this
adds that one convention and defers to it for the rest.
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.model import DAYS_PER_YEAR, Compounding
from chainwatch.risk.errors import RiskInputError, require_non_negative
from chainwatch.risk.interest import growth_factor

MONTHLY = "monthly"
MONTHS_PER_YEAR = 12
COMPOUNDINGS = (*(c.value for c in Compounding), MONTHLY)


def loan_growth(apr: Decimal, days: int, compounding: str) -> Decimal:
    """What one unit of debt grows to after `days` at `apr` (a fraction) under `compounding`.

    Monthly compounding counts months of 365/12 days; a part month at the end earns simple
    interest, as a lender charging at month ends would bill it at repayment.
    """
    if compounding != MONTHLY:
        return growth_factor(apr, days, Compounding(compounding))
    require_non_negative("APR", apr)
    if days < 0:
        raise RiskInputError(f"days must be zero or more, got {days}")
    months = Decimal(days) * MONTHS_PER_YEAR / DAYS_PER_YEAR
    whole = int(months)
    monthly = apr / MONTHS_PER_YEAR
    return (1 + monthly) ** whole * (1 + monthly * (months - whole))
