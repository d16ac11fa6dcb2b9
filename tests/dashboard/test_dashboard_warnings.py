"""The dashboard's risk document is `risk`'s, price warnings included: cbBTC off its peg on
devnet-l2 is in /api/risk's `chains` exactly as the CLI has it at the same block."""

from __future__ import annotations

import json
from decimal import Decimal

from chainwatch.devnet import controls
from tests.helpers.schemas import assert_valid


def test_the_risk_api_carries_the_chains_price_warnings(chain_l2, cli, serve):
    controls.set_feed_price(chain_l2.w3, chain_l2.deployment.feeds["cbBTC/BTC"], Decimal("0.9"))
    wallet = chain_l2.deployment.demo_wallets["A"]
    server = serve(wallet, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--volatility", "0.5")
    (status,) = server.wait_for_reading()["chains"]
    code, out, err = cli(
        "risk", wallet, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--block", status["block"],
        "--volatility", "0.5", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    expected = json.loads(out)
    assert any("cbBTC" in w for w in expected["chains"][0]["warnings"])  # the referee saw the depeg
    api = server.json("/api/risk?chain=devnet-l2")
    assert api == expected
    assert_valid("risk", api)
