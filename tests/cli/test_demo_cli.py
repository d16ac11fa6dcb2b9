"""`chainwatch demo` and `chainwatch devnet up|down|status`, as a user runs them."""

from __future__ import annotations

import csv
import json

import pytest

from chainwatch.devnet import anvil, service


@pytest.fixture
def own_run_dir(tmp_path, monkeypatch):
    """Keep this test's background devnet apart from any devnet the developer has running."""
    monkeypatch.setattr(service, "_run_dir", lambda: tmp_path / "run")
    yield
    service.down()


def test_demo_starts_the_chain_and_writes_the_csv(own_run_dir, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = str(anvil.free_port())
    code, out, err = cli("demo", "--port", port)
    assert code == 0, err
    assert "WBTC" in out and "aave-v3" in out and "spark" in out
    assert "positions.csv" in err
    rows = list(csv.DictReader((tmp_path / "positions.csv").open()))
    assert {r["protocol"] for r in rows} >= {"aave-v3", "spark"}
    assert all(r["chain"] == "devnet" for r in rows)

    code, _, err = cli("devnet", "status")
    assert code == 0 and f"127.0.0.1:{port}" in err
    code, _, err = cli("devnet", "up", "--port", port)  # idempotent
    assert code == 0 and "devnet running" in err
    code, _, err = cli("devnet", "up", "--port", str(int(port) + 1))
    assert code == 1 and "already running" in err
    code, _, err = cli("devnet", "down")
    assert code == 0 and "devnet stopped" in err
    code, _, err = cli("devnet", "status")
    assert code == 0 and "no devnet running" in err


def test_up_restarts_a_devnet_left_from_an_older_build(own_run_dir, cli, tmp_path):
    port = str(anvil.free_port())
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
