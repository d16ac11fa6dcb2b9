"""`chainwatch rpc check` against the devnet, directly and behind a faulty proxy."""

from __future__ import annotations

import json

from tests.helpers.cli import CliResult
from tests.helpers.fault_proxy import FAKE_KEY, FaultProxy


def _check(cli, *urls: str, fmt: str = "json") -> CliResult:
    return cli("rpc", "check", "--chain", "devnet", "--format", fmt, *[a for u in urls for a in ("--rpc", u)])


def test_reports_each_endpoint_and_which_are_usable(devnet, cli):
    with FaultProxy(devnet.rpc_url).always("wrong-chain") as other_chain:
        code, out, _ = _check(cli, devnet.rpc_url, other_chain.url, "http://127.0.0.1:9/v2/" + FAKE_KEY)
    assert code == 0
    direct, wrong, dead = json.loads(out)["endpoints"]
    assert direct["usable"] and direct["chain_id"] == 31337
    assert direct["head"] == devnet.w3.eth.block_number
    assert direct["archive"] is True and direct["batch_limit"] == 10
    assert direct["gas_cap"] >= 30_000_000  # anvil caps nothing below our 1e10 ask
    assert wrong["chain_id"] == 1 and not wrong["usable"]
    assert dead["error"] == "http://127.0.0.1:9/… cannot connect" and not dead["usable"]
    assert FAKE_KEY not in out


def test_no_usable_endpoint_exits_4(devnet, cli):
    with FaultProxy(devnet.rpc_url).always("500") as broken:
        code, out, err = _check(cli, broken.url, fmt="table")
    assert code == 4  # could not read
    assert "HTTP 500" in out and FAKE_KEY not in out + err
    assert err.strip() == "error: no endpoint serves devnet (chain id 31337)"
