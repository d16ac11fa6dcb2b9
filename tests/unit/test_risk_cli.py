"""`chainwatch risk` on a hand-typed loan: JSON output and one-line errors with exit code 1.

Live positions (wallet addresses) are read from the devnet by the chain tests.
"""

import json
import math
from decimal import Decimal

import pytest

from tests.helpers.two_chains import closed_port

LOAN = [
    "risk", "--btc", "0.5", "--btc-price", "60000", "--loan", "20000", "--apr", "0.08",
    "--liquidation-ltv", "0.75", "--max-ltv", "0.5", "--volatility", "0.55", "--paths", "10000",
]  # fmt: skip


def test_json_for_the_issue_example(cli):
    code, out, _ = cli(*LOAN, "--format", "json", "--target-ltv", "0.3", "--survive", "0.3")
    assert code == 0
    (p,) = json.loads(out)["positions"]
    assert round(Decimal(p["ltv"]), 4) == Decimal("0.6667")
    assert round(Decimal(p["liquidation_price_btc"]), 2) == Decimal("53333.33")  # 20,000 / (0.5 × 0.75)
    assert Decimal(p["max_loan_for_drop"]["max_loan"]) == 15750  # 0.5 × 42,000 × 0.75
    assert Decimal(p["what_if"]["repay"]) == 11000
    assert [s["change"] for s in p["price_scenarios"]] == [
        "-0.15",
        "-0.30",
        "-0.50",
        "0.15",
        "0.30",
    ]
    assert json.loads(out)["compounding"] is None  # no --compounding given
    assert (p["compounding"], p["compounding_source"]) == ("daily", "default")  # a hand-typed loan's


def test_scenarios_and_compounding_from_options(cli):
    code, out, err = cli(*LOAN, "--format", "json", "--drops", "0.1,+0.5", "--days", "7",
                         "--compounding", "continuous")  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["compounding"] == "continuous"
    (p,) = document["positions"]
    assert [s["change"] for s in p["price_scenarios"]] == ["-0.1", "0.5"]
    (week,) = p["time_scenarios"]
    assert week["days"] == 7
    # Continuously compounded: 20,000 × (e^(0.08 × 7/365) − 1) = $30.7085, above daily
    # compounding's 20,000 × ((1 + 0.08/365)^7 − 1) = $30.7051.
    assert abs(Decimal(week["interest"]) - Decimal(20000 * math.expm1(0.08 * 7 / 365))) < Decimal("1e-9")
    assert abs(Decimal(week["interest_daily"]) - Decimal(20000 * ((1 + 0.08 / 365) ** 7 - 1))) < Decimal("1e-9")
    assert Decimal(week["interest"]) > Decimal(week["interest_daily"])
    assert (p["compounding"], p["compounding_source"]) == ("continuous", "--compounding")


def test_table_output(cli):
    code, out, _ = cli(*LOAN)
    assert code == 0
    assert "$53,333.33" in out and "price scenarios" in out and "14-day outlook" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--btc", "-1"], "--btc must be more than zero"),
        (["--btc-price", "0"], "--btc-price must be more than zero"),
        (["--liquidation-ltv", "1"], "--liquidation-ltv must be a fraction"),
        (["--loan", "40000"], "LTV of 1 or more"),
        (["--target-ltv", "0.8"], "not below the liquidation LTV"),
        (["--drops", "30%"], "--drops"),
        (["--days", "a week"], "--days"),
        (["--apr", "eight"], "--apr"),
        (["--margin-call-hf", "2"], "bands"),
    ],
)
def test_bad_input_is_one_line_and_exit_one(cli, args, message):
    code, out, err = cli(*LOAN, *args)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_no_position_is_an_error(cli):
    code, _, err = cli("risk", "--volatility", "0.5")
    assert code == 1 and "no position" in err


def test_addresses_and_a_typed_loan_together_are_an_error(cli):
    code, _, err = cli(*LOAN, "0x" + "55" * 20)
    assert code == 1 and "not both" in err


def test_a_typed_loan_reads_one_chains_feed(cli):
    code, out, err = cli(*LOAN[:-4], "--chain", "devnet", "--chain", "devnet-l2")  # no --volatility: a feed is read
    assert code == 2 and out == ""
    assert "a hand-typed loan reads one chain's BTC/USD feed" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drops", "30%"], "--drops"),
        (["--survive", "30"], "--survive must be a fraction"),
        (["--target-ltv", "1.5"], "--target-ltv must be a fraction"),
        (["--volatility", "-0.5"], "--volatility must be more than zero"),
    ],
)
def test_a_bad_question_about_wallets_is_refused_before_any_read(cli, args, message):
    """Checked before any request: with an endpoint nothing listens on, the answer is the bad
    option (exit 1), not the unreadable chain (exit 4)."""
    dead = f"http://127.0.0.1:{closed_port()}"
    code, out, err = cli("risk", "0x" + "55" * 20, "--chain", "devnet", "--rpc", dead, *args)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1
