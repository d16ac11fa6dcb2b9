"""The devnet as a service: `up`/`down`/`status` of a long-lived anvil, and `start` for a private one.

`up` leaves one anvil running in the background for the demo and manual use and records it in
<cache>/run/; `down` stops only that process, after checking that the recorded pid still is our
anvil (a pid may be reused by an unrelated process). `start` gives tests a throwaway anvil on a
free port that dies with the `with` block. Both load the cached snapshot, so they take seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
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
from chainwatch.devnet.node import connect
from chainwatch.devnet.ports import DEFAULT_PORT
from chainwatch.devnet.snapshot import DEPLOYMENT_FILE, ensure_snapshot
from chainwatch.files import write_atomic


@dataclass(frozen=True)
class DevnetInfo:
    """A running devnet: where to reach it, its process, its latest block and its addresses."""

    rpc_url: str
    pid: int
    block: int
    deployment: Deployment

    def web3(self) -> Web3:
        return connect(self.rpc_url)


@dataclass(frozen=True)
class _RunRecord:
    """What `up` writes to <cache>/run/anvil.json so later commands can find and check it."""

    pid: int
    port: int
    binary: str
    deployment: str  # path of the snapshot's deployment.json

    @property
    def rpc_url(self) -> str:
        return anvil.rpc_url(self.port)


def _run_dir() -> Path:
    return cache_root() / "run"


def _command_line(pid: int) -> str:
    """The process's command line, or "" if there is no such process."""
    # -ww: never cut the line at the terminal's width, or the long cached binary path would hide
    # the --port argument and a live devnet would look like a stranger's process.
    done = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _running_record() -> _RunRecord | None:
    """The record of the anvil `up` started, if that very process is still alive."""
    try:
        record = _RunRecord(**json.loads((_run_dir() / "anvil.json").read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None
    command = _command_line(record.pid)
    if command.startswith(record.binary) and f"--port {record.port}" in command:
        return record
    _forget()
    return None


def _forget() -> None:
    for name in ("anvil.json", "anvil.pid"):
        with contextlib.suppress(FileNotFoundError):
            (_run_dir() / name).unlink()


def _info(rpc_url: str, pid: int, deployment: Deployment) -> DevnetInfo:
    try:
        block = connect(rpc_url).eth.block_number
    except Exception as exc:  # requests/web3 errors: keep the one-line contract
        raise DevnetError(f"devnet at {rpc_url} (pid {pid}) does not answer: {type(exc).__name__}") from exc
    return DevnetInfo(rpc_url=rpc_url, pid=pid, block=block, deployment=deployment)


def status() -> DevnetInfo | None:
    """The devnet `up` started, or None when none is running."""
    record = _running_record()
    if record is None:
        return None
    try:
        deployment = Deployment.from_json(Path(record.deployment).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        raise DevnetError(
            f"the devnet at {record.rpc_url} (pid {record.pid}) runs an older build: `chainwatch devnet up` restarts it"
        ) from None
    return _info(record.rpc_url, record.pid, deployment)


def up(port: int = DEFAULT_PORT) -> DevnetInfo:
    """Start the background devnet on `port` (building the snapshot on first use); idempotent.

    A devnet left running from an older build (the contracts or the deploy changed since) is
    restarted from the current snapshot, so `demo` after an upgrade shows the current world.
    """
    snapshot = ensure_snapshot()
    record = _running_record()
    if record is not None:
        if record.deployment != str(snapshot.state.parent / DEPLOYMENT_FILE):
            down()
        elif record.rpc_url == anvil.rpc_url(port):
            return _info(record.rpc_url, record.pid, snapshot.deployment)
        else:
            raise DevnetError(f"a devnet is already running at {record.rpc_url}: run `chainwatch devnet down` first")
    binary = toolchain.anvil_binary()
    run_dir = _run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    process = anvil.launch(binary, port, state=snapshot.state, log=run_dir / "anvil.log", detach=True)
    record = _RunRecord(process.pid, port, str(binary), str(snapshot.state.parent / DEPLOYMENT_FILE))
    write_atomic(run_dir / "anvil.pid", f"{process.pid}\n".encode())
    write_atomic(run_dir / "anvil.json", json.dumps(asdict(record), indent=2).encode())
    return _info(record.rpc_url, process.pid, snapshot.deployment)


def down() -> bool:
    """Stop the devnet `up` started; False if none was running. Never touches other processes."""
    record = _running_record()
    if record is None:
        return False
    pid = record.pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    _forget()
    return True


def _alive(pid: int) -> bool:
    """Whether `pid` still runs; reaps it first when it is our own child (`up` and `down` in one process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return bool(_command_line(pid))


@contextlib.contextmanager
def start(port: int | None = None) -> Iterator[DevnetInfo]:
    """A private devnet from the snapshot, on `port` or a free one, stopped when the block ends."""
    snapshot = ensure_snapshot()
    port = port or anvil.free_port()
    with anvil.running(toolchain.anvil_binary(), port, state=snapshot.state) as process:
        yield _info(anvil.rpc_url(port), process.pid, snapshot.deployment)
