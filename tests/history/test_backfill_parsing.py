"""Backfill inputs: durations, dates and the sample times between two dates."""

from datetime import UTC, datetime, timedelta

import pytest

from chainwatch.history.backfill import BackfillError, sample_times
from chainwatch.timetext import TimeTextError, parse_duration, parse_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60", 60), ("90s", 90), ("5m", 300), ("6h", 21600), ("1d", 86400), ("2w", 1209600), ("+7d", 604800)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["0", "-1d", "1y", "soon", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(TimeTextError, match="not a duration"):
        parse_duration(text)


def test_dates_default_to_utc():
    assert parse_time("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_time("2026-01-31 12:30") == datetime(2026, 1, 31, 12, 30, tzinfo=UTC)
    assert parse_time("2026-01-31T12:30:00+02:00") == datetime(2026, 1, 31, 10, 30, tzinfo=UTC)
    with pytest.raises(TimeTextError, match="not a date"):
        parse_time("31/01/2026")


def test_sample_times_include_both_ends():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = sample_times(start, start + timedelta(days=2), timedelta(days=1))
    assert times == [start, start + timedelta(days=1), start + timedelta(days=2)]
    with pytest.raises(BackfillError, match="before --from"):
        sample_times(start, start - timedelta(days=1), timedelta(days=1))
