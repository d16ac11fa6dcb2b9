"""One failing read never sinks the rest: a feed or oracle made to revert on the devnet.

The fault is real: `anvil_setCode` puts bytecode that always reverts at the address of a feed
the protocols read (the devnet's ETH/USD Chainlink-style feed, which prices WETH for the Aave
pools and the Comet stand-in) or of the Morpho market's oracle. The positions that need the
failing call are reported by market, account and call, and exit code 4; every other position
prints exactly as a read without the fault gives it (the referee: the same command before the
fault, at the same block), and the protocol itself agrees the affected reads are impossible
(the Pool's own getUserAccountData reverts too).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from web3.exceptions import ContractLogicError

from chainwatch.devnet.node import contract, rpc
from chainwatch.errors import EXIT_UNREADABLE
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan, open_comet_loan, open_morpho_loan

pytestmark = pytest.mark.chain

D = Decimal
REVERT = "0x60006000fd"  # PUSH1 0 PUSH1 0 REVERT: every call to it reverts


def track_json(cli, chain, *accounts: str) -> tuple[int, dict, str]:
    code, out, err = cli("track", *accounts, "--chain", "devnet", "--rpc", chain.rpc_url, "--format", "json")
    return code, json.loads(out) if out else {}, err


def by_account(document: dict) -> dict[tuple[str, str], dict]:
    return {(p["protocol"], p["account"]): p for p in document["positions"]}


def test_a_reverting_price_feed_sets_aside_only_the_positions_that_need_it(chain, cli):
    """ETH/USD reverts: the Aave and Comet positions holding WETH are reported, those holding
    only WBTC and USDC print exactly as before."""
    aave_wbtc, aave_weth = fresh_account("partial aave wbtc"), fresh_account("partial aave weth")
    comet_wbtc, comet_weth = fresh_account("partial comet wbtc"), fresh_account("partial comet weth")
    open_aave_loan(chain, "aave-v3", aave_wbtc, {"WBTC": D(1)}, {"USDC": D(20000)})
    open_aave_loan(chain, "aave-v3", aave_weth, {"WBTC": D(1), "WETH": D(5)}, {"USDC": D(20000)})
    open_comet_loan(chain, comet_wbtc, {"WBTC": D(1)}, D(20000))
    open_comet_loan(chain, comet_weth, {"WBTC": D(1), "WETH": D(5)}, D(20000))
    accounts = (aave_wbtc, aave_weth, comet_wbtc, comet_weth)
    code, before, _ = track_json(cli, chain, *accounts)
    assert code == 0 and before["errors"] == []

    feed = chain.deployment.feeds["ETH/USD"]
    rpc(chain.w3, "anvil_setCode", [feed, REVERT])
    code, after, err = track_json(cli, chain, *accounts)

    assert code == EXIT_UNREADABLE
    assert after["block"] == before["block"]
    weth = chain.deployment.weth
    assert [(e["protocol"], e["account"], e["call"]) for e in after["errors"]] == [
        ("aave-v3", aave_weth, f"AaveOracle.getAssetPrice(WETH {weth})"),
        ("compound-v3", comet_weth, f"Comet.getPrice(WETH feed {feed})"),
    ]
    assert after["errors"][0]["market"] == chain.deployment.markets["aave-v3"].pool
    assert after["errors"][1]["market"] == chain.deployment.comet
    assert "aave-v3" in err and aave_weth in err and "(and 1 more" in err
    # Every other position: exactly the read without the fault.
    assert by_account(after) == {k: v for k, v in by_account(before).items() if k[1] in (aave_wbtc, comet_wbtc)}
    # The Pool itself cannot value the WETH position now; it still values the other one.
    pool = contract(chain.w3, "Pool", chain.deployment.markets["aave-v3"].pool).functions
    with pytest.raises(ContractLogicError):
        pool.getUserAccountData(aave_weth).call()
    assert pool.getUserAccountData(aave_wbtc).call()[0] > 0
    # risk shows what it read and labels the portfolio partial, naming the unread position.
    code, out, err = cli(
        "risk", *accounts, "--chain", "devnet", "--rpc", chain.rpc_url, "--volatility", "0.5", "--format", "json"
    )
    assert code == EXIT_UNREADABLE and aave_weth in err
    report = json.loads(out)
    assert report["partial"] is True
    assert [e.get("account") for e in report["errors"]] == [aave_weth, comet_weth]
    assert {p["account"] for p in report["positions"]} == {aave_wbtc, comet_wbtc}


def test_a_morpho_market_whose_oracle_reverts_is_reported_and_the_table_says_so(chain, cli):
    """The Morpho market's oracle reverts: its position is named on the table and in the JSON;
    the Aave position beside it still prints."""
    morpho_borrower, aave_borrower = fresh_account("partial morpho"), fresh_account("partial aave")
    open_morpho_loan(chain, morpho_borrower, D(1), D(20000))
    open_aave_loan(chain, "spark", aave_borrower, {"WBTC": D(1)}, {"USDC": D(20000)})
    market = chain.deployment.morpho_blue
    oracle = market.oracle
    rpc(chain.w3, "anvil_setCode", [oracle, REVERT])

    code, document, _ = track_json(cli, chain, morpho_borrower, aave_borrower)
    assert code == EXIT_UNREADABLE
    assert [p["protocol"] for p in document["positions"]] == ["spark"]
    (error,) = document["errors"]
    assert (error["protocol"], error["market"], error["account"]) == ("morpho-blue", market.market_id, morpho_borrower)
    assert error["call"] == f"oracle {oracle} price"

    code, out, err = cli("track", morpho_borrower, aave_borrower, "--chain", "devnet", "--rpc", chain.rpc_url)
    assert code == EXIT_UNREADABLE
    assert (
        f"✗ morpho-blue {market.market_id}: position of {morpho_borrower} not read: oracle {oracle} price failed"
        in (" ".join(out.split()))
    )
    assert "spark" in out
    assert err.count("\n") == 1 and "morpho-blue" in err  # one line on stderr

    # check: nothing past a threshold, but a position unread is not "all fine" (exit 4, not 0).
    code, out, _ = cli("check", morpho_borrower, aave_borrower, "--chain", "devnet", "--rpc", chain.rpc_url,
                       "--format", "json")  # fmt: skip
    assert code == EXIT_UNREADABLE
    assert [e["account"] for e in json.loads(out)["errors"]] == [morpho_borrower]
