"""`watch` with no wallet named takes everything from the config file: its wallets and CeFi
loans, its thresholds, its notify URLs (a real local webhook counts the deliveries) and its
database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from chainwatch.history import HistoryStore

pytestmark = pytest.mark.chain


def test_watch_reads_wallets_loans_thresholds_notify_and_db_from_the_config(chain, tmp_path, webhook):
    url = webhook.url()
    wallet = chain.deployment.demo_wallets["A"]
    began = datetime.fromtimestamp(chain.w3.eth.get_block("latest")["timestamp"], UTC) - timedelta(days=1)
    db = tmp_path / "from-config.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(
        f'chains = ["devnet"]\nnotify = ["{url}"]\ndb = "{db}"\n\n[thresholds]\nltv = [0.1]\n\n'
        f'[[wallets]]\naddress = "{wallet}"\n\n'
        f'[[loans]]\nname = "Nexo credit line"\nbtc = 0.5\ndebt_usd = 20000\napr = 0.139\ncompounding = "daily"\n'
        f"since = {began:%Y-%m-%dT%H:%M:%SZ}\nliquidation_ltv = 0.833\nmargin_call_ltv = 0.714\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from chainwatch.cli import main; main()", "watch", "--config", str(config),
         "--rpc", chain.rpc_url, "--every", "1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline()]  # the start line names what the config gave
        while "stored block" not in lines[-1] and lines[-1]:
            lines.append(process.stderr.readline())
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "watching 1 wallet(s) and 1 CeFi loan(s) on devnet" in output and str(db) in output
    assert "json://127.0.0.1" in output  # the config's notify URL, not "the terminal only"
    # LTV 10% (the config's line) is crossed by the wallet's loan and by the CeFi loan
    # ($20,000 against 0.5 BTC): one warning each, delivered to the config's webhook.
    messages = sorted(
        post["json"]["message"].split("\n")[0] for post in webhook.posts if "was stopped" not in post["json"]["message"]
    )
    assert len(messages) == 2, messages
    assert any(wallet in m and "aave-v3" in m for m in messages)
    assert any("cefi" in m and "Nexo credit line" in m for m in messages)
    with HistoryStore.open(str(db)) as store:
        assert [r.market for r in store.history("")][:1] == ["Nexo credit line"]
        assert store.history(wallet)
