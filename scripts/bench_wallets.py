"""Populate a devnet with thousands of borrowers fast, for the track benchmark.

Real transactions through the real Aave v3 Pools, but sent the fast way: every wallet is an
address anvil impersonates (no keys), every transaction carries its gas limit and nonce (no
estimation round trip), they go out in JSON-RPC batches with automine off, and a few mined
blocks with a raised gas limit take them all. Each wallet mints its own WBTC, approves, supplies
and borrows USDC in nonce order, so one block can hold its whole story.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

MAX_UINT256 = 2**256 - 1
SEND_BATCH = 500
BLOCK_GAS_LIMIT = 30_000_000  # the devnet's own, restored afterwards
FILL_GAS_LIMIT = 2_000_000_000
# Generous per-transaction limits (real use measures 50-350k): no eth_estimateGas round trips.
GAS = {"mint": 120_000, "approve": 80_000, "supply": 400_000, "borrow": 600_000}


@dataclass(frozen=True)
class Market:
    name: str
    pool: str


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _data(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (_selector(signature) + encode(types, args)).hex()


class Devnet:
    """Raw JSON-RPC to anvil, batched."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        (result,) = self.batch([(method, params or [])])
        return result

    def batch(self, requests_: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(requests_)]
        answers = {a["id"]: a for a in self.session.post(self.url, json=payload, timeout=600).json()}
        results = []
        for i, (method, _) in enumerate(requests_):
            answer = answers[i]
            if "error" in answer:
                raise RuntimeError(f"{method}: {answer['error']}")
            results.append(answer["result"])
        return results


def wallet(index: int) -> str:
    """A deterministic address nobody holds a key for (the devnet impersonates it)."""
    return to_checksum_address(keccak(text=f"chainwatch-bench-wallet-{index}")[-20:])


def populate(
    url: str, tokens: dict[str, str], markets: Sequence[Market], count: int, first: int = 0, seed: int = 9
) -> list[str]:
    """Open loans for wallets number `first` to `count - 1`, spread over `markets`; returns them.

    Every wallet supplies 0.1-2 WBTC and borrows 10-50% of its value (at the devnet's $60,000)
    in USDC; every fourth also supplies WETH. A liquidity wallet first supplies enough USDC to
    each market for every borrow.
    """
    node = Devnet(url)
    rng = random.Random(seed * 1_000_003 + first)
    wallets = [wallet(i) for i in range(first, count)]
    liquidity = wallet(-1)
    node.call("anvil_autoImpersonateAccount", [True])
    node.batch([("anvil_setBalance", [w, hex(10**20)]) for w in [liquidity, *wallets]])
    node.call("evm_setAutomine", [False])
    node.call("evm_setBlockGasLimit", [hex(FILL_GAS_LIMIT)])
    try:
        usdc_each = 60_000 * 2 * len(wallets) * 10**6  # more than all borrows together
        txs: list[dict[str, Any]] = []
        nonce = int(node.call("eth_getTransactionCount", [liquidity, "pending"]), 16)
        txs.append(_mint(liquidity, tokens["USDC"], usdc_each * len(markets), nonce))
        for market in markets:
            nonce += 1
            txs.append(_approve(liquidity, tokens["USDC"], market.pool, nonce))
            nonce += 1
            txs.append(_supply(liquidity, market.pool, tokens["USDC"], usdc_each, nonce))
        for i, account in enumerate(wallets, first):
            market = markets[i % len(markets)]
            wbtc = rng.randint(10_000_000, 200_000_000)  # 0.1-2 WBTC in satoshis
            borrow = int(wbtc * 600 * rng.uniform(0.10, 0.50))  # sats × $60,000 / 1e8 × 1e6 USDC units
            story = [
                _mint(account, tokens["WBTC"], wbtc, 0),
                _approve(account, tokens["WBTC"], market.pool, 1),
                _supply(account, market.pool, tokens["WBTC"], wbtc, 2),
                _borrow(account, market.pool, tokens["USDC"], borrow, 3),
            ]
            if i % 4 == 3:
                weth = rng.randint(1, 20) * 10**18
                story += [
                    _mint(account, tokens["WETH"], weth, 4),
                    _approve(account, tokens["WETH"], market.pool, 5),
                    _supply(account, market.pool, tokens["WETH"], weth, 6),
                ]
            txs += story
        for start in range(0, len(txs), SEND_BATCH):
            node.batch([("eth_sendTransaction", [tx]) for tx in txs[start : start + SEND_BATCH]])
        hashes_left = len(txs)
        while hashes_left:
            node.call("evm_mine")
            status = node.call("txpool_status")
            hashes_left = int(status["pending"], 16) + int(status["queued"], 16)
    finally:
        node.call("evm_setBlockGasLimit", [hex(BLOCK_GAS_LIMIT)])
        node.call("evm_setAutomine", [True])
        node.call("anvil_autoImpersonateAccount", [False])
    node.call("evm_mine")  # one block at the normal gas limit, so eth_call gets its usual allowance
    return wallets


def _tx(sender: str, to: str, data: str, gas: int, nonce: int) -> dict[str, Any]:
    return {"from": sender, "to": to, "data": data, "gas": hex(gas), "nonce": hex(nonce), "gasPrice": hex(10**10)}


def _mint(sender: str, token: str, amount: int, nonce: int) -> dict[str, Any]:
    return _tx(
        sender, token, _data("mint(address,uint256)", ["address", "uint256"], [sender, amount]), GAS["mint"], nonce
    )


def _approve(sender: str, token: str, spender: str, nonce: int) -> dict[str, Any]:
    data = _data("approve(address,uint256)", ["address", "uint256"], [spender, MAX_UINT256])
    return _tx(sender, token, data, GAS["approve"], nonce)


def _supply(sender: str, pool: str, asset: str, amount: int, nonce: int) -> dict[str, Any]:
    data = _data(
        "supply(address,uint256,address,uint16)",
        ["address", "uint256", "address", "uint16"],
        [asset, amount, sender, 0],
    )
    return _tx(sender, pool, data, GAS["supply"], nonce)


def _borrow(sender: str, pool: str, asset: str, amount: int, nonce: int) -> dict[str, Any]:
    data = _data(
        "borrow(address,uint256,uint256,uint16,address)",
        ["address", "uint256", "uint256", "uint16", "address"],
        [asset, amount, 2, 0, sender],
    )
    return _tx(sender, pool, data, GAS["borrow"], nonce)
