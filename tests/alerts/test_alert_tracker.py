"""The alert state machine over scripted sequences of positions."""

from dataclasses import replace
from decimal import Decimal

from chainwatch.alerts import AlertKind, AlertTracker, Thresholds, compose, position_key
from chainwatch.risk.hypothetical import with_debt_repaid
from chainwatch.risk.manual import manual_position
from chainwatch.risk.targets import what_if

D = Decimal
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def loan(btc_price: str, debt: str = "36000", market: str = "pool-1"):
    """1 BTC against `debt` USD, liquidated at LTV 0.75, on market `market` of wallet WALLET."""
    position = manual_position(D(1), D(btc_price), D(debt), D("0.05"), D("0.75"))
    return replace(position, account=WALLET, protocol="aave-v3", market=market, chain="devnet")


def price_for(measure: str) -> str:
    """The BTC price at which the loan sits at `measure` of its liquidation LTV."""
    return str((D(36000) / (D(measure) * D("0.75"))).quantize(D("0.01")))


def run(tracker: AlertTracker, prices: list[str]):
    return [alert for price in prices for alert in tracker.update([loan(price)])]


def test_one_warning_per_crossing_and_one_recovery():
    tracker = AlertTracker(Thresholds())
    prices = [price_for(m) for m in ("0.5", "0.81", "0.79", "0.805", "0.785", "0.91", "0.96", "0.97", "0.6")]
    alerts = run(tracker, prices)
    assert [(a.kind, a.previous, a.level) for a in alerts] == [
        (AlertKind.warning, 0, 1),
        (AlertKind.warning, 1, 2),
        (AlertKind.warning, 2, 3),
        (AlertKind.recovery, 3, 0),
    ]
    assert tracker.levels == {}


def test_positions_are_tracked_separately():
    tracker = AlertTracker(Thresholds())
    safe, risky = loan("90000", market="pool-1"), loan(price_for("0.9"), market="pool-2")
    alerts = tracker.update([safe, risky])
    assert [(a.position.market, a.level) for a in alerts] == [("pool-2", 2)]
    assert tracker.level_of(safe) == 0 and tracker.level_of(risky) == 2


def test_a_closed_position_gives_a_recovery_once():
    tracker = AlertTracker(Thresholds())
    tracker.update([loan(price_for("0.85"))])
    alerts = tracker.update([])
    assert [(a.kind, a.level, a.closed) for a in alerts] == [(AlertKind.recovery, 0, True)]
    assert tracker.update([]) == []
    assert "no longer has an open loan" in compose(alerts[0]).title


def test_seeded_levels_do_not_repeat_alerts_already_sent():
    risky = loan(price_for("0.91"))
    tracker = AlertTracker(Thresholds(), {position_key(risky): 2})
    assert tracker.update([risky]) == []
    assert [a.level for a in tracker.update([loan(price_for("0.96"))])] == [3]


def test_following_the_advice_clears_the_alert():
    tracker = AlertTracker(Thresholds())
    (warning,) = tracker.update([loan(price_for("0.92"))])
    plan = what_if(warning.position, Thresholds().safe_ltv(warning.position))
    (recovery,) = tracker.update([with_debt_repaid(warning.position, plan.repay)])
    assert recovery.kind is AlertKind.recovery and recovery.level == 0
