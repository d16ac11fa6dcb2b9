"""Sending alert messages through Apprise: one URL scheme per service (mailto://, json://,
tgram://, discord://, ntfy:// ...), so chainwatch carries no per-service code.

URLs are checked when the watch starts, not when the first alert is due: a typo found at
3 a.m. during a BTC crash is found too late. Each target is sent to on its own, so the outbox
knows which ones accepted a message and retries only the others. Every message carries its
outbox id: in its body, and as the `X-Chainwatch-Alert-Id` header on the services that take
headers (json://, form://, xml:// webhooks, mailto://), so a receiver can drop the duplicate an
at-least-once retry may bring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chainwatch.alerts.messages import Message
from chainwatch.errors import ChainwatchError

if TYPE_CHECKING:
    from apprise import NotifyType

ID_HEADER = "X-Chainwatch-Alert-Id"
_ERROR_LENGTH = 300


class NotifyUrlError(ChainwatchError):
    """A --notify URL Apprise does not understand."""


@dataclass(frozen=True)
class Target:
    """One notification target: `fingerprint` (a hash of its URL, what the database keeps, so no
    token or password is stored), `shown` (the URL with its secrets masked) and the service."""

    fingerprint: str
    shown: str
    service: Any


class Notifier:
    """The notification targets of one watch."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._targets: list[Target] = []
        if not urls:
            return
        import apprise  # a fifth of a second to import: only a watch with targets loads it

        for url in dict.fromkeys(urls):
            service = apprise.Apprise.instantiate(url)
            if not service:
                scheme = url.partition("://")[0] if "://" in url else url[:12]
                raise NotifyUrlError(
                    f"--notify {scheme}://… is not a notification URL Apprise understands "
                    "(see https://github.com/caronc/apprise/wiki)"
                )
            fingerprint = hashlib.sha256(url.encode()).hexdigest()[:32]
            self._targets.append(Target(fingerprint, service.url(privacy=True), service))

    @property
    def targets(self) -> list[str]:
        """The targets with passwords and tokens masked, for display."""
        return [target.shown for target in self._targets]

    @property
    def fingerprints(self) -> list[str]:
        return [target.fingerprint for target in self._targets]

    def __bool__(self) -> bool:
        return bool(self._targets)

    def send(self, message: Message, notify_type: str = "info") -> bool:
        """True when every target accepted the message (also when there are no targets)."""
        return all(error is None for error in self.deliver(message, notify_type).values())

    def deliver(
        self, message: Message, notify_type: str, alert_id: int | None = None, skip: Collection[str] = ()
    ) -> dict[str, str | None]:
        """Send to every target not in `skip`: fingerprint -> None when accepted, else the error."""
        import apprise

        results: dict[str, str | None] = {}
        body = message.body if alert_id is None else f"{message.body}\n(chainwatch alert #{alert_id})"
        for target in self._targets:
            if target.fingerprint in skip:
                continue
            service = target.service
            headers = getattr(service, "headers", None)
            saved = dict(headers) if isinstance(headers, dict) else None
            if saved is not None and alert_id is not None:
                service.headers = {**saved, ID_HEADER: str(alert_id)}
            try:
                with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log:
                    ok = service.notify(body=body, title=message.title, notify_type=apprise_type(notify_type))
                results[target.fingerprint] = None if ok else _last_line(log.getvalue()) or "not accepted"
            except Exception as exc:  # a plugin's own failure must not stop the watch
                results[target.fingerprint] = _last_line(f"{type(exc).__name__}: {exc}")
            finally:
                if saved is not None:
                    service.headers = saved
        return results


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:_ERROR_LENGTH] if lines else ""


def apprise_type(name: str) -> NotifyType:
    """Apprise's NotifyType of that value ("info", "success", "warning", "failure")."""
    import apprise

    return apprise.NotifyType(name)
