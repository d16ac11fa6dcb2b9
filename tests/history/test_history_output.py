"""History as CSV (round trip), JSON, and charts (PNG, SVG, standalone HTML)."""

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from chainwatch.history import HistoryRow
from chainwatch.history.plot import PlotError, write_plot
from chainwatch.history.report import HISTORY_COLUMNS, history_csv, history_json

D = Decimal
T0 = datetime(2026, 1, 5, tzinfo=UTC)
A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def rows(count: int = 6) -> list[HistoryRow]:
    out = []
    for i in range(count):
        price = D(60000) - D(2500) * i
        for protocol, debt in (("aave-v3", D("20000.123456")), ("spark", D("9000"))):
            collateral = D("0.5") * price
            out.append(
                HistoryRow(
                    chain="devnet",
                    block_number=100 + i,
                    timestamp=T0 + timedelta(hours=i),
                    account=A,
                    protocol=protocol,
                    market=f"0x{protocol}",
                    collateral_usd=collateral,
                    debt_usd=debt,
                    ltv=debt / collateral,
                    max_ltv=D("0.73"),
                    liquidation_ltv=D("0.78"),
                    health_factor=collateral * D("0.78") / debt,
                    btc_price_usd=price,
                    liquidation_price_btc=debt / (D("0.5") * D("0.78")),
                )  # fmt: skip
            )
    out.append(
        HistoryRow(
            "devnet", 200, T0 + timedelta(days=1), A, "spark", "0xspark", D(1), D(0), D(0), None, None, None, None, None
        )
    )
    return out


def test_csv_round_trip_is_exact():
    original = rows()
    frame = pd.read_csv(io.StringIO(history_csv(original)), dtype=str, keep_default_na=False)
    assert list(frame.columns) == HISTORY_COLUMNS
    for row, record in zip(original, frame.to_dict("records")):
        assert datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) == row.timestamp
        assert int(record["block"]) == row.block_number
        for name in (
            "ltv",
            "liquidation_ltv",
            "health_factor",
            "btc_price_usd",
            "liquidation_price_btc",
            "debt_usd",
            "collateral_usd",
        ):
            value = getattr(row, name)
            assert (D(record[name]) if record[name] else None) == value, name


def test_json_keeps_decimals_as_strings():
    data = json.loads(json.dumps(history_json(rows(1))))
    assert data[0]["debt_usd"] == "20000.123456"
    assert data[-1]["health_factor"] is None


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html"])
def test_plot_files_are_produced(tmp_path, suffix):
    path = tmp_path / f"ltv{suffix}"
    write_plot(rows(), path)
    data = path.read_bytes()
    assert len(data) > 5000
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in data
    if suffix == ".html":
        assert b"<!doctype html>" in data and A.encode() in data


def test_plot_refuses_unknown_formats_and_empty_history(tmp_path):
    with pytest.raises(PlotError, match=".png, .svg or .html"):
        write_plot(rows(), tmp_path / "ltv.pdf")
    with pytest.raises(PlotError, match="no history"):
        write_plot([], tmp_path / "ltv.png")
    assert list(tmp_path.iterdir()) == []
