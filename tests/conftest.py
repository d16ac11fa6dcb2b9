"""Shared fixtures: private anvils of the local chains (real Aave v3 and Morpho Blue bytecode).

`devnet` starts one anvil per test session from the cached snapshot on a free localhost port
(the first run on a machine builds the snapshot of both local chains: npm ci, compile, deploy —
about a minute and a half); `devnet_l2` does the same for the second local chain, devnet-l2
(chain id 31338, cbBTC), started only by the sessions that use it. `chain` and `chain_l2` wrap
each test in evm_snapshot/evm_revert, so no test sees another's transactions, price moves or
time jumps. Every test that uses any of them (directly or through another fixture) is marked
`chain` at collection, so `pytest -m "not chain"` runs the rest without anvil.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from web3 import Web3

from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.localchains import DEVNET_L2
from chainwatch.devnet.node import rpc
from chainwatch.devnet.service import DevnetInfo, start
from tests.helpers.cli import CliResult, run_cli
from tests.helpers.receivers import Webhook, webhook_receiver

# A run started in the background (`./scripts/test.sh &`) inherits SIGINT ignored, and so would
# every CLI a test starts: the Ctrl-C tests need it delivered, as in a terminal.
signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass(frozen=True)
class Devnet:
    """What a chain test needs: the endpoint, a client and every deployed address."""

    rpc_url: str
    w3: Web3
    deployment: Deployment
    info: DevnetInfo


# Fixtures that start or need an anvil devnet; a test using any of them, however indirectly
# (pytest's fixture closure), is a `chain` test. `devnet_run_dir` is for tests that start one
# through the CLI (`chainwatch demo`, `devnet up`).
DEVNET_FIXTURES = frozenset({"devnet", "devnet_l2", "devnet_run_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the devnet `chain`, so no test file has to remember to."""
    for item in items:
        if DEVNET_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.chain)


@pytest.fixture(scope="session", autouse=True)
def private_user_dirs(tmp_path_factory) -> Iterator[None]:
    """Keep the developer's own config and history out of the tests (and the tests out of them).

    The devnet cache stays shared on purpose: it is keyed by its inputs and slow to rebuild.
    """
    patch = pytest.MonkeyPatch()
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        patch.setenv(var, str(tmp_path_factory.mktemp(var.lower())))
    for var in ("CHAINWATCH_ADDRESS_BOOK", "CHAINWATCH_RPC_URL", "ETH_RPC_URL", "CHAINWATCH_DB", "CHAINWATCH_CONFIG"):
        patch.delenv(var, raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def devnet() -> Iterator[Devnet]:
    with start() as info:
        yield Devnet(rpc_url=info.rpc_url, w3=info.web3(), deployment=info.deployment, info=info)


@pytest.fixture(scope="session")
def devnet_l2() -> Iterator[Devnet]:
    with start(chain=DEVNET_L2) as info:
        yield Devnet(rpc_url=info.rpc_url, w3=info.web3(), deployment=info.deployment, info=info)


def _rolled_back(devnet: Devnet) -> Iterator[Devnet]:
    snapshot_id = rpc(devnet.w3, "evm_snapshot")
    try:
        yield devnet
    finally:
        rpc(devnet.w3, "evm_revert", [snapshot_id])


@pytest.fixture
def chain(devnet: Devnet) -> Iterator[Devnet]:
    """The session devnet, rolled back to its state before the test when the test ends."""
    yield from _rolled_back(devnet)


@pytest.fixture
def chain_l2(devnet_l2: Devnet) -> Iterator[Devnet]:
    """The session devnet-l2, rolled back to its state before the test when the test ends."""
    yield from _rolled_back(devnet_l2)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `chainwatch ARGS...` in-process as a user would: exit code, stdout, stderr."""
    return functools.partial(run_cli, capsys)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A webhook receiver on 127.0.0.1 that keeps every POST (Apprise URL: `webhook.url()`)."""
    with webhook_receiver() as hook:
        yield hook
