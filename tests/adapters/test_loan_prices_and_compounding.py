"""No price is guessed, and every figure compounds as the loan itself does.

A loan or base token is priced only as the address book says (a listed stablecoin, or WETH and
WBTC through the book's feeds): take USDC out of the devnet's `stablecoins` and the Morpho market
and the Comet are refused with one line naming the token and the market, instead of valuing
USDC at $1. Compounding: `risk` projects each position as its protocol compounds (Morpho
continuously, Aave per second), checked against the closed forms worked by hand; `--compounding`
overrides and the output says so.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chainwatch.errors import EXIT_BAD_INPUT
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan, open_morpho_loan

pytestmark = pytest.mark.chain

D = Decimal
YEAR_SECONDS = 365 * 86_400


@pytest.fixture
def no_stablecoins(tmp_path):
    book = tmp_path / "book.toml"
    book.write_text("[chains.devnet]\nstablecoins = []\n")
    return book


@pytest.mark.parametrize("market", ["morpho-blue", "compound-v3"])
def test_a_loan_token_the_book_does_not_list_is_refused_naming_token_and_market(chain, cli, no_stablecoins, market):
    usdc = chain.deployment.usdc
    where = (
        f"morpho-blue market {chain.deployment.morpho_blue.market_id}"
        if market == "morpho-blue"
        else f"compound-v3 (Comet {chain.deployment.comet})"
    )
    wallet = chain.deployment.demo_wallets["E" if market == "morpho-blue" else "F"]  # a loan there
    args = ["track", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, "--protocol", market]
    code, out, err = cli(*args, "--address-book", no_stablecoins)
    assert code == EXIT_BAD_INPUT and out == ""
    assert err.count("\n") == 1
    assert f"{where}: no price for USDC ({usdc}): it is neither a stablecoin" in " ".join(err.split())
    code, _, err = cli(*args)  # with the built-in book, which lists the devnet's USDC
    assert code == 0, err


def test_comets_base_is_priced_by_its_base_feed_and_morphos_loan_at_one_dollar(chain, cli):
    """Where the protocol prices the base token (the Comet's base feed) that price is used; a
    Morpho market values its loan in loan-token units, so a listed stablecoin is $1 there."""
    from chainwatch.devnet import controls

    controls.set_feed_price(chain.w3, chain.deployment.feeds["USDC/USD"], D("0.99"))
    wallets = [chain.deployment.demo_wallets[k] for k in ("E", "F")]
    code, out, err = cli("track", *wallets, "--chain", "devnet", "--rpc", chain.rpc_url, "--format", "json")
    assert code == 0, err
    prices = {p["protocol"]: D(p["debt"][0]["price_usd"]) for p in json.loads(out)["positions"]}
    assert prices["compound-v3"] == D("0.99") and prices["morpho-blue"] == 1


def test_risk_compounds_each_position_as_its_protocol_does_unless_told(chain, cli):
    morpho_borrower, aave_borrower = fresh_account("compounding morpho"), fresh_account("compounding aave")
    open_morpho_loan(chain, morpho_borrower, D(1), D(20000))
    open_aave_loan(chain, "aave-v3", aave_borrower, {"WBTC": D(1)}, {"USDC": D(20000)})
    args = ["risk", morpho_borrower, aave_borrower, "--chain", "devnet", "--rpc", chain.rpc_url, "--days", "365"]
    args += ["--paths", "1000", "--volatility", "0.5"]
    code, out, err = cli(*args, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["compounding"] is None  # nothing given: each position's own
    positions = {p["protocol"]: p for p in report["positions"]}
    morpho, aave = positions["morpho-blue"], positions["aave-v3"]
    assert (morpho["compounding"], morpho["compounding_source"]) == ("continuous", "protocol")
    assert (aave["compounding"], aave["compounding_source"]) == ("per-second", "protocol")
    for p, growth in (
        (morpho, lambda apr: apr.exp() - 1),  # Morpho: e^(rate·t) − 1
        (aave, lambda apr: (1 + apr / YEAR_SECONDS) ** YEAR_SECONDS - 1),  # Aave: per second
    ):
        (year,) = p["time_scenarios"]
        apr = D(json.loads(cli("track", p["account"], "--chain", "devnet", "--rpc", chain.rpc_url,
                               "--protocol", p["protocol"], "--format", "json").out)["positions"][0]["debt"][0]["borrow_apr"])  # fmt: skip
        expected = D(p["debt_usd"]) * growth(apr)
        assert abs(D(year["interest"]) - expected) <= expected * D("1e-12")

    code, out, err = cli(*args, "--format", "json", "--compounding", "daily")
    report = json.loads(out)
    assert report["compounding"] == "daily"
    assert {(p["compounding"], p["compounding_source"]) for p in report["positions"]} == {("daily", "--compounding")}
    code, out, err = cli(*args, "--compounding", "daily")
    assert code == 0 and "daily (given)" in out


def test_compare_says_when_compounding_is_given(chain, cli):
    args = ["compare", "--chain", "devnet", "--rpc", chain.rpc_url, "--loan", "10000", "--days", "180"]
    report = json.loads(cli(*args, "--format", "json").out)
    defi = {o["name"]: o for o in report["options"] if o["kind"] == "defi"}
    assert (defi["morpho-blue"]["compounding"], defi["morpho-blue"]["compounding_source"]) == ("continuous", "market")
    assert (defi["aave-v3"]["compounding"], defi["aave-v3"]["compounding_source"]) == ("per-second", "market")
    report = json.loads(cli(*args, "--compounding", "daily", "--format", "json").out)
    assert {(o["compounding"], o["compounding_source"]) for o in report["options"] if o["kind"] == "defi"} == {
        ("daily", "given")
    }
    out = cli(*args, "--compounding", "daily").out
    assert "daily (given)" in out and "--compounding overrides" in " ".join(out.split())
