"""The history database as the dashboard reads it: the readings a `watch` stored, its alerts,
and whether that watch is running.

The dashboard never creates or writes a database: where the SQLite file does not exist yet it
says so (a `watch` creates it) rather than leave an empty file behind. Whether a watch runs is
asked of its lock (chainwatch.history.lock) without taking it, so a watch starting at that
moment is never refused because the dashboard looked.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from chainwatch.errors import ChainwatchError
from chainwatch.history.lock import ADVISORY_KEY, LOCK_SUFFIX
from chainwatch.history.outbox import alert_log
from chainwatch.history.store import HistoryRow, HistoryStore, database_url, existing_database

PROC_LOCKS = Path("/proc/locks")


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
                if existing_database(self.url) is None:
                    raise NoHistoryError(f"no history yet: `chainwatch watch --db {self.url.database}` records it")
                self._store = HistoryStore.open(self.url)
            return self._store

    def readings(self, account: str, chain: str) -> list[HistoryRow]:
        return self.store().history(account, chain=chain)

    def alerts(self, account: str | None, chain: str) -> list[dict[str, Any]]:
        """Every notification of the watch's outbox on `chain` (for `account`, and the watch's
        own, when given), oldest first, `status` "sent" or "pending": `history --alerts`'s rows."""
        return alert_log(self.store(), account, chain)

    def watch_running(self) -> bool | None:
        """Whether a `watch` holds this database's lock now; None where that cannot be told
        (an in-memory database)."""
        if self.url.get_backend_name() == "postgresql":
            return _advisory_lock_held(self.store())
        database = self.url.database
        if database in (None, "", ":memory:"):
            return None
        return _file_lock_held(Path(str(database)).with_name(Path(str(database)).name + LOCK_SUFFIX))

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()


def _file_lock_held(path: Path) -> bool:
    """Whether a process holds the flock on `path`: Linux lists every lock in /proc/locks (no
    lock taken to find out); elsewhere a shared lock is tried and dropped at once."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False  # no watch ever ran on this database
    if PROC_LOCKS.exists():
        device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
        return any(
            fields[1] == "FLOCK" and fields[5] == device
            for fields in (line.split() for line in PROC_LOCKS.read_text().splitlines())
            if len(fields) > 5 and fields[1] != "->"
        )
    import fcntl

    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock just taken
    return False


def _advisory_lock_held(store: HistoryStore) -> bool:
    """Whether any session holds the watch's advisory lock on this database (pg_locks, read only)."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
    )
    try:
        with store.engine.connect() as connection:
            count = connection.execute(query, {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF}).scalar()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ChainwatchError(f"cannot tell whether a watch runs on {store.location}: {reason}") from None
    return bool(count)
