"""One watch over the two local chains, devnet (WBTC) and devnet-l2 (cbBTC): both chains'
snapshots stored, each chain's alerts and "cannot read" its own, a slow chain holding up
nobody, and a restart resuming both chains' state. Deliveries go to a real local webhook.

Referees: each chain's eth_blockNumber, read directly; Aave's getUserAccountData for which side
of the line a loan is on; a fault proxy in front of devnet-l2 for a node that is down or slow.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from decimal import Decimal

from chainwatch.alerts import Notifier, Thresholds
from chainwatch.chains import get_chain
from chainwatch.devnet.controls import mine
from chainwatch.history import HistoryStore
from chainwatch.loanbook import load_loan_book
from chainwatch.watch import Watch
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.two_chains import aave_ltv, address_book, closed_port, move_to_ltv

D = Decimal
LINE = Thresholds.build([D("0.6")], relative=False)  # wallet A: about 33% on devnet, 50% on devnet-l2


def two_chain_watch(chain, store, url: str, l2_url: str, **options) -> Watch:
    return Watch(
        [get_chain("devnet", None), get_chain("devnet-l2", None)],
        [chain.deployment.demo_wallets["A"]],
        store=store,
        thresholds=LINE,
        notifier=Notifier([url]),
        rpc={"devnet": [chain.rpc_url], "devnet-l2": [l2_url]},
        **options,
    )


def titles(webhook) -> list[str]:
    return [body["title"] for body in webhook.bodies]


def test_both_chains_are_stored_and_a_devnet_l2_crossing_is_sent_once(chain, chain_l2, tmp_path, webhook):
    wallet = chain.deployment.demo_wallets["A"]
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        watch = two_chain_watch(chain, store, webhook.url(), chain_l2.rpc_url)
        first = watch.tick()
        assert [(r.chain, r.snapshot.block_number, r.error) for r in first.chains] == [
            ("devnet", chain.w3.eth.block_number, None),
            ("devnet-l2", chain_l2.w3.eth.block_number, None),
        ]
        assert first.events == []
        move_to_ltv(chain_l2, wallet, "0.62")
        assert aave_ltv(chain_l2, wallet) > D("0.6") > aave_ltv(chain, wallet)
        mine(chain.w3)
        readings = [watch.tick() for _ in range(3)]
        assert store.stored_blocks(31337) == [chain.w3.eth.block_number - 1, chain.w3.eth.block_number]
        assert store.stored_blocks(31338)[-1] == chain_l2.w3.eth.block_number
    (crossed,) = [q.event for r in readings for q in r.events]
    assert crossed.chain == "devnet-l2" and crossed.position.account == wallet
    (post,) = webhook.bodies
    assert post["title"].startswith(f"chainwatch WARNING: {wallet} on aave-v3 (devnet-l2) crossed LTV 60%")
    assert "on devnet-l2" in post["message"]


def test_a_dead_devnet_l2_is_told_after_n_readings_while_devnet_is_stored_and_alerts(
    chain, chain_l2, tmp_path, webhook
):
    wallet = chain.deployment.demo_wallets["A"]
    db = str(tmp_path / "h.sqlite3")
    with FaultProxy(chain_l2.rpc_url) as node, HistoryStore.open(db) as store:
        watch = two_chain_watch(chain, store, webhook.url(), node.url, unreadable_after=2)
        watch.tick()
        node.always("503")  # devnet-l2's node goes down
        for _ in range(3):
            mine(chain.w3)
            reading = watch.tick()
            devnet, l2 = reading.chains
            assert devnet.snapshot.block_number == chain.w3.eth.block_number and devnet.new_readings == 1
            assert l2.snapshot is None and "503" in l2.error
        assert titles(webhook) == ["chainwatch CANNOT READ devnet-l2: the watch is blind"]  # after 2, once
        assert "2 readings in a row failed" in webhook.bodies[0]["message"]
        move_to_ltv(chain, wallet, "0.62")  # devnet's loan crosses while devnet-l2 is still down
        crossed = [q.event for q in watch.tick().events]
        assert [(e.kind.value, e.chain) for e in crossed] == [("crossed", "devnet")]
        assert len(store.stored_blocks(31337)) == 5 and len(store.stored_blocks(31338)) == 1
    assert titles(webhook)[1].startswith(f"chainwatch WARNING: {wallet} on aave-v3 (devnet) crossed LTV 60%")

    # Restarted: both chains' state resumes. Nothing repeats, though devnet's loan is still past
    # its line and devnet-l2 is still blind; devnet-l2 reading again is told once.
    move_to_ltv(chain_l2, wallet, "0.62")
    with FaultProxy(chain_l2.rpc_url) as node, HistoryStore.open(db) as store:
        node.always("503")
        watch = two_chain_watch(chain, store, webhook.url(), node.url, unreadable_after=2)
        for _ in range(2):
            assert watch.tick().events == []
        node.always(None)
        events = [(q.event.kind.value, q.event.chain) for q in watch.tick().events]
        assert sorted(events) == [("crossed", "devnet-l2"), ("reading_again", "devnet-l2")]
        assert watch.tick().events == []
    assert len(webhook.bodies) == 4
    assert "chainwatch is reading devnet-l2 again" in titles(webhook)


def test_a_slow_chain_holds_up_no_other_and_its_late_reading_is_stored(chain, chain_l2, tmp_path, webhook):
    with (
        FaultProxy(chain_l2.rpc_url, hang_seconds=1.0) as node,
        HistoryStore.open(str(tmp_path / "h.sqlite3")) as store,
    ):
        watch = two_chain_watch(chain, store, webhook.url(), node.url)
        node.always("hang")  # every answer a second late: a reading takes seconds
        devnet, l2 = watch.tick(wait=0.5).chains
        assert devnet.snapshot.block_number == chain.w3.eth.block_number
        assert l2.snapshot is None and l2.error == "no answer within 0.5 s; still reading"
        assert store.stored_blocks(31338) == []
        node.always(None)
        late = watch.tick().chains  # devnet is read again; devnet-l2's reading under way is taken
        assert [r.chain for r in late] == ["devnet", "devnet-l2"]
        assert late[1].snapshot.block_number == chain_l2.w3.eth.block_number
        assert store.stored_blocks(31338) == [chain_l2.w3.eth.block_number]


def test_the_cli_watches_both_chains_and_logs_each_with_its_block(chain, chain_l2, tmp_path):
    book = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    wallet = chain.deployment.demo_wallets["A"]
    db = tmp_path / "h.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "chainwatch", "watch", wallet, "--chain", "devnet", "--chain", "devnet-l2",
         "--address-book", str(book), "--every", "1", "--db", str(db)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "400"},
    )  # fmt: skip
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline()]
        while not re.search(r"devnet-l2: stored block", lines[-1]) and lines[-1]:
            lines.append(process.stderr.readline())
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "watching 1 wallet(s) on devnet, devnet-l2 every 1s" in output
    assert f"devnet: stored block {chain.w3.eth.block_number} " in output
    assert f"devnet-l2: stored block {chain_l2.w3.eth.block_number} " in output
    with HistoryStore.open(str(db)) as store:
        assert store.stored_blocks(31337) == [chain.w3.eth.block_number]
        assert store.stored_blocks(31338) == [chain_l2.w3.eth.block_number]


def test_the_watchs_own_notifications_are_listed_under_each_of_its_chains(chain, chain_l2, tmp_path, webhook, cli):
    """ "Stopped" is one notification for the whole watch, filed under both chains: `history
    --alerts --chain X` lists it for either."""
    db = str(tmp_path / "h.sqlite3")
    with HistoryStore.open(db) as store:
        watch = two_chain_watch(chain, store, webhook.url(), chain_l2.rpc_url)
        watch.tick()
        watch.stopped("stopped by the test")
    assert titles(webhook) == ["chainwatch STOPPED watching devnet, devnet-l2"]
    for name in ("devnet", "devnet-l2"):
        code, out, err = cli("history", "--alerts", "--chain", name, "--db", db, "--format", "json")
        assert code == 0, err
        assert [a["title"] for a in json.loads(out)["alerts"]] == titles(webhook)


def test_a_dead_first_chain_says_which_cefi_loans_go_unjudged(chain, chain_l2, tmp_path, webhook):
    """CeFi loans are valued on the watch's first chain (their alert state lives there); when it
    cannot be read, its "cannot read" notification names them, so their blindness is not silent."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[[loans]]\nname = "Ledn"\nbtc = 0.5\ndebt_usd = 12000\napr = 0.1\ncompounding = "simple"\n'
        "since = 2026-01-01T00:00:00Z\nliquidation_ltv = 0.8\n"
    )
    loans = load_loan_book(config).loans
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        watch = Watch(
            [get_chain("devnet", None), get_chain("devnet-l2", None)],
            [chain.deployment.demo_wallets["A"]],
            store=store,
            thresholds=LINE,
            notifier=Notifier([webhook.url()]),
            rpc={"devnet": [f"http://127.0.0.1:{closed_port()}"], "devnet-l2": [chain_l2.rpc_url]},
            unreadable_after=1,
            loans=loans,
        )
        devnet, l2 = watch.tick().chains
    assert devnet.snapshot is None and l2.snapshot is not None
    (post,) = webhook.bodies
    assert post["title"] == "chainwatch CANNOT READ devnet: the watch is blind"
    assert "CeFi loan(s) 'Ledn' are valued at this chain's BTC/USD feed" in post["message"]
