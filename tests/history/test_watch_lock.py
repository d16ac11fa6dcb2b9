"""One watch per history database (issue 13, seen 5: two watches on one database sent every
alert twice). A second `watch` on the same database, SQLite or the real PostgreSQL, exits 1
with one line naming the running one; once that one stops, a new watch starts."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading


def start_watch(chain, db: str) -> subprocess.Popen:
    wallet = chain.deployment.demo_wallets["A"]
    return subprocess.Popen(
        [sys.executable, "-m", "chainwatch", "watch", wallet, "--chain", "devnet", "--rpc", chain.rpc_url,
         "--every", "1", "--db", db],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "400"},
    )  # fmt: skip


def wait_for(process: subprocess.Popen, text: str) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    seen = ""
    while text not in seen:
        seen += lines.get(timeout=60)  # a safety net, not a timing assertion
    return seen


def test_a_second_watch_on_the_same_database_is_refused(chain, db_url):
    first = start_watch(chain, db_url)
    try:
        wait_for(first, "stored block")
        second = start_watch(chain, db_url)
        try:
            _, err = second.communicate(timeout=120)
        finally:
            if second.poll() is None:  # the defect: it runs beside the first
                second.kill()
                second.wait()
        assert second.returncode == 1, err
        (line,) = err.strip().splitlines()
        assert line.startswith("error: another watch is using ")
        assert f"pid {first.pid} " in line and "Traceback" not in err
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
    assert first.returncode == 0
    third = start_watch(chain, db_url)  # the lock went with the first watch
    try:
        wait_for(third, "stored block")
    finally:
        third.send_signal(signal.SIGINT)
        third.wait(timeout=60)
