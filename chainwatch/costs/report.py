"""One `compare` question answered end to end: read what is needed, price every option, compare.

The CLI parses options into `CompareSettings` and renders what comes back; everything between
lives here. With both a DeFi rate and a gas cost given and no chain named, nothing is read from
any chain: the DeFi side is then a single option named `defi`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from chainwatch.chain import Chain
from chainwatch.chains import get_chain
from chainwatch.context import RunContext
from chainwatch.costs.compare import Comparison, Loan, compare, comparison_json
from chainwatch.costs.gas import GasPrice
from chainwatch.costs.lifecycle import DEFAULT_LIFECYCLE, load_gas_units
from chainwatch.costs.markets import ChainTerms, read_chain_terms
from chainwatch.costs.offers import load_offers
from chainwatch.costs.options import CostOption, chain_options, given_defi_option, offer_option
from chainwatch.export import decimal_text
from chainwatch.risk.errors import require_non_negative, require_positive

DEFAULT_CHAIN = "ethereum"
DEFAULT_LOAN_ASSET = "USDC"


@dataclass(frozen=True)
class CompareSettings:
    loan: Loan
    offers_file: Path | None = None
    chain: str | None = None  # None: DEFAULT_CHAIN, unless apr and gas_usd make a chain needless
    address_book: Path | None = None
    rpc: Sequence[str] = ()
    block: int | None = None
    loan_asset: str = DEFAULT_LOAN_ASSET
    lifecycle: tuple[str, ...] = DEFAULT_LIFECYCLE
    apr: Decimal | None = None
    compounding: str | None = None
    gas_usd: Decimal | None = None
    gas_price_gwei: Decimal | None = None
    eth_usd: Decimal | None = None
    btc_price_usd: Decimal | None = None

    def __post_init__(self) -> None:
        for option, value in (("--eth-price", self.eth_usd), ("--btc-price", self.btc_price_usd)):
            if value is not None:
                require_positive(option, value)
        if self.apr is not None:
            require_non_negative("--apr", self.apr)

    @property
    def reads_chain(self) -> bool:
        return self.chain is not None or self.apr is None or self.gas_usd is None


def run_comparison(settings: CompareSettings) -> tuple[Comparison, dict[str, Any]]:
    """The comparison, and the JSON report (the documented schema) the tables are drawn from."""
    return price_comparison(settings, read_terms(settings))


def read_terms(settings: CompareSettings) -> tuple[Chain, ChainTerms] | None:
    """What the comparison reads from the chain (None when it reads nothing): apart from
    pricing, so a caller that compares many loan sizes (the dashboard) reads the chain once."""
    if not settings.reads_chain:
        return None
    chain = get_chain(settings.chain or DEFAULT_CHAIN, settings.address_book)
    terms = read_chain_terms(
        chain,
        settings.loan_asset,
        rpc=settings.rpc,
        block=settings.block,
        price_gas=settings.gas_usd is None,
        eth_usd=settings.eth_usd,
        gas_price=None if settings.gas_price_gwei is None else GasPrice.flat(settings.gas_price_gwei),
    )
    return chain, terms


def price_comparison(
    settings: CompareSettings, read: tuple[Chain, ChainTerms] | None
) -> tuple[Comparison, dict[str, Any]]:
    """Every option priced for `settings.loan` with the terms `read_terms` returned."""
    days = settings.loan.days
    offers = load_offers(settings.offers_file)
    context: dict[str, Any] = RunContext.unread().json()
    btc_price = settings.btc_price_usd
    defi: list[CostOption]
    if read is not None:
        chain, terms = read
        defi = chain_options(
            terms,
            days,
            settings.lifecycle,
            load_gas_units(),
            gas_usd=settings.gas_usd,
            apr=settings.apr,
            compounding=settings.compounding,
            btc_price_usd=btc_price,
        )
        btc_price = btc_price or terms.btc_usd
        gas_price = terms.gas_price
        context = {
            **RunContext(chain.name, chain.chain_id, terms.block.number, terms.block.timestamp).json(),
            "eth_price_usd": decimal_text(terms.eth_usd),
            "gas_price_gwei": None
            if gas_price is None
            else {k: decimal_text(getattr(gas_price, k)) for k in ("base_fee", "low", "median", "high")},
            "lifecycle": list(settings.lifecycle),
            "skipped": list(terms.skipped),
        }
    else:
        assert settings.apr is not None and settings.gas_usd is not None  # reads_chain is False
        defi = [given_defi_option(settings.apr, settings.compounding, settings.gas_usd, days)]
    context["btc_price_usd"] = decimal_text(btc_price)
    cefi = [offer_option(offer, days, btc_price) for offer in offers]
    comparison = compare(settings.loan, [*cefi, *defi])
    return comparison, comparison_json(comparison, context)
