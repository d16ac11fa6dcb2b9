"""Oracle sanity checks: the pure rules, then the warnings `track` shows on the devnet."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from web3 import Web3

from chainwatch.chain import BtcAsset, Chain
from chainwatch.devnet.controls import advance_time, set_feed_price
from chainwatch.model import Asset, Holding, Position
from chainwatch.sanity import PairAnswer, chain_feeds, disagreement_warnings, peg_warnings, staleness_warnings

BTC_USD = PairAnswer("BTC/USD", 3600, Decimal(60000), updated_at=1_000_000)


def _position(protocol: str, wbtc_price: Decimal) -> Position:
    wbtc = Asset("ethereum", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "WBTC", 8, is_btc=True)
    usdc = Asset("ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USDC", 6)
    return Position(
        protocol, "0xpool", "0xacct", "ethereum", 1, datetime(2026, 1, 1, tzinfo=UTC),
        collateral=(Holding(wbtc, Decimal(1), wbtc_price, Decimal("0.7"), Decimal("0.75")),),
        debt=(Holding(usdc, Decimal(10000), Decimal(1)),),
    )  # fmt: skip


def test_stale_only_past_the_heartbeat():
    assert staleness_warnings([BTC_USD], now=1_000_000 + 3600) == []
    (warning,) = staleness_warnings([BTC_USD], now=1_000_000 + 3601 + 3600)
    assert "BTC/USD" in warning and "2h 00m old" in warning and "heartbeat 1h 00m" in warning


def test_wbtc_off_its_peg():
    assert peg_warnings(PairAnswer("WBTC/BTC", 86400, Decimal("0.995"), 0), "WBTC") == []
    (warning,) = peg_warnings(PairAnswer("WBTC/BTC", 86400, Decimal("0.95"), 0), "WBTC")
    assert "0.9500" in warning


def test_protocol_oracle_disagreeing_with_chainlink_once_per_market_and_asset():
    positions = [
        _position("spark", Decimal(57000)),
        _position("spark", Decimal(57000)),
        _position("aave-v3", Decimal(60500)),
    ]
    (warning,) = disagreement_warnings(BTC_USD, positions)
    assert warning == "spark prices WBTC at $57,000.00, 5.0% below Chainlink BTC/USD $60,000.00"


def _track(chain, cli, *options: str) -> str:
    wallets = list(chain.deployment.demo_wallets.values())
    code, out, err = cli("track", *wallets, "--chain", "devnet", "--rpc", chain.rpc_url, *options)
    assert code == 0, err
    return out


def test_fresh_devnet_prices_carry_no_warning(chain, cli):
    assert json.loads(_track(chain, cli, "--format", "json"))["warnings"] == []


def test_stale_feeds_and_a_depeg_are_flagged_in_json_and_table(chain, cli):
    advance_time(chain.w3, 7200)  # both USD feeds are now two hours old
    set_feed_price(chain.w3, chain.deployment.wbtc_btc_feed, Decimal("0.9"))  # fresh, but off peg
    warnings = json.loads(_track(chain, cli, "--format", "json"))["warnings"]
    assert [w.split(" ")[1] for w in warnings[:2]] == ["BTC/USD", "ETH/USD"]
    assert "WBTC/BTC is 0.9000" in warnings[2]
    # The devnet's Aave prices WBTC as WBTC/BTC x BTC/USD, as mainnet's does.
    assert "prices WBTC at $54,000.00, 10.0% below Chainlink BTC/USD $60,000.00" in warnings[3]
    assert "⚠ WBTC/BTC is 0.9000" in _track(chain, cli)


def test_every_btc_asset_with_a_ratio_feed_is_checked_for_its_peg():
    chain = Chain(
        "t", 1, ("http://127.0.0.1:1",), "0x" + "ca" * 20,
        (
            BtcAsset("0x" + "11" * 20, "WBTC", "0x" + "21" * 20),
            BtcAsset("0x" + "12" * 20, "cbBTC"),
            BtcAsset("0x" + "13" * 20, "LBTC", "0x" + "23" * 20),
        ),
        (), btc_usd_feed="0x" + "31" * 20,
    )  # fmt: skip
    feeds = chain_feeds(chain)
    assert [(f.pair, f.asset) for f in feeds] == [("BTC/USD", None), ("WBTC/BTC", "WBTC"), ("LBTC/BTC", "LBTC")]
    (warning,) = peg_warnings(PairAnswer("LBTC/BTC", 86400, Decimal("0.96"), 0), "LBTC")
    assert warning == "LBTC/BTC is 0.9600, more than 2% away from 1: LBTC is off its peg"


@pytest.mark.chain
@pytest.mark.parametrize("what", ["not a contract", "a contract without decimals()"])
def test_a_btc_asset_that_is_no_token_is_one_line(chain, cli, tmp_path, what):
    address = "0x" + "5a" * 20 if what == "not a contract" else chain.deployment.multicall3
    book = tmp_path / "book.toml"
    book.write_text(
        f'[chains.devnet]\nbtc_assets = [{{ symbol = "XBTC", address = "{address}" }}]\n'
        f'wbtc = "{chain.deployment.wbtc}"\n'
    )
    wallet = chain.deployment.demo_wallets["A"]
    code, out, err = cli("track", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, "--address-book", book)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and f"BTC asset XBTC {Web3.to_checksum_address(address)}" in err
