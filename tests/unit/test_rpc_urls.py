"""Which endpoints a chain is read through: the command line, the environment, the book."""

from __future__ import annotations

from chainwatch.chain import BtcAsset, Chain
from chainwatch.rpc.urls import rpc_urls

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


def chain(*rpc: str) -> Chain:
    return Chain(
        name="x", chain_id=1, rpc=rpc, multicall3=MULTICALL3, btc_assets=(BtcAsset(MULTICALL3, "WBTC"),), markets=()
    )


def test_given_urls_win_over_environment_and_book(monkeypatch):
    monkeypatch.setenv("ETH_RPC_URL", "https://env.example")
    assert rpc_urls(chain("https://book.example"), ["https://given.example"]) == ["https://given.example"]


def test_environment_redirects_a_remote_chain(monkeypatch):
    monkeypatch.delenv("CHAINWATCH_RPC_URL", raising=False)
    monkeypatch.setenv("ETH_RPC_URL", " https://a.example , https://b.example ,")
    assert rpc_urls(chain("https://book.example")) == ["https://a.example", "https://b.example"]


def test_environment_never_redirects_a_local_chain(monkeypatch):
    """ETH_RPC_URL set for mainnet must not turn `--chain devnet` into a read of mainnet."""
    monkeypatch.setenv("ETH_RPC_URL", "https://mainnet.example")
    monkeypatch.setenv("CHAINWATCH_RPC_URL", "https://mainnet.example")
    assert rpc_urls(chain("http://127.0.0.1:8545", "http://localhost:8546")) == [
        "http://127.0.0.1:8545",
        "http://localhost:8546",
    ]


def test_with_several_chains_the_environment_goes_before_the_book(monkeypatch):
    """ETH_RPC_URL names an Ethereum node: in a run over several chains the pool sets it aside on
    the others, which then read through their own endpoints instead of failing."""
    monkeypatch.delenv("CHAINWATCH_RPC_URL", raising=False)
    monkeypatch.setenv("ETH_RPC_URL", "https://env.example")
    assert rpc_urls(chain("https://book.example"), alongside_book=True) == [
        "https://env.example",
        "https://book.example",
    ]
