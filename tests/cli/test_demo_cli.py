"""`chainwatch demo` and `chainwatch devnet up|down|status`, as a user runs them."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from chainwatch.devnet import service
from chainwatch.devnet.localchains import DEVNET_L2, LOCAL_CHAINS


@pytest.fixture
def devnet_run_dir(tmp_path, monkeypatch):
    """Keep this test's background devnet apart from any devnet the developer has running."""
    monkeypatch.setattr(service, "_run_dir", lambda: tmp_path / "run")
    yield
    service.down()


def test_demo_starts_the_chain_and_writes_the_csv(devnet_run_dir, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = str(service.free_ports(len(LOCAL_CHAINS)))
    code, out, err = cli("demo", "--port", port)
    assert code == 0, err
    assert "WBTC" in out and "aave-v3" in out and "spark" in out
    assert "cbBTC" in out and "devnet-l2 · block" in out  # the second local chain's loans too
    assert "positions.csv" in err
    rows = list(csv.DictReader((tmp_path / "positions.csv").open()))
    assert {r["protocol"] for r in rows} >= {"aave-v3", "spark"}
    assert {(r["chain"], r["chain_id"]) for r in rows} == {("devnet", "31337"), ("devnet-l2", "31338")}

    code, _, err = cli("devnet", "status")
    assert code == 0 and f"devnet running at http://127.0.0.1:{port} " in err
    assert f"devnet-l2 running at http://127.0.0.1:{int(port) + 1} " in err
    code, _, err = cli("devnet", "up", "--port", port)  # idempotent
    assert code == 0 and "devnet running" in err
    code, _, err = cli("devnet", "up", "--port", str(int(port) + 1))
    assert code == 1 and "already running" in err
    code, _, err = cli("devnet", "down")
    assert code == 0 and "devnet stopped" in err
    code, _, err = cli("devnet", "status")
    assert code == 0 and "no devnet running" in err


def test_up_restarts_a_devnet_left_from_an_older_build(devnet_run_dir, cli, tmp_path):
    port = str(service.free_ports(len(LOCAL_CHAINS)))
    code, _, err = cli("devnet", "up", "--port", port)
    assert code == 0, err
    record_file = tmp_path / "run" / "anvil.json"
    record = json.loads(record_file.read_text())
    old = tmp_path / "old-build-deployment.json"
    old.write_text("{}")  # what an older build's deployment file looks like to this one
    record_file.write_text(json.dumps({**record, "deployment": str(old)}))

    code, _, err = cli("devnet", "status")
    assert code == 1 and "older build" in err
    code, _, err = cli("devnet", "up", "--port", port)
    assert code == 0 and "devnet running" in err
    assert json.loads(record_file.read_text())["pid"] != record["pid"]


def test_demo_names_every_wallet_and_what_to_try(devnet_run_dir, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("demo", "--port", str(service.free_ports(len(LOCAL_CHAINS))))
    assert code == 0, err
    wallets = service.status().deployment.demo_wallets
    lines = out.splitlines()
    for label, account in wallets.items():
        assert f"  {label}  {account}" in lines or f"  {label}  {account}  holds WBTC, no loan" in lines
    assert f"  D  {wallets['D']}  holds WBTC, no loan" in lines
    below_a = lines[lines.index(f"  A  {wallets['A']}") + 1 :][:2]  # A's loans, one a line, under it
    assert [line.split(",")[0].strip() for line in below_a] == [
        "devnet aave-v3: WBTC backing USDC",
        "devnet-l2 aave-v3: cbBTC backing USDC",
    ]
    assert out.count("\n  chainwatch ") == 3


def test_devnet_price_and_time_move_every_oracle_and_the_debt(devnet_run_dir, cli):
    """Referees: each protocol's own oracle read directly, and the chain's own clock."""
    from chainwatch.devnet.node import contract

    port = service.free_ports(len(LOCAL_CHAINS))
    code, _, err = cli("devnet", "up", "--port", str(port))
    assert code == 0, err
    info = service.status()
    w3, deployment = info.web3(), info.deployment
    wbtc_btc = contract(w3, "ChainlinkStyleAggregator", deployment.wbtc_btc_feed).functions.latestAnswer().call()

    code, _, err = cli("devnet", "price", "BTC", "40000")
    assert code == 0 and "BTC/USD = 40,000" in err, err
    aave = contract(w3, "AaveOracle", deployment.markets["aave-v3"].oracle)
    assert aave.functions.getAssetPrice(deployment.wbtc).call() == 40000 * wbtc_btc  # (40000e8 × ratio e8) / 1e8
    l2 = service.status(DEVNET_L2)  # the same price reaches the second chain's oracles
    l2_aave = contract(l2.web3(), "AaveOracle", l2.deployment.markets["aave-v3"].oracle)
    assert l2_aave.functions.getAssetPrice(l2.deployment.btc).call() == 40000 * wbtc_btc  # cbBTC/BTC is 1 too
    morpho = contract(w3, "ChainlinkMorphoOracle", deployment.morpho_blue.oracle).functions.price().call()
    usdc_usd = contract(w3, "ChainlinkStyleAggregator", deployment.feeds["USDC/USD"]).functions.latestAnswer().call()
    # Morpho's price: raw USDC (6 decimals) per raw WBTC (8 decimals), scaled by 1e36, so
    # 40000 × (WBTC/BTC) / (USDC/USD) × 1e36 × 1e6 / 1e8, with both ratios 8-decimal feeds.
    assert morpho == 40000 * wbtc_btc * 10**36 * 10**6 // (10**8 * usdc_usd)

    account = deployment.demo_wallets["A"]
    before = _debt(cli, account, port)
    started = w3.eth.get_block("latest")["timestamp"]
    l2_started = l2.web3().eth.get_block("latest")["timestamp"]
    code, _, err = cli("devnet", "time", "+7d")
    assert code == 0 and "(+7d)" in err, err
    assert l2.web3().eth.get_block("latest")["timestamp"] - l2_started >= 7 * 86400
    now = w3.eth.get_block("latest")["timestamp"]
    assert now - started >= 7 * 86400
    document = _track(cli, account, port)
    assert document["warnings"] == []  # the feeds published again at the new time: nothing stale
    assert Decimal(document["positions"][0]["debt_usd"]) > before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("price", "DOGE", "1"), "no devnet feed 'DOGE/USD'"),
        (("price", "BTC", "0"), "price must be above zero"),
        (("price", "BTC", "lots"), "'lots' is not a number"),
        (("time", "soon"), "not a duration: 'soon'"),
    ],
)
def test_devnet_controls_refuse_bad_input_in_one_line(devnet_run_dir, cli, args, message):
    code, _, err = cli("devnet", "up", "--port", str(service.free_ports(len(LOCAL_CHAINS))))
    assert code == 0, err
    code, out, err = cli("devnet", *args)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err


def test_devnet_controls_need_a_running_devnet(devnet_run_dir, cli):
    code, _, err = cli("devnet", "price", "BTC", "40000")
    assert code == 1 and "no devnet running" in err


def _track(cli, account: str, port: int) -> dict:
    rpc = f"http://127.0.0.1:{port}"
    code, out, err = cli(
        "track", account, "--chain", "devnet", "--rpc", rpc, "--protocol", "aave-v3", "--format", "json"
    )
    assert code == 0, err
    return json.loads(out)


def _debt(cli, account: str, port: int) -> Decimal:
    return Decimal(_track(cli, account, port)["positions"][0]["debt_usd"])


def _cache_path(pid: int) -> Path:
    """The --cache-path an anvil was started with, read from its command line."""
    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    return Path(args[args.index("--cache-path") + 1])


def test_anvils_keep_their_past_states_in_a_folder_removed_when_they_stop(devnet_run_dir, cli):
    """anvil moves past blocks' states to disk (a gigabyte or more for the devnet's feed history)
    and, left to itself, leaves them under ~/.foundry/anvil/tmp when stopped: every run would
    leave more behind. Each of ours gets its own folder, removed with it."""
    foundry_tmp = Path.home() / ".foundry" / "anvil" / "tmp"
    before = set(foundry_tmp.iterdir()) if foundry_tmp.exists() else set()
    with service.start() as info:  # a test's private anvil
        private = _cache_path(info.pid)
        assert private.is_dir()
    assert not private.exists()
    code, _, err = cli("devnet", "up", "--port", str(service.free_ports(len(LOCAL_CHAINS))))
    assert code == 0, err
    folders = [_cache_path(service.status(chain).pid) for chain in LOCAL_CHAINS]
    assert all(folder.is_dir() for folder in folders) and len(set(folders)) == 2
    code, _, err = cli("devnet", "down")
    assert code == 0, err
    assert not any(folder.exists() for folder in folders)
    assert (set(foundry_tmp.iterdir()) if foundry_tmp.exists() else set()) == before
