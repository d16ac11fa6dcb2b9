"""Starting and stopping anvil processes.

A local chain is reproducible: a fixed chain id (see localchains), a fixed genesis time, and one second between
blocks, so two builds make the same chain and block timestamps never follow the wall clock.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from web3 import Web3

from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.node import connect, rpc

GENESIS_TIMESTAMP = 1767225600  # 2026-01-01T00:00:00Z
HOST = "127.0.0.1"
READY_TIMEOUT_S = 30.0
# The next block's base fee after a start, in wei: a mainnet-like 5 gwei rather than the 7 wei a
# quiet devnet decays to, so `compare` on the devnet weighs gas against interest as on mainnet.
# It then moves by EIP-1559's rule with the devnet's own (mostly light) blocks.
MAINNET_LIKE_BASE_FEE_WEI = 5 * 10**9


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already accepts connections on localhost:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def rpc_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def launch(
    binary: Path, port: int, *, chain_id: int, state: Path | None, log: Path | None, detach: bool, states: Path
) -> subprocess.Popen[bytes]:
    """Start anvil on `port` serving `chain_id`, from a saved `state` or from the fixed genesis, and wait until it answers.

    `detach` puts it in its own session so it outlives the command that started it (`up`).
    `states` is where anvil keeps the past blocks' states it moves out of memory (the devnet's
    90 days of feed history make that a gigabyte or more): a folder the caller removes when
    the anvil stops. Without it anvil writes them under ~/.foundry/anvil/tmp and leaves them
    there when it is stopped, so every run would leave another gigabyte behind.
    """
    if port_in_use(port):
        raise DevnetError(f"port {port} is already in use: pick another with --port")
    args = [str(binary), "--host", HOST, "--port", str(port), "--chain-id", str(chain_id), "--cache-path", str(states)]
    args += ["--load-state", str(state)] if state else ["--timestamp", str(GENESIS_TIMESTAMP)]
    out: IO[bytes] | int = open(log, "ab") if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if log else subprocess.PIPE,
            start_new_session=detach,
        )
    finally:
        if not isinstance(out, int):
            out.close()
    _wait_ready(process, port, log)
    w3 = connect(rpc_url(port))
    pin_clock(w3)
    rpc(w3, "anvil_setNextBlockBaseFeePerGas", [hex(MAINNET_LIKE_BASE_FEE_WEI)])
    return process


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path | None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_bytes() if log else (process.stderr.read() if process.stderr else b"")
            lines = [line for line in output.decode(errors="replace").splitlines() if line.strip()]
            raise DevnetError(f"anvil exited at start: {lines[-1] if lines else process.returncode}")
        if port_in_use(port):
            return
        time.sleep(0.05)
    stop(process)
    raise DevnetError(f"anvil did not answer on port {port} within {READY_TIMEOUT_S:.0f}s")


def pin_clock(w3: Web3) -> None:
    """Make block time advance one second per block from the latest block's timestamp.

    After --load-state anvil's clock jumps to the wall clock; without this the next block would
    be months after the snapshot and every interest figure would depend on when tests ran.
    """
    latest = w3.eth.get_block("latest")["timestamp"]
    rpc(w3, "anvil_setTime", [latest])
    rpc(w3, "anvil_setBlockTimestampInterval", [1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate an anvil we started and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


@contextlib.contextmanager
def running(binary: Path, port: int, *, chain_id: int, state: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """An anvil that lives for the `with` block, its persisted states removed with it."""
    with tempfile.TemporaryDirectory(prefix="chainwatch-anvil-states-") as states:
        process = launch(binary, port, chain_id=chain_id, state=state, log=None, detach=False, states=Path(states))
        try:
            yield process
        finally:
            stop(process)
