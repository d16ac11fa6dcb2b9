"""Fixtures for the fault tests: proxies in front of the session devnet, and `track` through them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import CliResult
from tests.helpers.fault_proxy import FaultProxy

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
def track(chain: Any, cli: Callable[..., CliResult]) -> Callable[..., CliResult]:
    """Run `chainwatch track --format json` on the demo wallets through the given endpoints."""
    wallets = list(chain.deployment.demo_wallets.values())

    def run(*urls: str, block: int | None = None, more: Path | None = None) -> CliResult:
        """`more`: a wallets file read too (many wallets make mainnet-sized batches)."""
        args = ["track", *wallets, "--chain", "devnet", "--format", "json"]
        args += [arg for url in urls for arg in ("--rpc", url)]
        args += ["--block", str(block)] if block is not None else []
        args += ["--wallets", str(more)] if more is not None else []
        return cli(*args)

    return run
