"""`chainwatch scan` and `chainwatch track --wallets` end to end on the devnet."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan

D = Decimal


def test_scan_maps_every_wbtc_loan_of_the_market(chain, cli, tmp_path):
    accounts = [fresh_account(f"cli-{i}") for i in range(3)]
    for i, account in enumerate(accounts):
        open_aave_loan(chain, "aave-v3", account, {"WBTC": D(1)}, {"USDC": D(12000) * (i + 1)})
    plot = tmp_path / "map.png"
    code, out, err = cli(
        "scan",
        "--chain",
        "devnet",
        "--rpc",
        chain.rpc_url,
        "--protocol",
        "aave-v3",  # the family: the devnet's aave-v3, aave-v3.6 and spark markets
        "--cache-dir",
        tmp_path / "cache",
        "--format",
        "json",
        "--plot",
        plot,
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["markets"] == ["aave-v3", "aave-v3.6", "spark"] and data["btc_price_usd"] == "60000"
    assert data["chain"] == "devnet" and data["chain_id"] == 31337 and data["timestamp"].endswith("Z")
    assert data["accounts_scanned"] >= 3
    assert data["assets"] == [chain.deployment.wbtc]  # the devnet's one BTC asset
    (wbtc,) = data["per_asset"]
    assert wbtc["symbol"] == "WBTC" and wbtc["asset"] == chain.deployment.wbtc and wbtc["total"] == data["total"]
    rows = [data["liquidatable_now"], *data["bands"], data["on_btc_rise"], data["no_liquidation_price"]]
    for key in ("collateral_asset", "collateral_usd", "debt_usd"):
        assert sum(D(r[key]) for r in rows) == D(data["total"][key])
    # $12,000 against 1 WBTC: liquidated at 12,000 / 0.78 = $15,385, a 74% fall. Nothing else is
    # that far: the other two fall 49% and 23%, the demo loans (A, B, C, G) less than 60%.
    band = next(b for b in data["bands"] if b["label"] == "-70% to -75%")
    assert band["positions"] == 1 and 12000 <= D(band["debt_usd"]) < D("12000.01")  # seconds of interest
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_scan_names_an_unknown_market(chain, cli, tmp_path):
    code, _, err = cli(
        "scan", "--chain", "devnet", "--rpc", chain.rpc_url, "--protocol", "nope", "--cache-dir", tmp_path
    )
    assert code == 1 and "unknown protocol 'nope' on devnet" in err


def test_track_reads_a_wallets_file(chain, cli, tmp_path):
    accounts = [fresh_account(f"file-{i}") for i in range(3)]
    for account in accounts:
        open_aave_loan(chain, "aave-v3", account, {"WBTC": D(1)}, {"USDC": D(1000)})
    wallets = tmp_path / "wallets.txt"
    wallets.write_text(
        "# borrowers\n" + "\n".join(a.lower() for a in accounts) + "\n\n" + fresh_account("none") + "  # empty\n"
    )
    code, out, err = cli("track", "--chain", "devnet", "--rpc", chain.rpc_url, "--wallets", wallets, "--format", "json")
    assert code == 0, err
    assert sorted(p["account"] for p in json.loads(out)["positions"]) == sorted(accounts)


def test_a_bad_line_in_the_wallets_file_is_named(cli, tmp_path):
    wallets = tmp_path / "wallets.txt"
    wallets.write_text("0x" + "11" * 20 + "\n0x1234\n")
    code, out, err = cli("track", "--chain", "devnet", "--wallets", wallets)
    assert code == 1 and out == ""
    assert f"{wallets}:2:" in err and "Traceback" not in err


def test_scan_refuses_a_map_from_a_partial_read(chain, cli, tmp_path):
    """A WBTC borrower who also posted WETH cannot be valued once the ETH/USD feed reverts: the
    map's totals would be short by that position, so the scan stops naming it (exit 4)."""
    from chainwatch.devnet.node import rpc
    from chainwatch.errors import EXIT_UNREADABLE

    account = fresh_account("scan partial")
    open_aave_loan(chain, "spark", account, {"WBTC": D(1), "WETH": D(2)}, {"USDC": D(12000)})
    rpc(chain.w3, "anvil_setCode", [chain.deployment.feeds["ETH/USD"], "0x60006000fd"])
    code, out, err = cli(
        "scan", "--chain", "devnet", "--rpc", chain.rpc_url, "--protocol", "spark", "--cache-dir", tmp_path
    )
    assert code == EXIT_UNREADABLE and out == ""
    assert f"spark {chain.deployment.markets['spark'].pool}: position of {account} not read" in " ".join(err.split())
