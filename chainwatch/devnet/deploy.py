"""Deploying the whole devnet world onto a fresh anvil, deterministically.

One deployer (anvil account 0) sends every deployment in a fixed order, so contract addresses
never change and chainwatch/chains/devnet.toml can list them. The world: WBTC/USDC/WETH, four
Chainlink-style feeds with 90 days of seeded history, a WBTC/BTC×BTC/USD product feed, Multicall3
at its canonical address, two Aave v3.0 markets ("aave-v3" and "spark"), Morpho Blue with a
WBTC/USDC market ("morpho-blue"), the Comet stand-in ("compound-v3"), an Aave v3.6 market
("aave-v3.6", the code Ethereum's Aave Core market runs), a liquidity supplier and demo borrowers
whose loans then accrue three days of interest.

New deployments go AFTER everything deployed before them (Morpho and Comet follow the Aave
markets and demo loans A–D, Aave v3.6 follows loans E and F), so existing addresses and loans
never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from web3 import Web3

from chainwatch.devnet import actions, controls, price_history
from chainwatch.devnet.aave_market import (
    MarketSpec,
    RateStrategy,
    ReserveSpec,
    deploy_artifact,
    deploy_libraries,
    deploy_market,
)
from chainwatch.devnet.aave_v36_market import deploy_v36_market
from chainwatch.devnet.anvil import GENESIS_TIMESTAMP
from chainwatch.devnet.comet_market import deploy_comet
from chainwatch.devnet.deployment import Deployment, MorphoMarket
from chainwatch.devnet.localchains import DEVNET
from chainwatch.devnet.morpho_market import deploy_morpho_market
from chainwatch.devnet.node import contract, deploy, rpc, transact

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
FEED_DECIMALS = 8
HISTORY_DAYS = 90
ACCRUAL_SECONDS = 3 * price_history.DAY  # loans open at genesis and accrue this long
PUSH_CHUNK = 400  # rounds per pushRounds transaction (~11M gas, under the 30M block limit)

TOKENS = {"WBTC": ("Wrapped BTC", 8), "USDC": ("USD Coin", 6), "WETH": ("Wrapped Ether", 18)}
# Feed reference prices at the snapshot; BTC/USD and ETH/USD walk there, the others stay put.
PRICES = {
    "BTC/USD": Decimal("60000"),
    "ETH/USD": Decimal("3000"),
    "USDC/USD": Decimal("1"),
}
BTC_RATIO = Decimal("1")  # every BTC asset's ratio feed (WBTC/BTC, cbBTC/BTC): on its peg
WALKING_FEEDS = {"BTC/USD": 1, "ETH/USD": 2}  # feed -> random-walk salt

USDC_RATES = RateStrategy(Decimal("0.90"), Decimal("0"), Decimal("0.04"), Decimal("0.60"))
WETH_RATES = RateStrategy(Decimal("0.90"), Decimal("0"), Decimal("0.027"), Decimal("0.80"))
WBTC_RATES = RateStrategy(Decimal("0.80"), Decimal("0"), Decimal("0.04"), Decimal("3.00"))
USDC_RESERVE = ReserveSpec(Decimal("0.75"), Decimal("0.78"), Decimal("1.045"), Decimal("0.10"), True, USDC_RATES)
WETH_RESERVE = ReserveSpec(Decimal("0.80"), Decimal("0.825"), Decimal("1.05"), Decimal("0.15"), True, WETH_RATES)
AAVE_RESERVES = {
    "WBTC": ReserveSpec(Decimal("0.73"), Decimal("0.78"), Decimal("1.05"), Decimal("0.20"), True, WBTC_RATES),
    "USDC": USDC_RESERVE,
    "WETH": WETH_RESERVE,
}
MARKETS = (
    MarketSpec(
        name="aave-v3",
        market_id="Aave Ethereum Market (devnet)",
        token_name="Aave Ethereum",
        a_token_prefix="aEth",
        debt_token_infix="Eth",
        reserves=AAVE_RESERVES,
    ),
    MarketSpec(
        name="spark",
        market_id="Spark Protocol (devnet)",
        token_name="Spark",
        a_token_prefix="sp",
        debt_token_infix="",
        reserves={
            # Spark's 2026-03-26 WBTC parameters; WBTC borrowing stays disabled there.
            "WBTC": ReserveSpec(Decimal("0.77"), Decimal("0.78"), Decimal("1.07"), Decimal("0.20"), False, WBTC_RATES),
            "USDC": USDC_RESERVE,
            "WETH": WETH_RESERVE,
        },
    ),
)
# The same reserves on the v3.6 code, so the two Aave markets differ only in their version.
V36_MARKET = MarketSpec(
    name="aave-v3.6",
    market_id="Aave Ethereum Market v3.6 (devnet)",
    token_name="Aave Ethereum",
    a_token_prefix="aEth",
    debt_token_infix="Eth",
    reserves=AAVE_RESERVES,
)

# The supplier provides liquidity and also borrows against it, so utilisation (and therefore
# the rates the demo loans pay) is mainnet-like (USDC ≈80% → ≈3.6% APR) while millions stay
# available for tests to borrow. symbol -> (supplied, borrowed).
SUPPLIER_ACCOUNT = 9
AAVE_BOOK = {
    "USDC": (Decimal("10000000"), Decimal("8000000")),
    "WETH": (Decimal("5000"), Decimal("3500")),
    "WBTC": (Decimal("100"), Decimal("5")),
}
SUPPLIER_BOOK = {
    "aave-v3": AAVE_BOOK,
    "spark": {
        "USDC": (Decimal("10000000"), Decimal("8000000")),
        "WETH": (Decimal("5000"), Decimal("3500")),
    },
}
# USDC lent into Morpho's market and into the Comet; their rates do not depend on utilisation
# (a flat stand-in IRM) or start at a mainnet-like base (the Comet's kinked model).
MORPHO_SUPPLY_USDC = Decimal("10000000")
COMET_SUPPLY_USDC = Decimal("10000000")


@dataclass(frozen=True)
class DemoLoan:
    """A demo wallet: which anvil account, where it borrows, what it supplies and borrows."""

    account: int
    market: str | None  # an Aave market name (v3.0 or v3.6), "morpho-blue" or "compound-v3"
    collateral: dict[str, Decimal]
    debt: dict[str, Decimal]
    idle: dict[str, Decimal]  # tokens held in the wallet, not supplied


DEMO_LOANS = {
    "A": DemoLoan(1, "aave-v3", {"WBTC": Decimal("1")}, {"USDC": Decimal("20000")}, {}),
    "B": DemoLoan(
        2,
        "aave-v3",
        {"WBTC": Decimal("2"), "WETH": Decimal("10")},
        {"USDC": Decimal("50000"), "WETH": Decimal("5")},
        {},
    ),
    "C": DemoLoan(3, "spark", {"WBTC": Decimal("0.5")}, {"USDC": Decimal("12000")}, {}),
    "D": DemoLoan(4, None, {}, {}, {"WBTC": Decimal("0.25")}),
    # Accounts 6 to 8: account 5 stays fresh for the gas measurements (devnet/gas.py).
    "E": DemoLoan(6, "morpho-blue", {"WBTC": Decimal("1")}, {"USDC": Decimal("30000")}, {}),
    "F": DemoLoan(7, "compound-v3", {"WBTC": Decimal("1"), "WETH": Decimal("5")}, {"USDC": Decimal("25000")}, {}),
    "G": DemoLoan(8, V36_MARKET.name, {"WBTC": Decimal("1.2")}, {"USDC": Decimal("30000")}, {}),
}
MORPHO = "morpho-blue"
COMET = "compound-v3"
LATER_MARKETS = (MORPHO, COMET, V36_MARKET.name)  # deployed after loans A–D


def feed_prices(btc_symbols: Sequence[str]) -> dict[str, Decimal]:
    """Feed reference prices at the snapshot, in deployment order: BTC/USD, each of the chain's
    BTC assets against BTC (the ratio Chainlink publishes for WBTC and cbBTC), ETH/USD, USDC/USD."""
    return {
        "BTC/USD": PRICES["BTC/USD"],
        **{f"{symbol}/BTC": BTC_RATIO for symbol in btc_symbols},
        "ETH/USD": PRICES["ETH/USD"],
        "USDC/USD": PRICES["USDC/USD"],
    }


def _feed_rounds(prices: dict[str, Decimal]) -> dict[str, list[price_history.Round]]:
    """Every feed's rounds from HISTORY_DAYS before genesis to the end of the accrual period."""
    start = GENESIS_TIMESTAMP - HISTORY_DAYS * price_history.DAY
    end = GENESIS_TIMESTAMP + ACCRUAL_SECONDS
    rounds = {}
    for pair, price in prices.items():
        if pair in WALKING_FEEDS:
            rounds[pair] = price_history.random_walk(price, start, end, price_history.HOUR, WALKING_FEEDS[pair])
        else:
            rounds[pair] = price_history.constant(price, start, end, price_history.DAY)
    return rounds


def _push(w3: Web3, feed: str, rounds: list[price_history.Round], sender: str) -> None:
    aggregator = contract(w3, "ChainlinkStyleAggregator", feed)
    for i in range(0, len(rounds), PUSH_CHUNK):
        chunk = rounds[i : i + PUSH_CHUNK]
        call = aggregator.functions.pushRounds([r.answer for r in chunk], [r.updated_at for r in chunk])
        transact(w3, call, sender)


@dataclass(frozen=True)
class Groundwork:
    """What every local chain starts with: its tokens, its feeds (with their history up to
    genesis) and the feed rounds still to publish once the loans have accrued."""

    tokens: dict[str, str]  # symbol -> MintableERC20
    feeds: dict[str, str]  # pair -> feed
    rounds: dict[str, list[price_history.Round]]


def lay_groundwork(
    w3: Web3,
    deployer: str,
    compiled: dict[str, dict[str, Any]],
    tokens: dict[str, tuple[str, int]],
    btc_symbols: Sequence[str],
) -> Groundwork:
    """Tokens, Chainlink-style feeds with their history to genesis, each BTC asset's
    asset/BTC × BTC/USD product feed (what Aave and Comet price it by), Multicall3."""
    deployed = {
        symbol: deploy_artifact(w3, deployer, "MintableERC20", name, symbol, decimals)
        for symbol, (name, decimals) in tokens.items()
    }
    aggregator = compiled["ChainlinkStyleAggregator"]
    prices = feed_prices(btc_symbols)
    feeds = {
        pair: deploy(w3, deployer, aggregator["abi"], aggregator["bytecode"], FEED_DECIMALS, pair) for pair in prices
    }
    rounds = _feed_rounds(prices)
    for pair, feed in feeds.items():
        _push(w3, feed, [r for r in rounds[pair] if r.updated_at <= GENESIS_TIMESTAMP], deployer)
    product = compiled["ProductPriceFeed"]
    for ratio in (f"{symbol}/BTC" for symbol in btc_symbols):
        feeds[f"{ratio}/USD"] = deploy(
            w3, deployer, product["abi"], product["bytecode"], feeds[ratio], feeds["BTC/USD"], f"{ratio}/USD"
        )
    rpc(w3, "anvil_setCode", [MULTICALL3, compiled["Multicall3"]["deployedBytecode"]])
    return Groundwork(deployed, feeds, rounds)


def accrue_and_publish(w3: Web3, groundwork: Groundwork, deployer: str) -> tuple[int, int]:
    """Let the loans accrue interest, then publish the feed rounds of those days (in order, so
    the history stays monotonic); the last round of each walking feed is its reference price.
    Returns the latest block's number and timestamp."""
    rpc(w3, "evm_setNextBlockTimestamp", [GENESIS_TIMESTAMP + ACCRUAL_SECONDS])
    controls.mine(w3)
    for pair, feed in groundwork.feeds.items():
        if pair in groundwork.rounds:
            _push(w3, feed, [r for r in groundwork.rounds[pair] if r.updated_at > GENESIS_TIMESTAMP], deployer)
    latest = w3.eth.get_block(controls.mine(w3, 2))
    return int(latest["number"]), int(latest["timestamp"])


def open_aave_loan(w3: Web3, pool: str, tokens: dict[str, str], loan: DemoLoan, account: str) -> None:
    for symbol, amount in loan.collateral.items():
        controls.mint(w3, tokens[symbol], account, amount)
        actions.approve(w3, tokens[symbol], account, pool)
        actions.supply(w3, pool, tokens[symbol], amount, account)
    for symbol, amount in loan.debt.items():
        actions.borrow(w3, pool, tokens[symbol], amount, account)


def open_morpho_loan(w3: Web3, market: MorphoMarket, loan: DemoLoan, account: str) -> None:
    (collateral,) = loan.collateral.values()  # a Morpho market has one collateral and one loan token
    (debt,) = loan.debt.values()
    controls.mint(w3, market.collateral_token, account, collateral)
    actions.approve(w3, market.collateral_token, account, market.morpho)
    actions.morpho_supply_collateral(w3, market, collateral, account)
    actions.morpho_borrow(w3, market, debt, account)


def _open_comet_loan(w3: Web3, comet: str, tokens: dict[str, str], loan: DemoLoan, account: str) -> None:
    for symbol, amount in loan.collateral.items():
        controls.mint(w3, tokens[symbol], account, amount)
        actions.approve(w3, tokens[symbol], account, comet)
        actions.comet_supply(w3, comet, tokens[symbol], amount, account)
    for symbol, amount in loan.debt.items():
        actions.comet_withdraw(w3, comet, tokens[symbol], amount, account)


def fund_aave_market(
    w3: Web3, pool: str, tokens: dict[str, str], book: dict[str, tuple[Decimal, Decimal]], supplier: str
) -> None:
    """The supplier supplies every asset of its book, then borrows against it."""
    for symbol, (supplied, _) in book.items():
        controls.mint(w3, tokens[symbol], supplier, supplied)
        actions.approve(w3, tokens[symbol], supplier, pool)
        actions.supply(w3, pool, tokens[symbol], supplied, supplier)
    for symbol, (_, borrowed) in book.items():
        actions.borrow(w3, pool, tokens[symbol], borrowed, supplier)


def fund_morpho(w3: Web3, market: MorphoMarket, usdc: str, supplier: str) -> None:
    """The supplier lends USDC into the Morpho market, so demo loans and tests can borrow."""
    controls.mint(w3, usdc, supplier, MORPHO_SUPPLY_USDC)
    actions.approve(w3, usdc, supplier, market.morpho)
    actions.morpho_supply(w3, market, MORPHO_SUPPLY_USDC, supplier)


def _fund_morpho_and_comet(w3: Web3, market: MorphoMarket, comet: str, usdc: str, supplier: str) -> None:
    controls.mint(w3, usdc, supplier, MORPHO_SUPPLY_USDC + COMET_SUPPLY_USDC)
    actions.approve(w3, usdc, supplier, market.morpho)
    actions.morpho_supply(w3, market, MORPHO_SUPPLY_USDC, supplier)
    actions.approve(w3, usdc, supplier, comet)
    actions.comet_supply(w3, comet, usdc, COMET_SUPPLY_USDC, supplier)


def deploy_world(w3: Web3, compiled: dict[str, dict[str, Any]]) -> Deployment:
    """Deploy everything onto a fresh anvil started at GENESIS_TIMESTAMP; returns the addresses."""
    accounts = w3.eth.accounts
    deployer = accounts[0]

    groundwork = lay_groundwork(w3, deployer, compiled, TOKENS, ("WBTC",))
    tokens, feeds = groundwork.tokens, groundwork.feeds

    libraries = deploy_libraries(w3, deployer)
    price_sources = {"WBTC": feeds["WBTC/BTC/USD"], "USDC": feeds["USDC/USD"], "WETH": feeds["ETH/USD"]}
    markets = {spec.name: deploy_market(w3, deployer, spec, libraries, tokens, price_sources) for spec in MARKETS}

    supplier = accounts[SUPPLIER_ACCOUNT]
    for market_name, book in SUPPLIER_BOOK.items():
        fund_aave_market(w3, markets[market_name].pool, tokens, book, supplier)

    demo_wallets = {}
    for label, loan in DEMO_LOANS.items():
        if loan.market in LATER_MARKETS:
            continue  # their markets are deployed after these loans, below
        account = accounts[loan.account]
        demo_wallets[label] = account
        if loan.market:
            open_aave_loan(w3, markets[loan.market].pool, tokens, loan, account)
        for symbol, amount in loan.idle.items():
            controls.mint(w3, tokens[symbol], account, amount)

    morpho_blue = deploy_morpho_market(w3, deployer, compiled, tokens, feeds)
    comet = deploy_comet(w3, deployer, compiled, tokens, feeds)
    _fund_morpho_and_comet(w3, morpho_blue, comet, tokens["USDC"], supplier)
    for label, loan in DEMO_LOANS.items():
        if loan.market == MORPHO:
            demo_wallets[label] = accounts[loan.account]
            open_morpho_loan(w3, morpho_blue, loan, accounts[loan.account])
        elif loan.market == COMET:
            demo_wallets[label] = accounts[loan.account]
            _open_comet_loan(w3, comet, tokens, loan, accounts[loan.account])

    markets[V36_MARKET.name] = deploy_v36_market(w3, deployer, V36_MARKET, tokens, price_sources)
    fund_aave_market(w3, markets[V36_MARKET.name].pool, tokens, AAVE_BOOK, supplier)
    for label, loan in DEMO_LOANS.items():
        if loan.market == V36_MARKET.name:
            demo_wallets[label] = accounts[loan.account]
            open_aave_loan(w3, markets[loan.market].pool, tokens, loan, accounts[loan.account])

    snapshot_block, snapshot_timestamp = accrue_and_publish(w3, groundwork, deployer)
    return Deployment(
        chain_id=DEVNET.chain_id,
        multicall3=MULTICALL3,
        deployer=deployer,
        supplier=supplier,
        tokens=tokens,
        feeds=feeds,
        markets=markets,
        morpho_blue=morpho_blue,
        comet=comet,
        demo_wallets=demo_wallets,
        snapshot_block=snapshot_block,
        snapshot_timestamp=snapshot_timestamp,
    )
