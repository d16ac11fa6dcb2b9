"""Deploying devnet-l2, the second local chain, with the devnet's own deploy steps.

Shaped like Base, where bitcoin-backed loans sit on cbBTC: the real Aave v3.0 bytecode (one
market, "aave-v3") and the real Morpho Blue with a cbBTC/USDC market ("morpho-blue"), a
cbBTC-like 8-decimal token as the chain's main BTC asset and a WBTC-like one beside it, each
priced by its own ratio feed (cbBTC/BTC, WBTC/BTC) times BTC/USD as mainnet's Aave prices them,
the same Chainlink-style BTC/USD history as the devnet, Multicall3 at its canonical address, and
demo loans. Wallets A and E borrow here and on the devnet, so one wallet has loans on two
chains; E's Aave loan here is backed by cbBTC and WBTC at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from web3 import Web3

from chainwatch.devnet.aave_market import MarketSpec, ReserveSpec, deploy_libraries, deploy_market
from chainwatch.devnet.deploy import (
    AAVE_RESERVES,
    MORPHO,
    MULTICALL3,
    SUPPLIER_ACCOUNT,
    DemoLoan,
    accrue_and_publish,
    fund_aave_market,
    fund_morpho,
    lay_groundwork,
    open_aave_loan,
    open_morpho_loan,
)
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.localchains import DEVNET_L2
from chainwatch.devnet.morpho_market import deploy_morpho_market
from chainwatch.devnet.node import rpc

BTC = "cbBTC"  # the chain's main BTC asset, its Morpho market's collateral
BTC_ASSETS = (BTC, "WBTC")  # in the address book's order
TOKENS = {
    BTC: ("Coinbase Wrapped BTC", 8),
    "WBTC": ("Wrapped BTC", 8),
    "USDC": ("USD Coin", 6),
    "WETH": ("Wrapped Ether", 18),
}
AAVE = MarketSpec(
    name="aave-v3",
    market_id="Aave Base Market (devnet-l2)",
    token_name="Aave Base",
    a_token_prefix="aBas",
    debt_token_infix="Bas",
    # WBTC listed first, as on Ethereum's Aave, so a loan on both reads "WBTC+cbBTC". cbBTC takes
    # the devnet's WBTC parameters (what the tests check is the chain, not the figures); WBTC
    # takes a lower threshold, so a loan on both has a threshold the Pool must average.
    reserves={
        "WBTC": ReserveSpec(
            Decimal("0.70"), Decimal("0.75"), Decimal("1.065"), Decimal("0.20"), True, AAVE_RESERVES["WBTC"].rates
        ),
        BTC: AAVE_RESERVES["WBTC"],
        "USDC": AAVE_RESERVES["USDC"],
        "WETH": AAVE_RESERVES["WETH"],
    },
)
SUPPLIER_BOOK = {
    "USDC": (Decimal("10000000"), Decimal("8000000")),
    "WETH": (Decimal("5000"), Decimal("3500")),
    BTC: (Decimal("100"), Decimal("5")),
    "WBTC": (Decimal("100"), Decimal("5")),
}
# devnet-l2's deployments start at this deployer nonce, so no contract here shares an address
# with one on the devnet (Multicall3 aside, canonical on both): a read sent to the wrong chain
# finds no contract rather than a twin with other figures.
FIRST_NONCE = 1000
# Same accounts as the devnet's A and E: these wallets hold loans on both chains. E holds two
# here: cbBTC on Morpho, and cbBTC with WBTC on Aave (one loan, one liquidation price).
DEMO_LOANS = (
    ("A", DemoLoan(1, AAVE.name, {BTC: Decimal("0.5")}, {"USDC": Decimal("15000")}, {})),
    ("E", DemoLoan(6, MORPHO, {BTC: Decimal("1")}, {"USDC": Decimal("35000")}, {})),
    ("E", DemoLoan(6, AAVE.name, {"WBTC": Decimal("0.3"), BTC: Decimal("0.4")}, {"USDC": Decimal("20000")}, {})),
)


def deploy_l2_world(w3: Web3, compiled: dict[str, dict[str, Any]]) -> Deployment:
    """Deploy devnet-l2 onto a fresh anvil started at the devnet's genesis time."""
    accounts = w3.eth.accounts
    deployer, supplier = accounts[0], accounts[SUPPLIER_ACCOUNT]
    rpc(w3, "anvil_setNonce", [deployer, hex(FIRST_NONCE)])
    groundwork = lay_groundwork(w3, deployer, compiled, TOKENS, BTC_ASSETS)
    tokens, feeds = groundwork.tokens, groundwork.feeds
    price_sources = {symbol: feeds[f"{symbol}/BTC/USD"] for symbol in BTC_ASSETS}
    price_sources |= {"USDC": feeds["USDC/USD"], "WETH": feeds["ETH/USD"]}
    aave = deploy_market(w3, deployer, AAVE, deploy_libraries(w3, deployer), tokens, price_sources)
    fund_aave_market(w3, aave.pool, tokens, SUPPLIER_BOOK, supplier)
    morpho_blue = deploy_morpho_market(w3, deployer, compiled, tokens, feeds, collateral=BTC)
    fund_morpho(w3, morpho_blue, tokens["USDC"], supplier)
    demo_wallets = {}
    for label, loan in DEMO_LOANS:
        account = demo_wallets[label] = accounts[loan.account]
        if loan.market == MORPHO:
            open_morpho_loan(w3, morpho_blue, loan, account)
        else:
            open_aave_loan(w3, aave.pool, tokens, loan, account)
    snapshot_block, snapshot_timestamp = accrue_and_publish(w3, groundwork, deployer)
    return Deployment(
        chain_id=DEVNET_L2.chain_id,
        multicall3=MULTICALL3,
        deployer=deployer,
        supplier=supplier,
        tokens=tokens,
        feeds=feeds,
        markets={AAVE.name: aave},
        morpho_blue=morpho_blue,
        comet=None,
        demo_wallets=demo_wallets,
        snapshot_block=snapshot_block,
        snapshot_timestamp=snapshot_timestamp,
        btc_symbols=BTC_ASSETS,
    )
