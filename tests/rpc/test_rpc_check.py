"""`chainwatch rpc check` against the devnet, directly and behind a faulty proxy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from chainwatch.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "faults"))
from proxy import FAKE_KEY, FaultProxy  # noqa: E402


def _check(capsys, *urls: str, fmt: str = "json") -> tuple[int, str, str]:
    args = ["rpc", "check", "--chain", "devnet", "--format", fmt, *[a for u in urls for a in ("--rpc", u)]]
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.chain
def test_reports_each_endpoint_and_which_are_usable(devnet, capsys):
    with FaultProxy(devnet.rpc_url).always("wrong-chain") as other_chain:
        code, out, _ = _check(capsys, devnet.rpc_url, other_chain.url, "http://127.0.0.1:9/v2/" + FAKE_KEY)
    assert code == 0
    direct, wrong, dead = json.loads(out)["endpoints"]
    assert direct["usable"] and direct["chain_id"] == 31337
    assert direct["head"] == devnet.w3.eth.block_number
    assert direct["archive"] is True and direct["batch_limit"] == 10
    assert direct["gas_cap"] >= 30_000_000  # anvil caps nothing below our 1e10 ask
    assert wrong["chain_id"] == 1 and not wrong["usable"]
    assert dead["error"] == "http://127.0.0.1:9/… cannot connect" and not dead["usable"]
    assert FAKE_KEY not in out


@pytest.mark.chain
def test_no_usable_endpoint_exits_1(devnet, capsys):
    with FaultProxy(devnet.rpc_url).always("500") as broken:
        code, out, err = _check(capsys, broken.url, fmt="table")
    assert code == 1
    assert "HTTP 500" in out and FAKE_KEY not in out + err
    assert err.strip() == "error: no endpoint serves devnet (chain id 31337)"
