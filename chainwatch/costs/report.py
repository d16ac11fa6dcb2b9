"""One `compare` question answered end to end: read what is needed, price every option, compare.

The CLI parses options into `CompareSettings` and renders what comes back; everything between
lives here. The DeFi markets of several chains are read side by side, each chain at its own
block with its own gas price and ETH price; a chain that cannot be read is carried with its
error, never dropped. With both a DeFi rate and a gas cost given and no chain named, nothing is
read from any chain: the DeFi side is then a single option named `defi`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from chainwatch.chain import Chain
from chainwatch.chains import get_chain, get_chains
from chainwatch.context import RunContext
from chainwatch.costs.compare import Comparison, Loan, compare, comparison_json
from chainwatch.costs.gas import GasPrice
from chainwatch.costs.lifecycle import DEFAULT_LIFECYCLE, load_gas_units
from chainwatch.costs.markets import ChainTerms, read_chain_terms
from chainwatch.costs.offers import load_offers
from chainwatch.costs.options import CostOption, chain_options, given_defi_option, offer_option
from chainwatch.errors import UnreadableError
from chainwatch.export import decimal_text
from chainwatch.risk.errors import require_non_negative, require_positive
from chainwatch.rpc.concurrent import each

DEFAULT_CHAIN = "ethereum"  # the one chain `read_terms` reads when none is named
DEFAULT_LOAN_ASSET = "USDC"
GAS_PRICE_LEVELS = ("base_fee", "low", "median", "high")


@dataclass(frozen=True)
class CompareSettings:
    loan: Loan
    offers_file: Path | None = None
    chain: str | None = None  # one chain (the dashboard's question); `chains` for several
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
    # The chains whose markets are compared; with neither this nor `chain`, the address book's
    # default chains (the built-in mainnets), unless apr and gas_usd make a chain needless.
    chains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for option, value in (("--eth-price", self.eth_usd), ("--btc-price", self.btc_price_usd)):
            if value is not None:
                require_positive(option, value)
        if self.apr is not None:
            require_non_negative("--apr", self.apr)

    @property
    def chain_names(self) -> tuple[str, ...]:
        return (self.chain, *self.chains) if self.chain else self.chains

    @property
    def reads_chain(self) -> bool:
        return bool(self.chain_names) or self.apr is None or self.gas_usd is None

    def chains_to_read(self) -> list[Chain]:
        """The chains the comparison reads (none offline); an unknown name is a one-line error."""
        return get_chains(self.chain_names, self.address_book) if self.reads_chain else []


@dataclass(frozen=True)
class ChainTermsReading:
    """One chain's part of a comparison: its terms, or why they could not be read (exactly one
    of `terms` and `error` is set)."""

    chain: Chain
    terms: ChainTerms | None = None
    error: str | None = None


def run_comparison(settings: CompareSettings) -> tuple[Comparison, dict[str, Any]]:
    """The comparison, and the JSON report (the documented schema) the tables are drawn from.

    One chain that cannot be read raises (its error is the whole answer); of several, each
    that cannot be read is named in the report's `chains`, the others' markets still priced.
    """
    chains = settings.chains_to_read()
    return price_chains(settings, read_chains_terms(settings, chains) if chains else None)


def read_chains_terms(settings: CompareSettings, chains: Sequence[Chain]) -> list[ChainTermsReading]:
    """Every chain's terms, the chains read at once (one thread each), each at its own block.
    A lone chain's failure raises; of several, a chain that cannot be read keeps its error."""
    if len(chains) == 1:
        return [ChainTermsReading(chains[0], terms=_read_chain(settings, chains[0]))]

    def read(chain: Chain) -> ChainTermsReading:
        try:
            return ChainTermsReading(chain, terms=_read_chain(settings, chain, alongside_book=True))
        except UnreadableError as exc:
            return ChainTermsReading(chain, error=str(exc))

    return each(read, chains)  # daemon threads: a Ctrl-C never waits on a silent endpoint


def read_terms(settings: CompareSettings) -> tuple[Chain, ChainTerms] | None:
    """One chain's terms (`settings.chain`, else DEFAULT_CHAIN; None when the comparison reads
    nothing), apart from pricing, so a caller that compares many loan sizes (the dashboard)
    reads the chain once. A failure raises."""
    if not settings.reads_chain:
        return None
    chain = get_chain(settings.chain or DEFAULT_CHAIN, settings.address_book)
    return chain, _read_chain(settings, chain)


def _read_chain(settings: CompareSettings, chain: Chain, *, alongside_book: bool = False) -> ChainTerms:
    """`alongside_book`: see rpc_urls (one of several chains: ETH_RPC_URL does not replace the
    book's endpoints of a chain it does not serve)."""
    return read_chain_terms(
        chain,
        settings.loan_asset,
        rpc=settings.rpc,
        block=settings.block,
        price_gas=settings.gas_usd is None,
        eth_usd=settings.eth_usd,
        gas_price=None if settings.gas_price_gwei is None else GasPrice.flat(settings.gas_price_gwei),
        alongside_book=alongside_book,
    )


def price_comparison(
    settings: CompareSettings, read: tuple[Chain, ChainTerms] | None
) -> tuple[Comparison, dict[str, Any]]:
    """Every option priced for `settings.loan` with the one chain's terms `read_terms` returned."""
    return price_chains(settings, None if read is None else [ChainTermsReading(*read)])


def price_chains(
    settings: CompareSettings, readings: Sequence[ChainTermsReading] | None
) -> tuple[Comparison, dict[str, Any]]:
    """Every option priced for `settings.loan`: the CeFi offers, and the markets of every chain
    read (None: no chain read, the DeFi side given by hand).

    With several chains a market's name carries its chain (`base · aave-v3`), so the cheapest
    option and the break-even rows name one market. CeFi offers are valued at `--btc-price`,
    else at the BTC/USD feed of the first chain read that has one (the report says which).
    """
    days = settings.loan.days
    offers = load_offers(settings.offers_file)
    btc_price, btc_price_chain = settings.btc_price_usd, None
    defi: list[CostOption] = []
    if readings is None:
        assert settings.apr is not None and settings.gas_usd is not None  # reads_chain is False
        defi = [given_defi_option(settings.apr, settings.compounding, settings.gas_usd, days)]
        context: dict[str, Any] = {**RunContext.unread().json(), "chains": []}
    else:
        several = len(readings) > 1
        for reading in readings:
            if reading.terms is not None:
                defi += _chain_options(settings, reading.chain, reading.terms, named_with_chain=several)
                if btc_price is None and reading.terms.btc_usd is not None:
                    btc_price, btc_price_chain = reading.terms.btc_usd, reading.chain.name
        chains = [_chain_json(reading) for reading in readings]
        context = {} if several else {k: v for k, v in chains[0].items() if k != "error"}
        context |= {"chains": chains, "lifecycle": list(settings.lifecycle)}
    context |= {"btc_price_usd": decimal_text(btc_price), "btc_price_chain": btc_price_chain}
    cefi = [offer_option(offer, days, btc_price) for offer in offers]
    comparison = compare(settings.loan, [*cefi, *defi])
    return comparison, comparison_json(comparison, context)


def _chain_options(
    settings: CompareSettings, chain: Chain, terms: ChainTerms, *, named_with_chain: bool
) -> list[CostOption]:
    """The chain's markets as options, each saying where it was read."""
    options = chain_options(
        terms,
        settings.loan.days,
        settings.lifecycle,
        load_gas_units(),
        gas_usd=settings.gas_usd,
        apr=settings.apr,
        compounding=settings.compounding,
        btc_price_usd=settings.btc_price_usd,
    )
    where = RunContext(chain.name, chain.chain_id, terms.block.number, terms.block.timestamp)
    return [
        replace(option, name=f"{chain.name} · {option.name}" if named_with_chain else option.name, read_at=where)
        for option in options
    ]


def _chain_json(reading: ChainTermsReading) -> dict[str, Any]:
    """One entry of the report's `chains`: where and at which prices the chain was read, or
    its error (then null block, time and prices)."""
    chain, terms = reading.chain, reading.terms
    if terms is None:
        where = {"chain": chain.name, "chain_id": chain.chain_id, "block": None, "timestamp": None}
    else:
        where = RunContext(chain.name, chain.chain_id, terms.block.number, terms.block.timestamp).json()
    gas_price = terms.gas_price if terms else None
    return {
        **where,
        "eth_price_usd": decimal_text(terms.eth_usd) if terms else None,
        "gas_price_gwei": None
        if gas_price is None
        else {level: decimal_text(getattr(gas_price, level)) for level in GAS_PRICE_LEVELS},
        "skipped": list(terms.skipped) if terms else [],
        # a rollup's gas here is execution only: its L1 data fee is not priced
        "gas_excludes_l1_data_fee": chain.rollup,
        "error": reading.error,
    }
