"""Issue 13's defects, each reproduced on the devnet with real deliveries to a local webhook:
a failed delivery lost for good, alert state keyed by a threshold's place in the list, a watch
that goes blind quietly (node down, stale oracle), health factor < 1 reported like an 80%
warning, and `check` saying "fine" when it could not read at all."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

from chainwatch.alerts import Notifier, Thresholds
from chainwatch.chains import get_chain
from chainwatch.devnet.actions import approve, repay
from chainwatch.devnet.anvil import free_port
from chainwatch.devnet.controls import advance_time, mint, set_btc_price
from chainwatch.devnet.node import contract
from chainwatch.history import HistoryStore
from chainwatch.snapshot import read_snapshot
from chainwatch.watch import Watch
from tests.helpers.fault_proxy import FaultProxy

D = Decimal


def wallet_a(chain):
    """Demo wallet A (1 WBTC against 20,000 USDC on aave-v3) and its position now."""
    wallet = chain.deployment.demo_wallets["A"]
    (position,) = read_snapshot(get_chain("devnet", None), [wallet], rpc=[chain.rpc_url]).positions
    return wallet, position


def move_to_ltv(chain, position, ltv: str) -> None:
    """Set BTC so the WBTC-only loan sits at `ltv` (LTV scales as 1 / price)."""
    set_btc_price(chain.w3, chain.deployment, (position.btc_price_usd * position.ltv / D(ltv)).quantize(D("0.01")))


def watch(chain, db, urls, thresholds=None, rpc=None, **options) -> tuple[HistoryStore, Watch]:
    store = HistoryStore.open(str(db))
    wallet = chain.deployment.demo_wallets["A"]
    return store, Watch(
        [get_chain("devnet", None)],
        [wallet],
        store=store,
        thresholds=thresholds or Thresholds(),
        notifier=Notifier(urls),
        rpc={"devnet": [rpc or chain.rpc_url]},
        **options,
    )


def ltv_lines(*levels: str) -> Thresholds:
    return Thresholds.build([D(x) for x in levels], relative=False)


def share_lines(*levels: str) -> Thresholds:
    return Thresholds.build([D(x) for x in levels], relative=True)


def test_a_failed_delivery_is_sent_when_the_watch_restarts_with_a_working_target(chain, tmp_path, webhook):
    # Issue 13, seen 1: `--ltv 0.3 --notify json://127.0.0.1:1/x`, then restarted with a working --notify.
    _, position = wallet_a(chain)
    move_to_ltv(chain, position, "0.40")
    dead = f"json://127.0.0.1:{free_port()}/x"
    store, first = watch(chain, tmp_path / "h.sqlite3", [dead], ltv_lines("0.3"))
    with store:
        first.tick()
    store, second = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")], ltv_lines("0.3"))
    with store:
        second.tick()
    assert [body["title"] for body in webhook.bodies] == [
        f"chainwatch WARNING: {position.account} on aave-v3 ({position.chain}) crossed LTV 30% (LTV 40.00%)"
    ]
    assert webhook.ids() == [1]  # the first watch's outbox row, not a new alert


def test_a_new_threshold_already_crossed_alerts_once(chain, tmp_path, webhook):
    # Seen 2a: --warn 0.5, then --ltv 0.45 with LTV at 50%: the position is past 45% and must say so.
    _, position = wallet_a(chain)
    move_to_ltv(chain, position, "0.50")
    for thresholds in (share_lines("0.5"), ltv_lines("0.45"), ltv_lines("0.45")):
        store, restarted = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")], thresholds)
        with store:
            restarted.tick()
    assert [body["title"].split(" crossed ")[1] for body in webhook.bodies] == [
        "50% of liquidation LTV (LTV 50.00%)",
        "LTV 45% (LTV 50.00%)",
    ]  # and the third run, same thresholds, sends nothing more


def test_no_recovery_for_a_line_never_crossed(chain, tmp_path, webhook):
    # Seen 2b: --ltv 0.45, then the default thresholds: LTV 50% is under 80% of the liquidation
    # LTV, a line it never crossed, so nothing at all is sent by the second run.
    _, position = wallet_a(chain)
    move_to_ltv(chain, position, "0.50")
    assert position.liquidation_ltv * D("0.8") > D("0.5")
    store, first = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")], ltv_lines("0.45"))
    with store:
        first.tick()
    assert len(webhook.posts) == 1
    store, second = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")])
    with store:
        second.tick()
    assert len(webhook.posts) == 1


def test_a_watch_that_cannot_read_says_so_and_says_when_it_reads_again(chain, tmp_path, webhook):
    # Seen 3a: with the RPC down the watch only printed "read failed".
    with FaultProxy(chain.rpc_url) as node:
        store, blind = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")], rpc=node.url)
        with store:
            assert blind.tick().chains[0].error is None
            node.always("503")  # the node goes down
            errors = [blind.tick().chains[0].error for _ in range(4)]
            assert all(errors)
            node.always(None)  # and comes back
            assert blind.tick().chains[0].error is None
    (unreadable, again) = webhook.bodies  # one "cannot read" after 3 failures in a row, not one per failure
    assert (
        unreadable["type"] == "failure" and unreadable["title"] == "chainwatch CANNOT READ devnet: the watch is blind"
    )
    assert "3 readings in a row failed" in unreadable["message"] and "503" in unreadable["message"]
    assert again["type"] == "info" and again["title"] == "chainwatch is reading devnet again"


def test_stale_oracle_warnings_reach_the_watch(chain, tmp_path, webhook):
    # Seen 3b: `track` warned of a stale Chainlink answer; `watch` never did.
    advance_time(chain.w3, 2 * 3600)  # no new round for two hours: past BTC/USD's one-hour heartbeat
    warnings = read_snapshot(get_chain("devnet", None), [], rpc=[chain.rpc_url]).warnings  # what track shows
    assert any("may be stale" in w for w in warnings)
    store, watching = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")])
    with store:
        reading = watching.tick()
        watching.tick()  # still stale: no second notification
    assert reading.chains[0].snapshot.warnings == warnings
    (post,) = webhook.bodies
    assert post["type"] == "warning" and post["title"] == "chainwatch PRICE WARNING on devnet"
    assert all(w in post["message"] for w in warnings)


def test_liquidatable_now_is_a_failure_naming_what_restores_health_factor_one(chain, tmp_path, webhook):
    # Seen 4: health factor 0.86 came as "crossed 95% of liquidation LTV", severity of the 80% alert.
    wallet, position = wallet_a(chain)
    set_btc_price(chain.w3, chain.deployment, (position.liquidation_price_btc * D("0.86")).quantize(D("0.01")))
    store, watching = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")])
    with store:
        (event,) = [q.event for q in watching.tick().events]
    at = event.position
    assert at.health_factor < 1
    (post,) = webhook.bodies
    assert post["type"] == "failure"
    assert (
        post["title"] == f"chainwatch LIQUIDATABLE: {wallet} on aave-v3 (devnet), health factor {at.health_factor:.3f}"
    )
    # Hand-worked: HF = 1 needs debt = liquidation-weighted collateral (1 WBTC x price x LT).
    (wbtc,) = at.collateral
    shortfall = at.debt_usd - wbtc.value_usd * wbtc.liquidation_threshold
    repay_usd = shortfall.quantize(D("0.01"), ROUND_UP)
    add_btc = (shortfall / (wbtc.price_usd * wbtc.liquidation_threshold)).quantize(D("1e-8"), ROUND_UP)
    assert (
        f"To restore health factor 1.0: repay ${repay_usd:,.2f} of debt, or add {add_btc:,.8f} BTC" in post["message"]
    )
    safe = (D("0.80") - D("0.02")) * at.liquidation_ltv  # the chosen target: under the lowest line by the band
    assert f"To get back to a safe LTV of {safe * 100:.2f}%" in post["message"]
    # Referee: Aave itself, after a real repay of that amount (a few cents over, for the interest
    # of the blocks the repay itself takes) and of a dollar less.
    pool = chain.deployment.markets["aave-v3"].pool
    usdc = chain.deployment.usdc
    (usdc_debt,) = at.debt
    mint(chain.w3, usdc, wallet, D(100000))
    approve(chain.w3, usdc, wallet, pool)
    aave = contract(chain.w3, "Pool", pool)
    amount = lambda usd: (usd / usdc_debt.price_usd).quantize(D("0.000001"), ROUND_UP)  # noqa: E731
    repay(chain.w3, pool, usdc, amount(repay_usd - 1), wallet)
    assert aave.functions.getUserAccountData(wallet).call()[5] < 10**18
    repay(chain.w3, pool, usdc, amount(D("1.05")), wallet)
    assert aave.functions.getUserAccountData(wallet).call()[5] >= 10**18


def test_check_exits_4_when_the_node_is_down(chain, cli):
    wallet = chain.deployment.demo_wallets["A"]
    code, out, err = cli("check", wallet, "--chain", "devnet", "--rpc", f"http://127.0.0.1:{free_port()}")
    assert code == 4, err
    assert out == "" and len(err.strip().splitlines()) == 1 and "could not read devnet" in err


def test_a_heartbeat_says_the_watch_is_still_watching(chain, tmp_path, webhook):
    store, watching = watch(chain, tmp_path / "h.sqlite3", [webhook.url("/alerts")], heartbeat=0.0)
    with store:
        reading = watching.tick()
    (post,) = webhook.bodies
    assert post["type"] == "info" and post["title"] == "chainwatch is still watching devnet"
    assert (
        f"block {reading.chains[0].snapshot.block_number}" in post["message"]
        and "1 position(s), 0 past a line" in post["message"]
    )
