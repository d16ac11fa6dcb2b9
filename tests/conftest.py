"""Shared fixtures: a private devnet anvil (real Aave v3 bytecode) for chain tests.

`devnet` starts one anvil per test session from the cached snapshot on a free localhost port
(the first run on a machine builds the snapshot: npm ci, compile, deploy — about a minute).
`chain` wraps each test in evm_snapshot/evm_revert, so no test sees another's transactions,
price moves or time jumps.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from web3 import Web3

from chainwatch.cli import main
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.node import rpc
from chainwatch.devnet.service import DevnetInfo, start

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


@pytest.fixture(scope="session", autouse=True)
def private_user_dirs(tmp_path_factory) -> Iterator[None]:
    """Keep the developer's own config and history out of the tests (and the tests out of them).

    The devnet cache stays shared on purpose: it is keyed by its inputs and slow to rebuild.
    """
    patch = pytest.MonkeyPatch()
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        patch.setenv(var, str(tmp_path_factory.mktemp(var.lower())))
    for var in ("CHAINWATCH_ADDRESS_BOOK", "CHAINWATCH_RPC_URL", "ETH_RPC_URL", "CHAINWATCH_DB"):
        patch.delenv(var, raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def devnet() -> Iterator[Devnet]:
    with start() as info:
        yield Devnet(rpc_url=info.rpc_url, w3=info.web3(), deployment=info.deployment, info=info)


@pytest.fixture
def chain(devnet: Devnet) -> Iterator[Devnet]:
    """The session devnet, rolled back to its state before the test when the test ends."""
    snapshot_id = rpc(devnet.w3, "evm_snapshot")
    try:
        yield devnet
    finally:
        rpc(devnet.w3, "evm_revert", [snapshot_id])


class CliResult(NamedTuple):
    """Unpacks as `code, out, err = cli(...)`."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys) -> Callable[..., CliResult]:
    """Run `chainwatch ARGS...` in-process as a user would: exit code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
