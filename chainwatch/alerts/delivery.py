"""Sending alert messages through Apprise: one URL scheme per service (mailto://, json://,
tgram://, discord://, ntfy:// ...), so chainwatch carries no per-service code.

URLs are checked when the watch starts, not when the first alert is due: a typo found at
3 a.m. during a BTC crash is found too late. A failed delivery is reported, never fatal: the
watch keeps recording and tries again at the next alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainwatch.alerts.messages import Message
from chainwatch.alerts.tracker import AlertKind
from chainwatch.errors import ChainwatchError

if TYPE_CHECKING:
    from apprise import NotifyType

# Apprise's notify types by name (its NotifyType values), so apprise, which takes a fifth of a
# second to import, loads only when a watch builds its Notifier.
_NOTIFY_TYPES = {AlertKind.warning: "warning", AlertKind.recovery: "success"}


class NotifyUrlError(ChainwatchError):
    """A --notify URL Apprise does not understand."""


class Notifier:
    """The notification targets of one watch."""

    def __init__(self, urls: Sequence[str]) -> None:
        import apprise

        self._apprise = apprise.Apprise()
        for url in urls:
            if not self._apprise.add(url):
                scheme = url.partition("://")[0] if "://" in url else url[:12]
                raise NotifyUrlError(
                    f"--notify {scheme}://… is not a notification URL Apprise understands "
                    "(see https://github.com/caronc/apprise/wiki)"
                )

    @property
    def targets(self) -> list[str]:
        """The targets with passwords and tokens masked, for display."""
        return [service.url(privacy=True) for service in self._apprise]

    def __bool__(self) -> bool:
        return len(self._apprise) > 0

    def send(self, message: Message, kind: AlertKind) -> bool:
        """True when every target accepted the message (also when there are no targets)."""
        if not self:
            return True
        return bool(
            self._apprise.notify(body=message.body, title=message.title, notify_type=apprise_type(_NOTIFY_TYPES[kind]))
        )


def apprise_type(name: str) -> NotifyType:
    """Apprise's NotifyType of that value ("info", "success", "warning", "failure")."""
    import apprise

    return apprise.NotifyType(name)
