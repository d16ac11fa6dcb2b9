"""The outbox under SIGKILL between commit and delivery (issue 13): a watch killed while its
first alert is on the wire loses nothing and, restarted, delivers it; nothing is sent twice
under two ids, and a webhook that kept the first copy can drop the retry by its outbox id.

The kill is exact, not timed: the webhook webhook itself SIGKILLs the watch when the alert
arrives, before answering, so the alert's row is committed and its delivery is unconfirmed.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from decimal import Decimal

import pytest

from chainwatch.chains import get_chain
from chainwatch.devnet.controls import mine, set_btc_price
from chainwatch.snapshot import read_snapshot

D = Decimal


def start_watch(chain, db, url) -> tuple[subprocess.Popen, queue.Queue[str]]:
    wallet = chain.deployment.demo_wallets["A"]
    process = subprocess.Popen(
        [sys.executable, "-m", "chainwatch", "watch", wallet, "--chain", "devnet", "--rpc", chain.rpc_url,
         "--every", "1", "--ltv", "0.3", "--notify", url, "--db", str(db)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "400"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    return process, lines


def wait_for(lines: queue.Queue[str], pattern: str) -> str:
    seen = ""
    while not re.search(pattern, seen):
        seen += lines.get(timeout=60)  # a safety net, not a timing assertion
    return seen


@pytest.mark.parametrize("kept", [False, True], ids=["webhook-lost-it", "webhook-kept-it"])
def test_sigkill_between_commit_and_delivery_loses_nothing_and_sends_nothing_twice(chain, tmp_path, webhook, kept):
    wallet = chain.deployment.demo_wallets["A"]
    (position,) = read_snapshot(get_chain("devnet", None), [wallet], rpc=[chain.rpc_url]).positions
    set_btc_price(chain.w3, chain.deployment, (position.btc_price_usd * position.ltv / D("0.4")).quantize(D("0.01")))
    db = tmp_path / "history.sqlite3"

    first, _ = start_watch(chain, db, webhook.url("/alerts"))
    webhook.on_post = lambda: (os.kill(first.pid, signal.SIGKILL), kept)[1]
    assert first.wait(timeout=60) == -signal.SIGKILL
    (on_the_wire,) = webhook.posts
    assert on_the_wire["headers"]["X-Chainwatch-Alert-Id"] == "1"
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT id, event, attempts, delivered_at FROM outbox").fetchall() == [
        (1, "crossed", 0, None)
    ]  # committed with its reading, not yet confirmed
    assert connection.execute("SELECT line FROM alert_state").fetchall() == [("ltv:0.3",)]
    connection.close()

    second, lines = start_watch(chain, db, webhook.url("/alerts"))
    try:
        for _ in range(2):
            wait_for(lines, r"stored block")
            mine(chain.w3)
    finally:
        second.send_signal(signal.SIGTERM)
        rest = second.communicate(timeout=60)[1]
    assert second.returncode == 0, rest
    crossed = [p for p in webhook.posts if "crossed LTV 30%" in p["json"]["title"]]
    assert [p["headers"]["X-Chainwatch-Alert-Id"] for p in crossed] == ["1", "1"]  # the same alert, retried
    assert [p["accepted"] for p in crossed] == [kept, True]
    accepted = webhook.ids()
    assert sorted(set(accepted)) == [1, 2] and accepted.count(2) == 1  # by id: each once
    (stopped,) = [p["json"] for p in webhook.posts if p["headers"]["X-Chainwatch-Alert-Id"] == "2"]
    assert stopped["title"] == "chainwatch STOPPED watching devnet" and "SIGTERM" in stopped["message"]
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT id, event, delivered_at IS NOT NULL FROM outbox ORDER BY id").fetchall() == [
        (1, "crossed", 1), (2, "stopped", 1),
    ]  # fmt: skip
    connection.close()
