"""The history database as the dashboard reads it: the readings a `watch` stored, and its alerts.

The dashboard never creates a database: where the SQLite file does not exist yet it says so
(a `watch` creates it) rather than leave an empty file behind.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from chainwatch.errors import ChainwatchError
from chainwatch.history.outbox import alert_log
from chainwatch.history.store import HistoryRow, HistoryStore, database_url


class NoHistoryError(ChainwatchError):
    """There is no history database yet."""


class HistorySource:
    """Opens the database on first use (and again once it appears), then keeps it open."""

    def __init__(self, db: str | None) -> None:
        self.url = database_url(db)
        self._store: HistoryStore | None = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def store(self) -> HistoryStore:
        with self._lock:
            if self._store is None:
                database = self.url.database
                if self.url.get_backend_name() == "sqlite" and database and not Path(database).exists():
                    raise NoHistoryError(f"no history yet: `chainwatch watch --db {database}` records it")
                self._store = HistoryStore.open(self.url)
            return self._store

    def readings(self, account: str, chain: str) -> list[HistoryRow]:
        return self.store().history(account, chain=chain)

    def alerts(self, account: str | None, chain: str) -> list[dict[str, Any]]:
        """Every notification of the watch's outbox on `chain` (for `account`, and the watch's
        own, when given), oldest first, `status` "sent" or "pending": `history --alerts`'s rows."""
        return [row for row in alert_log(self.store(), account) if row["chain"] == chain]

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
