"""Moving the devnet's world: prices, time and token balances, for tests and the demo."""

from __future__ import annotations

from decimal import Decimal

from web3 import Web3
from web3.types import TxReceipt

from chainwatch.devnet.actions import to_raw
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.node import contract, rpc, transact


def set_feed_price(w3: Web3, feed: str, price: Decimal) -> TxReceipt:
    """Publish a new round on a ChainlinkStyleAggregator (sent by its owner, the deployer)."""
    aggregator = contract(w3, "ChainlinkStyleAggregator", feed)
    decimals = aggregator.functions.decimals().call()
    answer = price * 10**decimals
    if answer != answer.to_integral_value():
        raise ValueError(f"{price} has more than {decimals} decimals")
    return transact(w3, aggregator.functions.updateAnswer(int(answer)), aggregator.functions.owner().call())


def set_btc_price(w3: Web3, deployment: Deployment, usd: Decimal) -> TxReceipt:
    """Move BTC/USD; every BTC asset follows through its product feed (WBTC/BTC × BTC/USD,
    cbBTC/BTC × BTC/USD) that Aave reads, its ratio left where it is."""
    return set_feed_price(w3, deployment.btc_usd_feed, usd)


def published_feeds(deployment: Deployment) -> dict[str, str]:
    """The feeds a price can be set on (pair -> aggregator); derived feeds such as WBTC/BTC/USD,
    a product of two others, follow them."""
    return {pair: feed for pair, feed in deployment.feeds.items() if pair.count("/") == 1}


def republish_feeds(w3: Web3, deployment: Deployment) -> None:
    """Publish every feed's current answer again at the chain's current time, as Chainlink's
    heartbeat does on a live network, so moving time alone does not make the prices stale."""
    for feed in published_feeds(deployment).values():
        aggregator = contract(w3, "ChainlinkStyleAggregator", feed)
        (_, answer, _, _, _) = aggregator.functions.latestRoundData().call()
        transact(w3, aggregator.functions.updateAnswer(answer), aggregator.functions.owner().call())


def mine(w3: Web3, blocks: int = 1) -> int:
    """Mine `blocks` empty blocks (one second apart); returns the latest block number."""
    rpc(w3, "anvil_mine", [hex(blocks)])
    return w3.eth.block_number


def advance_time(w3: Web3, seconds: int, blocks: int = 1) -> int:
    """Jump the chain `seconds` ahead and mine there, so interest accrues; returns the new time.

    Uses evm_setNextBlockTimestamp because the devnet runs with a fixed block interval, which
    evm_increaseTime would not move.
    """
    if seconds < 0 or blocks < 1:
        raise ValueError("time only moves forward, by at least one block")
    target = w3.eth.get_block("latest")["timestamp"] + seconds
    rpc(w3, "evm_setNextBlockTimestamp", [target])
    mine(w3, blocks)
    return int(w3.eth.get_block("latest")["timestamp"])


def mint(w3: Web3, token: str, to: str, amount: Decimal, sender: str | None = None) -> TxReceipt:
    """Mint devnet tokens (MintableERC20 lets anyone mint) to `to`."""
    erc20 = contract(w3, "MintableERC20", token)
    return transact(w3, erc20.functions.mint(to, to_raw(w3, token, amount)), sender or w3.eth.accounts[0])
