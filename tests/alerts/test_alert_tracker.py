"""The alert state machine over scripted sequences of positions: state keyed by (position, line
value), one event per crossing, liquidation as its own event, threshold changes between runs."""

from dataclasses import replace
from decimal import Decimal

from chainwatch.alerts import AlertTracker, EventKind, Line, LineKind, Thresholds, compose, position_key
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


def run(tracker: AlertTracker, measures: list[str]):
    return [event for m in measures for event in tracker.update([loan(price_for(m))])]


def test_one_event_per_crossing_and_one_recovery():
    tracker = AlertTracker(Thresholds())
    events = run(tracker, ["0.5", "0.81", "0.79", "0.805", "0.785", "0.91", "0.96", "0.97", "0.6"])
    assert [(e.kind, e.line.key, e.held and e.held.key) for e in events] == [
        (EventKind.crossed, "share:0.8", None),
        (EventKind.crossed, "share:0.9", None),
        (EventKind.crossed, "share:0.95", None),
        (EventKind.recovered, "share:0.95", None),
    ]
    assert tracker.state == {}


def test_a_partial_fall_names_the_line_still_held():
    tracker = AlertTracker(Thresholds())
    (*_, recovered) = run(tracker, ["0.96", "0.89"])
    assert (recovered.line.key, recovered.held.key) == ("share:0.95", "share:0.9")
    assert "back below 95% of liquidation LTV, still past 90% of liquidation LTV" in compose(recovered).title


def test_health_factor_below_one_is_liquidatable_not_another_warning():
    tracker = AlertTracker(Thresholds())
    (event,) = run(tracker, ["0.5", "1.16"])  # health factor 0.86
    assert event.kind is EventKind.liquidatable and event.notify_type == "failure"
    assert tracker.state[position_key(event.position)] == {"share:0.8", "share:0.9", "share:0.95", "liquidation:1"}
    (back,) = run(tracker, ["0.97"])
    assert back.kind is EventKind.recovered and back.line.kind is LineKind.liquidation
    assert "is no longer liquidatable, still past 95% of liquidation LTV" in compose(back).title


def test_a_new_line_already_crossed_alerts_once_and_an_unwatched_line_is_dropped_quietly():
    risky = loan(price_for("0.85"))
    key = position_key(risky)
    # A previous run watched LTV 45% (absolute) and 50% of the liquidation LTV.
    tracker = AlertTracker(Thresholds(), {key: {"ltv:0.45", "share:0.5"}})
    (event,) = tracker.update([risky])
    assert (event.kind, event.line.key) == (EventKind.crossed, "share:0.8")  # not a recovery from 45%
    assert tracker.state[key] == {"share:0.8"}
    assert tracker.update([risky]) == []


def test_a_line_value_keeps_its_state_whatever_its_place_in_the_list():
    risky = loan(price_for("0.91"))
    # Was past 90% with thresholds (0.8, 0.9, 0.95); now watched with (0.85, 0.9) only.
    tracker = AlertTracker(Thresholds.build([D("0.85"), D("0.9")], relative=True), {position_key(risky): {"share:0.9"}})
    (event,) = tracker.update([risky])
    assert (event.kind, event.line.key) == (EventKind.crossed, "share:0.85")  # the new line alone


def test_positions_are_tracked_separately():
    tracker = AlertTracker(Thresholds())
    safe, risky = loan("90000", market="pool-1"), loan(price_for("0.9"), market="pool-2")
    events = tracker.update([safe, risky])
    assert [(e.position.market, e.line.key) for e in events] == [("pool-2", "share:0.9")]
    assert tracker.crossed(safe) == [] and [line.key for line in tracker.crossed(risky)] == ["share:0.8", "share:0.9"]


def test_a_closed_position_gives_a_recovery_once():
    tracker = AlertTracker(Thresholds())
    tracker.update([loan(price_for("0.85"))])
    events = tracker.update([])
    assert [(e.kind, e.closed) for e in events] == [(EventKind.recovered, True)]
    assert tracker.update([]) == []
    assert "no longer has an open loan" in compose(events[0]).title


def test_a_position_s_own_lines_are_judged_with_the_user_s():
    margin_call = Line(LineKind.margin_call, D("0.55"))
    tracker = AlertTracker(Thresholds(), own_lines=lambda p: [margin_call])
    (event,) = tracker.update([loan("64000")])  # LTV 0.5625: past the margin call, under 80% (0.60)
    assert event.line == margin_call and "crossed the margin call at LTV 55%" in compose(event).title


def test_state_changes_are_handed_over_once():
    tracker = AlertTracker(Thresholds())
    run(tracker, ["0.85"])
    (key,) = tracker.take_changes()
    assert tracker.take_changes() == {}
    run(tracker, ["0.5"])
    assert tracker.take_changes() == {key: frozenset()}


def test_following_the_advice_clears_every_alert():
    tracker = AlertTracker(Thresholds())
    (warning,) = run(tracker, ["0.92"])
    plan = what_if(warning.position, warning.target_ltv)
    (recovery,) = tracker.update([with_debt_repaid(warning.position, plan.repay)])
    assert recovery.kind is EventKind.recovered and recovery.held is None


def test_a_loan_closed_while_no_watch_ran_gets_its_recovery_from_its_last_stored_reading():
    risky = loan(price_for("0.85"))
    other = loan(price_for("0.85"), market="pool-2")  # open lines, but no reading remembered
    tracker = AlertTracker(Thresholds(), {position_key(risky): {"share:0.8"}, position_key(other): {"share:0.8"}})
    tracker.remember([risky, loan("90000", market="pool-3")])  # pool-3 has no open line: not kept
    (event,) = tracker.update([])
    assert (event.kind, event.closed, event.position) == (EventKind.recovered, True, risky)
    assert tracker.state == {position_key(other): {"share:0.8"}}


def test_a_position_a_failed_read_kept_out_is_not_closed():
    tracker = AlertTracker(Thresholds())
    (crossed,) = run(tracker, ["0.85"])
    assert tracker.update([], unreadable=[position_key(crossed.position)]) == []
    assert tracker.state == {position_key(crossed.position): {"share:0.8"}}
