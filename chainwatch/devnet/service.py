"""The local chains as a service: `up`/`down`/`status` of long-lived anvils, and `start` for a
private one.

`up` leaves one anvil per local chain (the devnet on its port, devnet-l2 on the next) running in
the background for the demo and manual use and records each in <cache>/run/; `down` stops only
those processes, after checking that each recorded pid still is our anvil (a pid may be reused
by an unrelated process). `start` gives tests a throwaway anvil of one chain on a free port that
dies with the `with` block. Both load the cached snapshot, so they take seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from web3 import Web3

from chainwatch.devnet import anvil, toolchain
from chainwatch.devnet.cache import cache_root
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.localchains import DEVNET, LOCAL_CHAINS, LocalChain
from chainwatch.devnet.node import connect
from chainwatch.devnet.ports import DEFAULT_PORT
from chainwatch.devnet.snapshot import DEPLOYMENT_FILE, ensure_snapshot
from chainwatch.files import write_atomic


@dataclass(frozen=True)
class DevnetInfo:
    """A running local chain: which, where to reach it, its process, its latest block and its
    addresses."""

    chain: LocalChain
    rpc_url: str
    pid: int
    block: int
    deployment: Deployment

    def web3(self) -> Web3:
        return connect(self.rpc_url)


@dataclass(frozen=True)
class _RunRecord:
    """What `up` writes to <cache>/run/ (anvil.json for the devnet, anvil-devnet-l2.json) so
    later commands can find and check it."""

    pid: int
    port: int
    binary: str
    deployment: str  # path of the snapshot's deployment.json

    @property
    def rpc_url(self) -> str:
        return anvil.rpc_url(self.port)


def _run_dir() -> Path:
    return cache_root() / "run"


def _run_name(chain: LocalChain) -> str:
    """The run files' stem: `anvil` for the devnet, as before there were two chains."""
    return "anvil" if chain == DEVNET else f"anvil-{chain.name}"


def _command_line(pid: int) -> str:
    """The process's command line, or "" if there is no such process."""
    # -ww: never cut the line at the terminal's width, or the long cached binary path would hide
    # the --port argument and a live devnet would look like a stranger's process.
    done = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _running_record(chain: LocalChain) -> _RunRecord | None:
    """The record of the anvil `up` started for `chain`, if that very process is still alive."""
    try:
        record = _RunRecord(**json.loads((_run_dir() / f"{_run_name(chain)}.json").read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None
    command = _command_line(record.pid)
    if command.startswith(record.binary) and f"--port {record.port}" in command:
        return record
    _forget(chain)
    return None


def _forget(chain: LocalChain) -> None:
    for suffix in (".json", ".pid"):
        with contextlib.suppress(FileNotFoundError):
            (_run_dir() / f"{_run_name(chain)}{suffix}").unlink()


def _info(chain: LocalChain, rpc_url: str, pid: int, deployment: Deployment) -> DevnetInfo:
    try:
        block = connect(rpc_url).eth.block_number
    except Exception as exc:  # requests/web3 errors: keep the one-line contract
        raise DevnetError(f"{chain.name} at {rpc_url} (pid {pid}) does not answer: {type(exc).__name__}") from exc
    return DevnetInfo(chain=chain, rpc_url=rpc_url, pid=pid, block=block, deployment=deployment)


def status(chain: LocalChain = DEVNET) -> DevnetInfo | None:
    """The anvil `up` started for `chain`, or None when none is running."""
    record = _running_record(chain)
    if record is None:
        return None
    try:
        deployment = Deployment.from_json(Path(record.deployment).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        raise DevnetError(
            f"the {chain.name} at {record.rpc_url} (pid {record.pid}) runs an older build: "
            "`chainwatch devnet up` restarts it"
        ) from None
    return _info(chain, record.rpc_url, record.pid, deployment)


def statuses() -> list[DevnetInfo]:
    """Every local chain `up` started that still runs, the devnet first."""
    return [info for info in (status(chain) for chain in LOCAL_CHAINS) if info is not None]


def up(port: int = DEFAULT_PORT) -> list[DevnetInfo]:
    """Start every local chain in the background, the devnet on `port` and each other chain on
    its offset from it (building the snapshot on first use); idempotent.

    A chain left running from an older build (the contracts or the deploy changed since) is
    restarted from the current snapshot, so `demo` after an upgrade shows the current world.
    """
    snapshot = ensure_snapshot()
    return [_up(chain, chain.port(port), built.state) for chain, built in snapshot.chains.items()]


def _up(chain: LocalChain, port: int, state: Path) -> DevnetInfo:
    deployment_file = str(state.parent / DEPLOYMENT_FILE)
    deployment = Deployment.from_json(Path(deployment_file).read_text())
    record = _running_record(chain)
    if record is not None:
        if record.deployment != deployment_file:
            _down(chain)
        elif record.rpc_url == anvil.rpc_url(port):
            return _info(chain, record.rpc_url, record.pid, deployment)
        else:
            raise DevnetError(
                f"a {chain.name} is already running at {record.rpc_url}: run `chainwatch devnet down` first"
            )
    binary = toolchain.anvil_binary()
    run_dir = _run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    name = _run_name(chain)
    states = _states_dir(chain)
    shutil.rmtree(states, ignore_errors=True)  # a run killed without `down` left its states behind
    states.mkdir()
    process = anvil.launch(
        binary, port, chain_id=chain.chain_id, state=state, log=run_dir / f"{name}.log", detach=True, states=states
    )
    record = _RunRecord(process.pid, port, str(binary), deployment_file)
    write_atomic(run_dir / f"{name}.pid", f"{process.pid}\n".encode())
    write_atomic(run_dir / f"{name}.json", json.dumps(asdict(record), indent=2).encode())
    return _info(chain, record.rpc_url, process.pid, deployment)


def down() -> bool:
    """Stop every local chain `up` started; False if none was running. Never touches other
    processes."""
    stopped = [_down(chain) for chain in LOCAL_CHAINS]
    return any(stopped)


def _down(chain: LocalChain) -> bool:
    record = _running_record(chain)
    if record is None:
        return False
    pid = record.pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    _forget(chain)
    shutil.rmtree(_states_dir(chain), ignore_errors=True)
    return True


def _states_dir(chain: LocalChain) -> Path:
    """Where an `up` anvil of `chain` keeps the past states it moves out of memory (see
    anvil.launch); removed by `down`."""
    return _run_dir() / f"{_run_name(chain)}-states"


def _alive(pid: int) -> bool:
    """Whether `pid` still runs; reaps it first when it is our own child (`up` and `down` in one process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return bool(_command_line(pid))


def free_ports(count: int) -> int:
    """The first of `count` consecutive localhost ports that can all be bound right now: a
    `--port` for `up` (the devnet on the first, devnet-l2 on the next)."""
    for _ in range(100):
        first = anvil.free_port()
        if all(_bindable(first + offset) for offset in range(1, count)):
            return first
    raise DevnetError(f"no {count} consecutive free ports found on {anvil.HOST}")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((anvil.HOST, port))
        except OSError:
            return False
        return True


@contextlib.contextmanager
def start(port: int | None = None, chain: LocalChain = DEVNET) -> Iterator[DevnetInfo]:
    """A private anvil of `chain` from the snapshot, on `port` or a free one, stopped when the
    block ends."""
    built = ensure_snapshot().chains[chain]
    port = port or anvil.free_port()
    with anvil.running(toolchain.anvil_binary(), port, chain_id=chain.chain_id, state=built.state) as process:
        yield _info(chain, anvil.rpc_url(port), process.pid, built.deployment)
