"""Ctrl-C stops a running watch cleanly — on a terminal (the live rich display) and in a pipe
(one log line per reading) — after finishing the reading in hand, with every reading stored."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from chainwatch.history import HistoryStore


def start_watch(chain, db, stderr) -> subprocess.Popen:
    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "C")]
    return subprocess.Popen(
        [sys.executable, "-c", "from chainwatch.cli import main; main()", "watch", *wallets,
         "--chain", "devnet", "--rpc", chain.rpc_url, "--every", "1", "--db", str(db)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        env={**os.environ, "COLUMNS": "200", "TERM": "xterm"},
    )  # fmt: skip


def read_until(fd: int, pattern: str, limit_s: float = 60) -> str:
    """Output of `fd` up to the first match of `pattern`, or up to `limit_s` of silence or waiting.

    The wait is bounded by `select`, so a process that stops writing fails the test with what it
    printed instead of blocking the suite."""
    seen, deadline = b"", time.monotonic() + limit_s
    while not re.search(pattern, seen.decode(errors="replace")):
        remaining = deadline - time.monotonic()
        assert remaining > 0, (
            f"no {pattern!r} within {limit_s}s; output ends:\n" + seen.decode(errors="replace")[-2000:]
        )
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the pty closes when the process exits
            break
        if not chunk:
            break
        seen += chunk
    return seen.decode(errors="replace")


@pytest.mark.parametrize("terminal", [True, False], ids=["live-display", "log-lines"])
def test_ctrl_c_stops_after_the_reading_in_hand(chain, tmp_path, terminal):
    db = tmp_path / "history.sqlite3"
    reader_fd, writer_fd = pty.openpty() if terminal else os.pipe()
    process = start_watch(chain, db, writer_fd)
    os.close(writer_fd)
    try:
        # The live display draws the positions table; the log path prints one line per reading.
        first = read_until(reader_fd, r"spark" if terminal else r"stored block \d+")
        assert ("aave-v3" in first and "LTV" in first) if terminal else "2 positions" in first
        process.send_signal(signal.SIGINT)
        rest = read_until(reader_fd, r"stopped after \d+ readings")
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(reader_fd)
    assert process.returncode == 0
    assert "Traceback" not in first + rest
    stopped = re.search(r"stopped after (\d+) readings", rest)
    assert stopped, rest[-1500:]
    readings = int(stopped[1])
    # Nothing mines while the watch runs: every reading is of the same head block, stored once,
    # its two positions new only the first time.
    with HistoryStore.open(str(db)) as store:
        assert store.stored_blocks(31337) == [chain.w3.eth.block_number]
        for wallet in ("A", "C"):
            assert len(store.history(chain.deployment.demo_wallets[wallet])) == 1
    if terminal:  # the live display redraws in place: how many readings fit before the signal varies
        assert readings >= 1
    else:  # one log line per reading, every one counted
        lines = re.findall(r"stored block \d+ .*: 2 positions, (\d+) new readings", first + rest)
        assert readings == len(lines) and lines == ["2"] + ["0"] * (readings - 1)
