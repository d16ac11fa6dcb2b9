"""The report of positions read on several chains, whole or partial: JSON keys and the table.

Loans with figures worked by hand stand in for positions read on two chains: liquidation at
7,000 / (0.15 × 0.75) = 62,222.22 (health 1.607) and 20,000 / (0.5 × 0.75) = 53,333.33 (1.875).
"""

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console

from chainwatch.model import ChainReading, Snapshot, Unreadable
from chainwatch.risk.manual import manual_position
from chainwatch.risk.report import RiskSettings, build_report, report_json
from chainwatch.risk.tables import risk_tables
from tests.helpers.schemas import assert_valid

D = Decimal
SETTINGS = RiskSettings(D("0.55"), "ethereum BTC/USD feed, 30 days", paths=1000)
T1, T2 = datetime(2026, 1, 1, 8, 0, 11, tzinfo=UTC), datetime(2026, 1, 1, 8, 0, 13, tzinfo=UTC)
ETHEREUM = replace(
    manual_position(D("0.15"), D(100000), D(7000), D(0), D("0.75")),
    protocol="aave-v3", account="0xa", chain="ethereum", block_number=21_000_000, timestamp=T1,
)  # fmt: skip
BASE = replace(
    manual_position(D("0.5"), D(100000), D(20000), D(0), D("0.75")),
    protocol="morpho-blue", account="0xa", chain="base", block_number=24_000_000, timestamp=T2,
)  # fmt: skip


def reading(position, chain_id: int, **snapshot) -> ChainReading:
    taken = Snapshot(position.chain, chain_id, position.block_number, position.timestamp, (position,), **snapshot)
    return ChainReading(position.chain, chain_id, snapshot=taken)


def text(report) -> str:
    console = Console(width=160, file=io.StringIO(), no_color=True)
    console.print(risk_tables(report))
    return console.file.getvalue()


def test_two_chains_read_whole():
    readings = [reading(ETHEREUM, 1), reading(BASE, 8453, warnings=("WBTC/BTC feed is stale",))]
    report = build_report([ETHEREUM, BASE], SETTINGS, readings=readings)
    document = report_json(report)
    assert_valid("risk", document)
    assert "chain" not in document and "block" not in document  # no one block for two chains
    assert [(p["chain"], p["chain_id"], p["block"]) for p in document["positions"]] == [
        ("ethereum", 1, 21_000_000),
        ("base", 8453, 24_000_000),
    ]
    assert [(c["chain"], c["block"], c["timestamp"], c["warnings"]) for c in document["chains"]] == [
        ("ethereum", 21_000_000, "2026-01-01T08:00:11Z", []),
        ("base", 24_000_000, "2026-01-01T08:00:13Z", ["WBTC/BTC feed is stale"]),
    ]
    assert (document["partial"], document["errors"]) == (False, [])
    portfolio = document["portfolio"]
    assert (D(portfolio["debt_usd"]), D(portfolio["collateral_usd"])) == (D(27000), D(65000))
    assert (portfolio["worst_position"]["chain"], portfolio["worst_position"]["chain_id"]) == ("ethereum", 1)
    assert D(portfolio["first_liquidation_price_btc"]).quantize(D("0.01")) == D("62222.22")
    out = text(report)
    # each position titled with its chain, once; under it the block and time it was read at
    assert out.index("ethereum · aave-v3 · 0xa") < out.index("block 21000000 · 2026-01-01 08:00:11 UTC")
    assert out.index("base · morpho-blue · 0xa") < out.index("block 24000000 · 2026-01-01 08:00:13 UTC")
    assert out.count("ethereum · block") == out.count("base · block") == 0
    assert "all 2 positions on ethereum, base" in out and "partial" not in out
    worst = next(line for line in out.splitlines() if "worst position" in line)
    assert "ethereum · aave-v3 · 0xa" in worst
    assert "1.607" in next(line for line in out.splitlines() if "its health factor" in line)
    assert "⚠ base: WBTC/BTC feed is stale" in out


def test_a_chain_not_read_makes_the_portfolio_partial():
    failed = ChainReading("arbitrum", 42161, error="no healthy RPC endpoint: https://… timed out after 10 s")
    report = build_report([ETHEREUM], SETTINGS, readings=[reading(ETHEREUM, 1), failed])
    document = report_json(report)
    assert_valid("risk", document)
    assert document["partial"] is True
    (error,) = document["errors"]
    assert error == {
        "chain": "arbitrum", "chain_id": 42161, "protocol": None, "market": None, "account": None, "call": None,
        "message": "arbitrum could not be read: no healthy RPC endpoint: https://… timed out after 10 s",
    }  # fmt: skip
    assert document["chains"][1]["block"] is None
    out = text(report)  # one position read: the portfolio still shows, to say what is missing
    assert "partial: only the 1 position read on ethereum, not the whole portfolio" in out
    assert "left out" in out and "arbitrum could not be read" in out


def test_a_position_not_read_on_one_chain_is_named_with_its_chain():
    lost = Unreadable("morpho-blue", "0xid", "0xa", "MorphoOracle.price()")
    report = build_report([ETHEREUM], SETTINGS, readings=[reading(ETHEREUM, 1, unreadable=(lost,))])
    document = report_json(report)
    assert_valid("risk", document)
    assert (document["chain"], document["chain_id"], document["block"]) == ("ethereum", 1, 21_000_000)
    (error,) = document["errors"]
    assert (error["chain"], error["chain_id"], error["market"], error["call"]) == (
        "ethereum", 1, "0xid", "MorphoOracle.price()",
    )  # fmt: skip
    assert document["partial"] is True and "left out" in text(report)
