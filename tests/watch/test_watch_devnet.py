"""The watch on the devnet: the test moves the BTC price through the thresholds and checks that
each crossing gives exactly one alert (delivered to a local webhook), hovering gives none, the
recovery comes once, every reading is stored, and `check` exits 3 past a threshold."""

from __future__ import annotations

import json
from decimal import Decimal

from chainwatch.alerts import EventKind, Notifier, Thresholds
from chainwatch.chains import get_chain
from chainwatch.devnet.actions import approve, repay, withdraw
from chainwatch.devnet.controls import mint, set_btc_price
from chainwatch.history import HistoryStore
from chainwatch.history.outbox import alert_log
from chainwatch.snapshot import read_snapshot
from chainwatch.watch import Watch

D = Decimal


def price_at(liquidation_price: Decimal, measure: str) -> Decimal:
    """The BTC price at which a WBTC-only loan sits at `measure` of its liquidation LTV."""
    return (liquidation_price / D(measure)).quantize(D("0.01"))


def test_a_watch_alerts_once_per_crossing_while_btc_moves(chain, tmp_path, webhook):
    url = webhook.url("/alerts")
    wallet = chain.deployment.demo_wallets["A"]  # WBTC collateral, USDC debt, on aave-v3
    devnet = get_chain("devnet", None)
    (start,) = read_snapshot(devnet, [wallet], rpc=[chain.rpc_url]).positions
    liquidation = start.liquidation_price_btc
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        watch = Watch(
            [devnet],
            [wallet],
            store=store,
            thresholds=Thresholds(),
            notifier=Notifier([url]),
            rpc={"devnet": [chain.rpc_url]},
        )
        script = ["0.5", "0.85", "0.81", "0.79", "0.805", "0.92", "0.97", "0.96", "0.94", "0.5"]
        readings = []
        for measure in script:
            set_btc_price(chain.w3, chain.deployment, price_at(liquidation, measure))
            readings.append(watch.tick())
        events = [(q.event.kind, q.event.line.key) for r in readings for q in r.events]
        assert events == [
            (EventKind.crossed, "share:0.8"),  # 0.85
            (EventKind.crossed, "share:0.9"),  # 0.92
            (EventKind.crossed, "share:0.95"),  # 0.97
            (EventKind.recovered, "share:0.95"),  # 0.5
        ]
        assert all(d.delivered for r in readings for d in r.deliveries)
        received = webhook.bodies
        assert [post["type"] for post in received] == ["warning", "warning", "warning", "info"]
        assert webhook.ids() == [1, 2, 3, 4]
        assert all(wallet in post["message"] and "aave-v3" in post["message"] for post in received)
        assert "repay $" in received[0]["message"]
        # Every reading is stored, one block each (each price update mined a block).
        rows = store.history(wallet)
        assert [r.block_number for r in rows] == [r.chains[0].snapshot.block_number for r in readings]
        assert [r.btc_price_usd for r in rows] == [price_at(liquidation, m) for m in script]
        log = alert_log(store, wallet)
        assert [(e["event"], e["line"], e["status"]) for e in log] == [
            ("crossed", "share:0.8", "sent"), ("crossed", "share:0.9", "sent"), ("crossed", "share:0.95", "sent"),
            ("recovered", "share:0.95", "sent"),
        ]  # fmt: skip


def test_a_restarted_watch_does_not_repeat_its_warnings(chain, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    devnet = get_chain("devnet", None)
    (start,) = read_snapshot(devnet, [wallet], rpc=[chain.rpc_url]).positions
    set_btc_price(chain.w3, chain.deployment, price_at(start.liquidation_price_btc, "0.91"))
    db = str(tmp_path / "h.sqlite3")
    for expected in ([(EventKind.crossed, "share:0.9")], []):
        with HistoryStore.open(db) as store:
            watch = Watch(
                [devnet],
                [wallet],
                store=store,
                thresholds=Thresholds(),
                notifier=Notifier([]),
                rpc={"devnet": [chain.rpc_url]},
            )
            assert [(q.event.kind, q.event.line.key) for q in watch.tick().events] == expected


def test_check_exits_3_only_past_the_threshold(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    args = ["check", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, "--warn", "0.9"]
    code, out, _ = cli(*args, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["past_threshold"] is False
    (start,) = read_snapshot(get_chain("devnet", None), [wallet], rpc=[chain.rpc_url]).positions
    set_btc_price(chain.w3, chain.deployment, price_at(start.liquidation_price_btc, "0.93"))
    code, out, _ = cli(*args, "--format", "json", "--record", "--db", str(tmp_path / "h.sqlite3"))
    assert code == 3
    (position,) = json.loads(out)["positions"]
    assert position["past_threshold"] is True and position["alert_level"] == 1
    code, out, _ = cli(*args)
    assert code == 3 and "PAST THRESHOLD" in out and wallet in out
    code, out, err = cli("history", wallet, "--db", str(tmp_path / "h.sqlite3"), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert len(document["readings"]) == 1  # --record stored the reading
    assert document["block"] == document["readings"][0]["block"] and document["account"] == wallet


def test_absolute_and_relative_thresholds_are_exclusive(chain, cli):
    wallet = chain.deployment.demo_wallets["A"]
    code, _, err = cli("check", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, "--warn", "0.9", "--ltv", "0.6")
    assert code == 1 and "not both" in err


def test_a_loan_closed_while_no_watch_ran_is_told_at_the_next_start(chain, tmp_path, webhook):
    wallet = chain.deployment.demo_wallets["A"]
    devnet = get_chain("devnet", None)
    thresholds = Thresholds.build([D("0.3")], relative=False)  # wallet A borrows at about 33%
    db = str(tmp_path / "h.sqlite3")
    with HistoryStore.open(db) as store:
        first = Watch(
            [devnet],
            [wallet],
            store=store,
            thresholds=thresholds,
            notifier=Notifier([]),
            rpc={"devnet": [chain.rpc_url]},
        )
        assert [q.event.kind for q in first.tick().events] == [EventKind.crossed]
    pool, usdc, wbtc = chain.deployment.markets["aave-v3"].pool, chain.deployment.usdc, chain.deployment.wbtc
    mint(chain.w3, usdc, wallet, D(1000))  # the interest accrued
    approve(chain.w3, usdc, wallet, pool)
    repay(chain.w3, pool, usdc, None, wallet)
    withdraw(chain.w3, pool, wbtc, None, wallet)
    with HistoryStore.open(db) as store:
        second = Watch(
            [devnet],
            [wallet],
            store=store,
            thresholds=thresholds,
            notifier=Notifier([webhook.url("/alerts")]),
            rpc={"devnet": [chain.rpc_url]},
        )
        reading = second.tick()
        assert reading.chains[0].snapshot.positions == ()
    (post,) = webhook.bodies
    assert (
        post["type"] == "info"
        and post["title"] == f"chainwatch: {wallet} on aave-v3 (devnet) no longer has an open loan"
    )
