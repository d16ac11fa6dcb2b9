"""A CeFi loan is valued on the config's first chain; when that chain cannot be read it is
valued on the next one that was, never left out. The referee is devnet-l2's BTC/USD aggregator
read straight through web3 at the block the loan was valued at."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chainwatch.devnet.node import contract
from tests.helpers.schemas import assert_valid
from tests.helpers.two_chains import address_book, closed_port

pytestmark = pytest.mark.chain
D = Decimal

CONFIG = """\
chains = ["devnet", "devnet-l2"]

[[loans]]
name = "Ledn simple"
btc = 0.5
debt_usd = 20000
apr = 0.1
compounding = "simple"
since = 2026-01-01T00:00:00Z
liquidation_ltv = 0.833
"""


def test_the_loan_is_valued_on_the_next_chain_when_the_first_is_down(chain_l2, cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    book = address_book(tmp_path, f"http://127.0.0.1:{closed_port()}", chain_l2.rpc_url)

    code, out, err = cli("track", "--config", str(config), "--address-book", str(book), "--format", "json")

    assert code == 4, err  # devnet could not be read: said, and the exit says so
    data = json.loads(out)
    assert_valid("track", data)
    errors = {c["chain"]: c["error"] for c in data["chains"]}
    assert errors["devnet"] and errors["devnet-l2"] is None
    (loan,) = [p for p in data["positions"] if p["protocol"] == "cefi"]
    assert (loan["chain"], loan["market"]) == ("devnet-l2", "Ledn simple")
    aggregator = contract(chain_l2.w3, "ChainlinkStyleAggregator", chain_l2.deployment.btc_usd_feed)
    answer = aggregator.functions.latestRoundData().call(block_identifier=loan["block"])[1]
    price = D(answer) / 10 ** aggregator.functions.decimals().call(block_identifier=loan["block"])
    assert D(loan["collateral_usd"]) == D("0.5") * price


def test_a_loan_no_chain_can_value_is_named_and_exit_4(chain_l2, cli, tmp_path):
    """The first chain is down and the next one's BTC/USD feed answers nothing (an address
    with no code): the loan is named as not read, with why, never silently left out."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    book = tmp_path / "book.toml"
    book.write_text(
        f'[chains.devnet]\nrpc = ["http://127.0.0.1:{closed_port()}"]\n\n'
        f'[chains.devnet-l2]\nrpc = ["{chain_l2.rpc_url}"]\nbtc_usd_feed = "0x000000000000000000000000000000000000dEaD"\n'
    )

    code, out, err = cli("track", "--config", str(config), "--address-book", str(book), "--format", "json")

    assert code == 4, err
    data = json.loads(out)
    assert not [p for p in data["positions"] if p["protocol"] == "cefi"]
    (missing,) = [e for e in data["errors"] if e["protocol"] == "cefi"]
    assert missing["market"] == "Ledn simple" and "BTC/USD" in missing["call"]
    assert "Ledn simple" in err
