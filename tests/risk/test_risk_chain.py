"""`chainwatch risk` on live devnet positions, and volatility from the feed's own round history."""

from __future__ import annotations

import json
from decimal import Decimal

from chainwatch.chains import get_chain
from chainwatch.risk.volatility import chain_btc_volatility

D = Decimal


def run_json(cli, *args: str) -> dict:
    code, out, err = cli(*args)
    assert code == 0, err
    return json.loads(out)


def test_risk_of_live_positions_agrees_with_track_at_the_same_block(devnet, cli):
    wallets = [devnet.deployment.demo_wallets[k] for k in ("A", "C")]
    common = ["--chain", "devnet", "--rpc", devnet.rpc_url, "--format", "json"]
    tracked = run_json(cli, "track", *wallets, *common)
    risk = run_json(cli, "risk", *wallets, *common, "--block", str(tracked["block"]), "--paths", "20000")

    assert risk["compounding"] is None  # none given: each position compounds as its protocol does
    assert {(p["compounding"], p["compounding_source"]) for p in risk["positions"]} == {("per-second", "protocol")}
    assert risk["volatility_source"].startswith("devnet BTC/USD feed")
    assert len(risk["positions"]) == len(tracked["positions"]) == 2
    for live, seen in zip(risk["positions"], tracked["positions"]):
        assert live["block"] == tracked["block"]
        for key in ("ltv", "health_factor", "liquidation_price_btc", "liquidation_ltv"):
            assert live[key] == seen[key]
        assert D(live["btc_price_usd"]) == D(60000)
        probability = live["liquidation_probability"]
        assert D(0) <= D(probability["probability"]) <= D(1)
    assert D(risk["portfolio"]["debt_usd"]) == sum(D(p["debt_usd"]) for p in tracked["positions"])


def test_volatility_of_the_seeded_btc_history_is_about_fifty_percent(devnet):
    chain = get_chain("devnet")
    volatility = chain_btc_volatility(chain, [devnet.rpc_url], None, 30)
    # The devnet seeds 90 days of hourly rounds from a random walk at 50% a year.
    assert D("0.40") < volatility < D("0.60")
