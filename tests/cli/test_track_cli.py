"""`chainwatch track` end to end on the devnet, and a one-line error for every bad input."""

from __future__ import annotations

import csv
import io
import json
import socket
from decimal import Decimal

import pytest

from tests.helpers.referees import assert_matches_aave_pool

D = Decimal


def devnet_args(devnet) -> list[str]:
    return ["--chain", "devnet", "--rpc", devnet.rpc_url]


def test_json_output_follows_the_schema(devnet, cli):
    wallet = devnet.deployment.demo_wallets["A"]
    code, out, err = cli("track", wallet, *devnet_args(devnet), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["chain"] == "devnet" and data["chain_id"] == 31337
    assert isinstance(data["block"], int) and data["timestamp"].endswith("Z")
    (position,) = data["positions"]
    assert position["protocol"] == "aave-v3" and position["account"] == wallet
    assert position["collateral"][0]["symbol"] == "WBTC"
    assert position["debt"][0]["symbol"] == "USDC"
    for key in ("ltv", "health_factor", "liquidation_price_btc", "headroom_fraction"):
        assert isinstance(position[key], str)
    # The Pool's own getUserAccountData at the same block referees the figures.
    figures = {key: D(position[key]) for key in ("health_factor", "collateral_usd", "debt_usd")}
    assert_matches_aave_pool(devnet, "aave-v3", wallet, data["block"], **figures)


def test_a_wallet_without_positions_gives_an_empty_list(devnet, cli):
    code, out, _ = cli("track", devnet.deployment.demo_wallets["D"], *devnet_args(devnet), "--format", "json")
    assert code == 0 and json.loads(out)["positions"] == []


def test_block_pins_the_read(devnet, cli):
    wallet = devnet.deployment.demo_wallets["A"]
    block = devnet.deployment.snapshot_block - 10
    code, out, _ = cli("track", wallet, *devnet_args(devnet), "--block", str(block), "--format", "json")
    assert code == 0 and json.loads(out)["block"] == block
    _, latest, _ = cli("track", wallet, *devnet_args(devnet), "--format", "json")
    earlier_debt = D(json.loads(out)["positions"][0]["debt_usd"])
    assert earlier_debt < D(json.loads(latest)["positions"][0]["debt_usd"])  # interest accrued since


def test_csv_file_with_detail_and_protocol_filter(devnet, cli, tmp_path):
    wallets = list(devnet.deployment.demo_wallets.values())
    target = tmp_path / "loans.csv"
    code, out, _ = cli(
        "track", *wallets, *devnet_args(devnet), "--protocol", "spark",
        "--format", "csv", "--detail", "--output", str(target),
    )  # fmt: skip
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["row_type"] for r in rows] == ["position", "collateral", "debt"]
    assert {r["protocol"] for r in rows} == {"spark"}
    assert rows[0]["account"] == devnet.deployment.demo_wallets["C"]


def test_table_output(devnet, cli):
    code, out, _ = cli("track", devnet.deployment.demo_wallets["B"], *devnet_args(devnet))
    assert code == 0
    assert "aave-v3" in out and "WBTC" in out and "WETH" in out


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "0x1234"], "not an Ethereum address"),
        (["track", WALLET.replace("C51812dc", "C51812DC")], "checksum mismatch"),
        (["track", WALLET, "--chain", "moon"], "unknown chain 'moon'"),
        (["track", WALLET, "--chain", "devnet", "--protocol", "maker"], "unknown protocol 'maker'"),
        (["track", WALLET, "--address-book", "{missing}"], "address book not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(devnet, cli, tmp_path, args, message):
    args = [a.format(port=closed_port(), missing=tmp_path / "none.toml") for a in args]
    code, out, err = cli(*args)
    assert code == 1
    assert message in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_an_unreachable_rpc_is_one_line_and_exit_4(cli):
    code, out, err = cli("track", WALLET, "--chain", "devnet", "--rpc", f"http://127.0.0.1:{closed_port()}")
    assert (code, out) == (4, "")  # something requested could not be read
    assert "http://127.0.0.1:" in err and "cannot connect" in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_an_rpc_on_another_chain_is_refused(devnet, cli, tmp_path):
    book = tmp_path / "book.toml"
    book.write_text(f'[chains.ethereum]\nrpc = ["{devnet.rpc_url}"]\n')
    code, _, err = cli("track", WALLET, "--chain", "ethereum", "--address-book", str(book))
    assert code == 4
    assert "serves chain id 31337, expected 1" in err


def test_a_malformed_address_book_names_file_and_key(cli, tmp_path):
    book = tmp_path / "book.toml"
    book.write_text('[chains.devnet]\nchain_id = "31337"\n')
    code, _, err = cli("track", WALLET, "--chain", "devnet", "--address-book", str(book))
    assert code == 1
    assert str(book) in err and "chains.devnet.chain_id: expected int" in err


def test_usage_errors_exit_2(cli):
    code, _, _ = cli("track")
    assert code == 2
