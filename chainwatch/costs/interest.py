"""How a loan's debt grows under the compounding convention an offer names.

Offers name their convention as text (`compounding = "monthly"` in the offers file); the
arithmetic of every convention, monthly included, is the risk engine's `growth_factor`.
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.model import Compounding
from chainwatch.risk.interest import growth_factor

COMPOUNDINGS = tuple(c.value for c in Compounding)


def loan_growth(apr: Decimal, days: int, compounding: str) -> Decimal:
    """What one unit of debt grows to after `days` at `apr` (a fraction) under `compounding`."""
    return growth_factor(apr, days, Compounding(compounding))
