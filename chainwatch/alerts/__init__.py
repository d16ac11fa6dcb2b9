"""Alerts: thresholds with hysteresis, the state machine over snapshots, messages, delivery."""

from chainwatch.alerts.delivery import Notifier, NotifyUrlError
from chainwatch.alerts.messages import Message, compose
from chainwatch.alerts.thresholds import DEFAULT_HYSTERESIS, DEFAULT_LEVELS, Thresholds
from chainwatch.alerts.tracker import Alert, AlertKind, AlertTracker, PositionKey, position_key

__all__ = [
    "DEFAULT_HYSTERESIS",
    "DEFAULT_LEVELS",
    "Alert",
    "AlertKind",
    "AlertTracker",
    "Message",
    "Notifier",
    "NotifyUrlError",
    "PositionKey",
    "Thresholds",
    "compose",
    "position_key",
]
