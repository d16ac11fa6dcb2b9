"""Tables fit the terminal without cutting a number (COLUMNS=80 and 100, run as a user runs it).

The figures are refereed against the JSON of the same block, rounded by hand here: the table
must show each position's LTV, liquidation LTV, health factor and liquidation price in full.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.helpers.two_chains import address_book

LABELS = ("A", "B", "E", "F")  # Aave with one and two collateral assets, Morpho, the Comet
COMPACT = ("market", "collateral", "debt", "LTV", "liq. LTV", "health", "liq. BTC")


def chainwatch(columns: int, *args: str) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    done = subprocess.run(
        [sys.executable, "-m", "chainwatch", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def rounded(value: str, places: str) -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_EVEN)


@pytest.fixture
def wallets_and_json(devnet):
    wallets = [devnet.deployment.demo_wallets[label] for label in LABELS]
    block = str(devnet.w3.eth.block_number)
    args = ["track", *wallets, "--chain", "devnet", "--rpc", devnet.rpc_url, "--block", block]
    document = json.loads(chainwatch(200, *args, "--format", "json"))
    assert len(document["positions"]) == len(LABELS)
    return args, document


@pytest.mark.parametrize("columns", [80, 100])
def test_the_compact_table_fits_and_shows_every_figure(wallets_and_json, columns):
    args, document = wallets_and_json
    table = chainwatch(columns, *args)
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in table
    for header in COMPACT:
        assert header in table
    for position in document["positions"]:
        assert position["account"] in table  # the full address, to copy
        assert f"{rounded(position['ltv'], '0.0001') * 100:.2f}%" in table
        assert f"{rounded(position['liquidation_ltv'], '0.0001') * 100:.2f}%" in table
        assert f"{rounded(position['health_factor'], '0.001')}" in table
        assert f"${rounded(position['liquidation_price_btc'], '1'):,}" in table


def test_a_narrow_terminal_drops_whole_columns_and_says_so(wallets_and_json):
    args, document = wallets_and_json
    table = chainwatch(50, *args)
    assert max(len(line) for line in table.splitlines()) <= 50
    assert "…" not in table
    assert "too narrow for: collateral, debt" in table
    for position in document["positions"]:
        assert f"{rounded(position['ltv'], '0.0001') * 100:.2f}%" in table


def test_wide_shows_every_column_in_full_precision(wallets_and_json):
    args, document = wallets_and_json
    table = chainwatch(200, *args, "--wide")
    for header in ("max LTV", "headroom"):
        assert header in table
    for position in document["positions"]:
        assert f"${rounded(position['liquidation_price_btc'], '0.01'):,}" in table
        assert f"${rounded(position['headroom_usd'], '0.01'):,}" in table


def assert_fits(table: str, columns: int) -> None:
    assert max(len(line) for line in table.splitlines()) <= columns, table
    assert "…" not in table


@pytest.mark.parametrize("columns", [80, 100])
def test_compare_fits_and_shows_each_total(devnet, columns):
    args = ["compare", "--chain", "devnet", "--rpc", devnet.rpc_url, "--loan", "20000", "--btc", "1"]
    document = json.loads(chainwatch(200, *args, "--format", "json"))
    table = chainwatch(columns, *args)
    assert_fits(table, columns)
    for option in document["options"]:
        assert f"${rounded(option['total_usd'], '0.01'):,}" in table
        assert f"{rounded(option['effective_apr'], '0.0001') * 100:.2f}%" in table


@pytest.mark.parametrize("columns", [80, 100])
def test_scan_rpc_check_and_history_fit(chain, tmp_path, columns):
    devnet = ["--chain", "devnet", "--rpc", chain.rpc_url]
    scan = ["scan", *devnet, "--cache-dir", str(tmp_path / "scan")]
    document = json.loads(chainwatch(200, *scan, "--format", "json"))
    table = chainwatch(columns, *scan)
    assert_fits(table, columns)
    for band in document["bands"]:  # each band's WBTC in full, to the satoshi shown
        assert f"{band['label']} " in table and f"{rounded(band['collateral_asset'], '0.0001'):,}" in table
    assert_fits(chainwatch(columns, "rpc", "check", *devnet), columns)
    wallet = chain.deployment.demo_wallets["A"]
    db = str(tmp_path / "h.sqlite3")
    chainwatch(200, "backfill", wallet, *devnet, "--db", db, "--from", "2026-01-02", "--every", "12h")
    history = json.loads(chainwatch(200, "history", wallet, "--chain", "devnet", "--db", db, "--format", "json"))
    table = chainwatch(columns, "history", wallet, "--chain", "devnet", "--db", db)
    assert_fits(table, columns)
    assert len(history["readings"]) == 3  # blocks 205, 206 and 212 of the snapshot
    for reading in history["readings"]:
        assert f"{rounded(reading['ltv'], '0.0001') * 100:.2f}%" in table
        assert f"{rounded(reading['health_factor'], '0.001')}" in table


@pytest.fixture
def both_chains(chain, chain_l2, tmp_path):
    book = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    return ["--chain", "devnet", "--chain", "devnet-l2", "--address-book", str(book)]


def test_two_chains_tables_share_their_columns_and_line_up(chain, both_chains):
    """Every wallet table of both chains has the same columns at the same places (one note for
    what did not fit), so a figure is read down the page; the positions are the JSON's."""
    wallets = [chain.deployment.demo_wallets[label] for label in ("A", "E")]  # on both chains
    document = json.loads(chainwatch(200, "track", *wallets, *both_chains, "--format", "json"))
    assert {p["chain"] for p in document["positions"]} == {"devnet", "devnet-l2"}
    for wide in ([], ["--wide"]):
        table = chainwatch(80, "track", *wallets, *both_chains, *wide)
        assert_fits(table, 80)
        headers = {line.rstrip() for line in table.splitlines() if line.startswith("market ")}
        assert len(headers) == 1, headers  # one header, at one width, over every table
        assert table.count("too narrow for") <= 1
        for position in document["positions"]:
            assert f"{rounded(position['ltv'], '0.0001') * 100:.2f}%" in table


def test_compare_of_two_chains_marks_what_the_collateral_does_not_allow(both_chains):
    args = ["compare", "--loan", "50000", "--btc", "1", *both_chains]
    document = json.loads(chainwatch(200, *args, "--format", "json"))
    table = chainwatch(80, *args)
    assert_fits(table, 80)
    options = table[: table.index("break-even:")].splitlines()
    rows = {line.split("  ")[0].removesuffix(" ★").removesuffix(" †"): line for line in options}
    over = [o for o in document["options"] if not o["fits"]]
    assert over and "† the collateral does not allow this loan there" in table
    for option in document["options"]:  # the interest stays at 80 columns, beside the total
        line = rows[option["name"]]
        assert ("†" in line) == (not option["fits"])
        assert f"${rounded(option['interest_usd'], '0.01'):,}" in line
        assert f"${rounded(option['total_usd'], '0.01'):,}" in line
    # break-even: one row per DeFi market, each CeFi offer's size in its own column
    markets = {row["defi"] for row in document["break_even"]}
    for market in markets:
        (line,) = [line for line in table.splitlines() if line.startswith(f"{market}  ") and "above" in line]
        for row in (r for r in document["break_even"] if r["defi"] == market):
            assert f"above ${rounded(row['loan_usd'], '0.01'):,}" in line
