"""Alerts: lines and thresholds with hysteresis, the state machines over readings, events,
messages, delivery."""

from chainwatch.alerts.delivery import Notifier, NotifyUrlError
from chainwatch.alerts.events import Event, EventKind
from chainwatch.alerts.lines import LIQUIDATION, Line, LineKind
from chainwatch.alerts.messages import Message, compose
from chainwatch.alerts.readings import ReadMonitor
from chainwatch.alerts.thresholds import DEFAULT_HYSTERESIS, DEFAULT_LEVELS, Thresholds
from chainwatch.alerts.tracker import AlertTracker, LineSource, PositionKey, position_key

__all__ = [
    "DEFAULT_HYSTERESIS",
    "DEFAULT_LEVELS",
    "LIQUIDATION",
    "AlertTracker",
    "Event",
    "EventKind",
    "Line",
    "LineKind",
    "LineSource",
    "Message",
    "Notifier",
    "NotifyUrlError",
    "PositionKey",
    "ReadMonitor",
    "Thresholds",
    "compose",
    "position_key",
]
