"""The watch's own health: failed readings in a row, and oracle warnings opening and closing."""

from chainwatch.alerts import EventKind, ReadMonitor
from chainwatch.alerts.readings import warning_key

STALE = "Chainlink BTC/USD answer is 1h 05m old (heartbeat 1h 00m): it may be stale"


def test_blind_after_n_failures_in_a_row_once_then_reading_again():
    monitor = ReadMonitor("devnet", unreadable_after=3)
    assert monitor.failed("503") == [] and monitor.failed("503") == []
    assert monitor.read([]) == []  # a success resets the count
    kinds = [e.kind for e in monitor.failed("a") + monitor.failed("b") + monitor.failed("c") + monitor.failed("d")]
    assert kinds == [EventKind.unreadable]
    assert monitor.take_change() == {"unreadable"} and monitor.take_change() is None
    (again,) = monitor.read([])
    assert again.kind is EventKind.reading_again and again.details == ("after 4 failed readings",)


def test_a_restarted_blind_watch_says_reading_again_without_repeating_unreadable():
    monitor = ReadMonitor("devnet", unreadable_after=1, state={"unreadable"})
    assert monitor.failed("still down") == []
    assert [e.kind for e in monitor.read([])] == [EventKind.reading_again]


def test_an_oracle_warning_alerts_when_it_opens_and_when_it_closes_not_as_its_figures_move():
    monitor = ReadMonitor("devnet")
    (opened,) = monitor.read([STALE])
    assert opened.kind is EventKind.oracle and opened.details == (STALE,)
    assert monitor.read([STALE.replace("1h 05m", "1h 10m")]) == []
    assert warning_key(STALE) == warning_key(STALE.replace("1h 05m", "2h 45m"))
    assert [e.kind for e in monitor.read([])] == [EventKind.oracle_cleared]


def test_a_partial_reading_counts_as_a_failure_and_is_not_reading_again():
    monitor = ReadMonitor("devnet", unreadable_after=2)
    not_read = "morpho-blue 0xabc: position of 0x1 not read: MorphoOracle.price() failed"
    assert monitor.read([], partial=not_read) == []
    (blind,) = monitor.read([STALE], partial=not_read)[-1:]
    assert blind.kind is EventKind.unreadable and not_read in blind.details[0]
    assert monitor.blind and any(key.startswith("oracle:") for key in monitor.state)  # its warnings still judged
    assert [e.kind for e in monitor.read([STALE], partial=not_read)] == []  # still partial: nothing new
    assert [e.kind for e in monitor.read([STALE])] == [EventKind.reading_again]
