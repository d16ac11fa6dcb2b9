"""Fixtures for the fault tests: proxies in front of the session devnet, and the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from proxy import FaultProxy  # tests/faults is on sys.path (pytest's rootdir-relative import)

from chainwatch.cli import main

TIMEOUT = "0.5"  # seconds, so that a hang costs the suite little


@pytest.fixture
def fast_rpc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINWATCH_RPC_TIMEOUT", TIMEOUT)
    for var in ("CHAINWATCH_RPC_URL", "ETH_RPC_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def proxies(chain: Any, fast_rpc: None) -> Iterator[Callable[..., FaultProxy]]:
    """Make fault proxies in front of the (per-test, rolled back) devnet."""
    made: list[FaultProxy] = []

    def make(**options: Any) -> FaultProxy:
        proxy = FaultProxy(chain.rpc_url, hang_seconds=2.0, **options)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture
def track(chain: Any, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `chainwatch track --format json` on the demo wallets through the given endpoints."""
    wallets = list(chain.deployment.demo_wallets.values())

    def run(*urls: str, block: int | None = None) -> tuple[int, str, str]:
        args = ["track", *wallets, "--chain", "devnet", "--format", "json"]
        args += [arg for url in urls for arg in ("--rpc", url)]
        args += ["--block", str(block)] if block is not None else []
        capsys.readouterr()
        try:
            main(args)
            code = 0
        except SystemExit as exit_:
            code = exit_.code or 0
        out, err = capsys.readouterr()
        return code, out, err

    return run


def positions(out: str) -> dict[str, Any]:
    return json.loads(out)
