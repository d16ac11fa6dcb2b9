"""Oracle sanity checks: the pure rules, then the warnings `track` shows on the devnet."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from chainwatch.devnet.controls import advance_time, set_feed_price
from chainwatch.model import Asset, Holding, Position
from chainwatch.sanity import PairAnswer, disagreement_warnings, peg_warnings, staleness_warnings

BTC_USD = PairAnswer("BTC/USD", 3600, Decimal(60000), updated_at=1_000_000)


def _position(protocol: str, wbtc_price: Decimal) -> Position:
    wbtc = Asset("ethereum", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "WBTC", 8)
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
    assert peg_warnings(PairAnswer("WBTC/BTC", 86400, Decimal("0.995"), 0)) == []
    (warning,) = peg_warnings(PairAnswer("WBTC/BTC", 86400, Decimal("0.95"), 0))
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
