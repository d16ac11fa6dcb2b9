"""JSON schema and CSV columns of a snapshot, and CSV formula neutralisation."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from chainwatch.export import readings_csv, readings_json, snapshot_csv, snapshot_json
from chainwatch.model import Asset, ChainReading, Holding, Position, Snapshot

WHEN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WBTC = Asset("localtest", "0x" + "11" * 20, "WBTC", 8, is_btc=True)
USDC = Asset("localtest", "0x" + "33" * 20, "USDC", 6)


def snapshot(symbol: str = "USDC") -> Snapshot:
    loan = Position(
        protocol="aave-v3",
        market="0x" + "44" * 20,
        account="0x" + "55" * 20,
        chain="localtest",
        block_number=123,
        timestamp=WHEN,
        collateral=(
            Holding(WBTC, Decimal("1.00000000"), Decimal(60000), Decimal("0.73"), Decimal("0.78"), earns_interest=True),
        ),
        debt=(
            Holding(
                Asset("localtest", USDC.address, symbol, 6),
                Decimal("20000.000000"),
                Decimal(1),
                borrow_apr=Decimal("0.0512"),
            ),
        ),
    )
    return Snapshot("localtest", 31337, 123, WHEN, (loan,))


def test_json_has_the_documented_shape_with_decimal_strings():
    data = snapshot_json(snapshot())
    assert data["chain"] == "localtest" and data["chain_id"] == 31337 and data["block"] == 123
    assert data["timestamp"] == "2026-11-23T08:00:00Z"
    (p,) = data["positions"]
    assert set(p) == {
        "protocol",
        "market",
        "account",
        "collateral",
        "debt",
        "btc_assets",
        "collateral_usd",
        "debt_usd",
        "ltv",
        "max_ltv",
        "liquidation_ltv",
        "health_factor",
        "liquidation_price_btc",
        "headroom_usd",
        "headroom_fraction",
    }
    assert p["btc_assets"] == ["WBTC"]
    assert p["collateral"] == [
        {
            "symbol": "WBTC",
            "address": WBTC.address,
            "amount": "1.00000000",
            "price_usd": "60000",
            "value_usd": "60000.00000000",
            "is_btc": True,
            "max_ltv": "0.73",
            "liquidation_threshold": "0.78",
        }
    ]
    assert p["debt"][0]["amount"] == "20000.000000"
    assert p["debt"][0]["borrow_apr"] == "0.0512"
    assert Decimal(p["ltv"]) == Decimal(1) / Decimal(3)
    assert Decimal(p["liquidation_price_btc"]) == Decimal(20000) / Decimal("0.78")
    assert Decimal(p["headroom_usd"]) + Decimal(20000) / Decimal("0.78") == Decimal(60000)


def test_csv_has_one_row_per_position_and_detail_adds_holdings():
    rows = list(csv.DictReader(io.StringIO(snapshot_csv(snapshot()))))
    assert len(rows) == 1
    assert rows[0]["collateral_assets"] == "WBTC" and rows[0]["debt_assets"] == "USDC"
    assert rows[0]["block"] == "123"
    detail = list(csv.DictReader(io.StringIO(snapshot_csv(snapshot(), detail=True))))
    assert [r["row_type"] for r in detail] == ["position", "collateral", "debt"]
    assert detail[1]["amount"] == "1.00000000" and detail[2]["borrow_apr"] == "0.0512"


def test_csv_neutralises_formulas_from_on_chain_symbols():
    text = snapshot_csv(snapshot(symbol='=HYPERLINK("http://x")'), detail=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["debt_assets"] == '\'=HYPERLINK("http://x")'
    assert rows[2]["symbol"] == '\'=HYPERLINK("http://x")'


def test_one_chain_keeps_the_top_level_context_and_adds_chains():
    data = readings_json([ChainReading("localtest", 31337, snapshot())])
    assert list(data)[:4] == ["chain", "chain_id", "block", "timestamp"]
    assert (data["chain"], data["chain_id"], data["block"]) == ("localtest", 31337, 123)
    assert data["chains"] == [
        {
            "chain": "localtest",
            "chain_id": 31337,
            "block": 123,
            "timestamp": "2026-11-23T08:00:00Z",
            "warnings": [],
            "error": None,
        }
    ]
    (p,) = data["positions"]
    assert (p["chain"], p["chain_id"], p["block"], p["timestamp"]) == ("localtest", 31337, 123, "2026-11-23T08:00:00Z")
    assert data["warnings"] == []


def test_several_chains_list_each_with_its_block_or_its_error():
    readings = [ChainReading("localtest", 31337, snapshot()), ChainReading("other", 8453, error="no endpoint")]
    data = readings_json(readings)
    assert list(data) == ["positions", "chains", "errors"] and data["errors"] == []
    assert [(c["chain"], c["block"], c["timestamp"], c["error"]) for c in data["chains"]] == [
        ("localtest", 123, "2026-11-23T08:00:00Z", None),
        ("other", None, None, "no endpoint"),
    ]
    assert [p["chain"] for p in data["positions"]] == ["localtest"]
    rows = list(csv.DictReader(io.StringIO(readings_csv(readings))))
    assert [(r["chain"], r["chain_id"], r["block"]) for r in rows] == [("localtest", "31337", "123")]
