"""Every command's `--format json` document validates against the schema shipped in the package.

The documents come from real runs on the devnet (and offline runs for the hand-typed forms), so
a key renamed or retyped in any command fails here. A schema that accepted anything would make
this test pointless, so the last test checks that each schema refuses a document with a wrong type.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chainwatch.devnet.controls import advance_time
from tests.helpers.schemas import assert_valid, validator


@pytest.fixture
def run_json(cli):
    def run(*args: str, ok: tuple[int, ...] = (0,)) -> dict:
        code, out, err = cli(*args, "--format", "json")
        assert code in ok, err
        return json.loads(out)

    return run


def test_track_check_risk_scan_and_rpc_check_on_the_devnet(chain, run_json, tmp_path):
    devnet = ["--chain", "devnet", "--rpc", chain.rpc_url]
    wallets = list(chain.deployment.demo_wallets.values())
    track = run_json("track", *wallets, *devnet)
    assert len(track["positions"]) == 6
    assert_valid("track", track)
    check = run_json("check", *wallets, *devnet, "--ltv", "0.4", ok=(3,))
    assert check["past_threshold"] is True
    assert_valid("check", check)
    risk = run_json("risk", *wallets, *devnet, "--target-ltv", "0.25", "--paths", "200")
    assert all(p["what_if"] is not None for p in risk["positions"])
    assert_valid("risk", risk)
    scan = run_json("scan", *devnet, "--cache-dir", str(tmp_path / "scan"))
    assert scan["accounts_scanned"] > 0
    assert_valid("scan", scan)
    assert_valid("rpc-check", run_json("rpc", "check", *devnet))


def test_compare_on_the_devnet_and_offline(chain, run_json):
    on_chain = run_json("compare", "--chain", "devnet", "--rpc", chain.rpc_url, "--loan", "20000", "--btc", "1")
    assert {o["kind"] for o in on_chain["options"]} == {"cefi", "defi"}
    assert_valid("compare", on_chain)
    offline = run_json(
        "compare", "--loan", "20000", "--btc", "1", "--btc-price", "60000", "--gas-usd", "10", "--apr", "5%"
    )
    assert offline["chain"] is None
    assert_valid("compare", offline)


def test_hand_typed_risk(run_json):
    document = run_json(
        "risk", "--btc", "1", "--btc-price", "60000", "--loan", "20000", "--apr", "8%",
        "--liquidation-ltv", "0.8", "--volatility", "0.55", "--paths", "200",
    )  # fmt: skip
    assert document["chain"] is None and document["positions"][0]["ltv"].startswith("0.3333")
    assert_valid("risk", document)


def test_history_with_and_without_readings(chain, cli, run_json, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    devnet = ["--chain", "devnet", "--rpc", chain.rpc_url]
    db = str(tmp_path / "h.sqlite3")
    assert_valid("history", run_json("history", wallet, "--chain", "devnet", "--db", db))
    begin = datetime.fromtimestamp(chain.w3.eth.get_block("latest")["timestamp"], UTC)
    for _ in range(2):  # a block an hour, so each hourly sample has a block of its own
        advance_time(chain.w3, 3600)
    end = begin + timedelta(hours=2)
    code, _, err = cli(
        "backfill", wallet, *devnet, "--db", db, "--from", begin.isoformat(), "--to", end.isoformat(), "--every", "1h"
    )
    assert code == 0, err
    history = run_json("history", wallet, "--chain", "devnet", "--db", db)
    assert len(history["readings"]) == 3
    assert_valid("history", history)


@pytest.mark.parametrize(
    ("command", "document"),
    [
        (
            "track",
            {
                "chain": "x",
                "chain_id": 1,
                "block": 1,
                "timestamp": "2026-01-01T00:00:00Z",
                "positions": [{}],
                "chains": [],
                "warnings": [],
            },
        ),
        ("track", {"positions": [], "chains": [{"chain": "x", "chain_id": 1, "block": 1, "error": 4}]}),
        ("risk", {"chain": None, "chain_id": None, "block": None, "timestamp": "now"}),
        (
            "compare",
            {"chain": None, "chain_id": None, "block": None, "timestamp": "2026-01-01T00:00:00Z", "loan_usd": 1},
        ),
        ("scan", {"chain": "x", "chain_id": 1, "block": "1", "timestamp": "2026-01-01T00:00:00Z"}),
        (
            "history",
            {
                "chain": None,
                "chain_id": None,
                "block": None,
                "timestamp": None,
                "account": "a",
                "readings": [{"ltv": 0.5}],
            },
        ),
        (
            "rpc-check",
            {
                "chain": "x",
                "chain_id": 1,
                "block": 1,
                "timestamp": "2026-01-01T00:00:00Z",
                "endpoints": [{"usable": "yes"}],
            },
        ),
        (
            "check",
            {
                "chain": "x",
                "chain_id": 1,
                "block": 1,
                "timestamp": "2026-01-01T00:00:00Z",
                "positions": [],
                "warnings": [],
                "past_threshold": 1,
            },
        ),
    ],
)
def test_each_schema_refuses_a_wrong_document(command, document):
    assert list(validator(command).iter_errors(document))
