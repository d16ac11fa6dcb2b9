"""The ways to borrow being compared, each reduced to `slope · loan + fixed` USD.

Every cost of a loan is linear in the amount borrowed: interest and origination fees are a rate
times the loan; monthly and withdrawal fees and gas are fixed. Reducing each option to that form
once makes the break-even loan sizes exact divisions and the plot straight lines. CeFi options
come from offers, DeFi ones from the markets read on chain, or from a rate and gas cost given by
hand when no chain is read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.context import RunContext
from chainwatch.costs.gas import GasCostUsd, gas_cost_usd
from chainwatch.costs.interest import loan_growth
from chainwatch.costs.lifecycle import GasUnits, gas_units_for
from chainwatch.costs.markets import ChainTerms, DefiMarket
from chainwatch.costs.offers import Offer
from chainwatch.model import DAYS_PER_YEAR, MONTHS_PER_YEAR

ZERO = Decimal(0)
CEFI = "cefi"
DEFI = "defi"
GIVEN = "given"  # gas source when --gas-usd sets it; compounding source when --compounding does
# Where an option's compounding comes from: the offer's terms, the market's protocol (the
# adapter's own: Aave and Comet per second, Morpho continuous), the user, or a default.
OFFER, MARKET, DEFAULT = "offer", "market", "default"


@dataclass(frozen=True)
class CostOption:
    """One way to borrow for a given number of days, as `slope · loan + fixed` USD."""

    name: str
    kind: str  # CEFI or DEFI
    apr: Decimal
    compounding: str
    interest_rate: Decimal  # interest per USD borrowed over the loan's days
    fee_rate: Decimal  # fees per USD borrowed (origination)
    fixed_fees_usd: Decimal  # fees that do not depend on the amount
    gas: GasCostUsd  # zero for CeFi
    gas_source: str | None  # "measured", "published" or GIVEN; None for CeFi
    compounding_source: str = OFFER  # OFFER, MARKET, GIVEN or DEFAULT
    max_ltv: Decimal | None = None
    liquidation_ltv: Decimal | None = None
    btc_price_usd: Decimal | None = None
    market: str | None = None  # the DeFi market's name in the address book; None for CeFi, or none read
    read_at: RunContext | None = None  # the chain and block a DeFi market was read at

    @property
    def slope(self) -> Decimal:
        return self.interest_rate + self.fee_rate

    @property
    def fixed_usd(self) -> Decimal:
        return self.fixed_fees_usd + self.gas.median

    def total_usd(self, loan_usd: Decimal) -> Decimal:
        return self.slope * loan_usd + self.fixed_usd


def months_started(days: int) -> int:
    """Months of 365/12 days a loan of `days` runs into: a monthly fee is due for each."""
    return math.ceil(Decimal(days) * MONTHS_PER_YEAR / DAYS_PER_YEAR)


def offer_option(offer: Offer, days: int, btc_price_usd: Decimal | None) -> CostOption:
    return CostOption(
        name=offer.name,
        kind=CEFI,
        apr=offer.apr,
        compounding=offer.compounding,
        interest_rate=loan_growth(offer.apr, days, offer.compounding) - 1,
        fee_rate=offer.origination_fee,
        fixed_fees_usd=offer.monthly_fee_usd * months_started(days) + offer.withdrawal_fee_usd,
        gas=GasCostUsd.flat(ZERO),
        gas_source=None,
        max_ltv=offer.max_ltv,
        liquidation_ltv=offer.liquidation_ltv,
        btc_price_usd=btc_price_usd,
    )


def market_option(
    market: DefiMarket,
    days: int,
    gas: GasCostUsd,
    gas_source: str,
    *,
    apr: Decimal | None = None,
    compounding: str | None = None,
    btc_price_usd: Decimal | None = None,
) -> CostOption:
    """A DeFi market at its current borrow rate (or `apr`), compounded as its protocol does (or
    as `compounding` says), its collateral valued at the market's own oracle price (or
    `btc_price_usd`)."""
    rate = market.borrow_apr if apr is None else apr
    source = GIVEN if compounding else MARKET
    compounding = compounding or market.compounding
    return CostOption(
        name=market.name,
        kind=DEFI,
        apr=rate,
        compounding=compounding,
        compounding_source=source,
        interest_rate=loan_growth(rate, days, compounding) - 1,
        fee_rate=ZERO,
        fixed_fees_usd=ZERO,
        gas=gas,
        gas_source=gas_source,
        max_ltv=market.collateral.max_ltv,
        liquidation_ltv=market.collateral.liquidation_threshold,
        btc_price_usd=btc_price_usd or market.collateral.price_usd,
        market=market.name,
    )


def given_defi_option(apr: Decimal, compounding: str | None, gas_usd: Decimal, days: int) -> CostOption:
    """The DeFi side with no chain read: one option named `defi` at a given rate and gas cost,
    compounded as `compounding` says (simple, and labelled a default, when not given: with no
    market read there is no protocol to take it from)."""
    source = GIVEN if compounding else DEFAULT
    compounding = compounding or "simple"
    return CostOption(
        name=DEFI,
        kind=DEFI,
        apr=apr,
        compounding=compounding,
        compounding_source=source,
        interest_rate=loan_growth(apr, days, compounding) - 1,
        fee_rate=ZERO,
        fixed_fees_usd=ZERO,
        gas=GasCostUsd.flat(gas_usd),
        gas_source=GIVEN,
    )


def chain_options(
    terms: ChainTerms,
    days: int,
    lifecycle: Sequence[str],
    gas_units: dict[str, GasUnits],
    *,
    gas_usd: Decimal | None = None,
    apr: Decimal | None = None,
    compounding: str | None = None,
    btc_price_usd: Decimal | None = None,
) -> list[CostOption]:
    """One option per market read on chain; gas is the lifecycle's units at the live gas
    price, unless `gas_usd` gives the whole lifecycle's cost."""
    options = []
    for market in terms.markets:
        if gas_usd is not None:
            gas, source = GasCostUsd.flat(gas_usd), GIVEN
        else:
            assert terms.gas_price is not None and terms.eth_usd is not None  # read_chain_terms priced gas
            units = gas_units_for(gas_units, market.protocol)
            gas, source = gas_cost_usd(units.total(lifecycle), terms.gas_price, terms.eth_usd), units.kind
        options.append(
            market_option(market, days, gas, source, apr=apr, compounding=compounding, btc_price_usd=btc_price_usd)
        )
    return options
