"""Nothing committed is lost when a running watch is killed with SIGKILL, and the database it
leaves is consistent: every snapshot the watch reported as stored is there, complete."""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading

from chainwatch.devnet.controls import mine
from chainwatch.history import HistoryStore

STORED = re.compile(r"stored block (\d+) .*: (\d+) positions")


def test_sigkill_loses_no_completed_snapshot(chain, tmp_path):
    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "B", "C")]
    db = tmp_path / "history.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-c", "from chainwatch.cli import main; main()", "watch", *wallets,
         "--chain", "devnet", "--rpc", chain.rpc_url, "--every", "1", "--db", str(db)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "400"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    reported: dict[int, int] = {}
    try:
        while len(reported) < 4:
            line = lines.get(timeout=60)  # a safety net, not a timing assertion
            if match := STORED.search(line):
                reported[int(match[1])] = int(match[2])
                mine(chain.w3)  # a new block for the next reading
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    orphans = connection.execute(
        "SELECT count(*) FROM positions p WHERE NOT EXISTS (SELECT 1 FROM holdings h WHERE h.position_id = p.id)"
    ).fetchone()
    assert orphans == (0,)  # no position stored without its holdings
    connection.close()
    with HistoryStore.open(str(db)) as store:
        stored = store.stored_blocks(31337)
        for block, count in reported.items():
            assert block in stored
            snapshot = store.snapshot_at(31337, block)
            assert len(snapshot.positions) == count == 3
            assert all(p.collateral and p.debt for p in snapshot.positions)
