"""A loan typed in by hand (any lender, CeFi included) as a position of the shared model.

Building a real `Position` lets a hand-typed loan go through exactly the same risk engine as a
live one, with no second set of formulas.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from chainwatch.model import Asset, Holding, Position
from chainwatch.risk.errors import (
    RiskInputError,
    require_fraction,
    require_non_negative,
    require_positive,
)

BTC = Asset(chain="manual", address="", symbol="BTC", decimals=8, is_btc=True)
USD = Asset(chain="manual", address="", symbol="USD", decimals=2)


def manual_position(
    btc: Decimal,
    btc_price: Decimal,
    loan: Decimal,
    apr: Decimal,
    liquidation_ltv: Decimal,
    max_ltv: Decimal | None = None,
) -> Position:
    """`btc` of collateral at `btc_price`, a USD `loan` at `apr`, liquidated at `liquidation_ltv`.

    `max_ltv` is the lender's borrow limit; it defaults to the liquidation LTV.
    """
    require_positive("--btc", btc)
    require_positive("--btc-price", btc_price)
    require_non_negative("--loan", loan)
    require_non_negative("--apr", apr)
    require_fraction("--liquidation-ltv", liquidation_ltv)
    if max_ltv is None:
        max_ltv = liquidation_ltv
    require_fraction("--max-ltv", max_ltv)
    if max_ltv > liquidation_ltv:
        raise RiskInputError(f"--max-ltv {max_ltv} is above --liquidation-ltv {liquidation_ltv}")
    if loan >= btc * btc_price:
        raise RiskInputError(f"a ${loan} loan on ${btc * btc_price} of BTC has an LTV of 1 or more")
    return Position(
        protocol="manual",
        market="",
        account="",
        chain="manual",
        block_number=0,
        timestamp=datetime.now(UTC),
        collateral=(Holding(BTC, btc, btc_price, max_ltv=max_ltv, liquidation_threshold=liquidation_ltv),),
        debt=(Holding(USD, loan, Decimal(1), borrow_apr=apr),) if loan else (),
    )
