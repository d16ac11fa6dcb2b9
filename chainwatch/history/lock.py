"""One watch per history database: a second one would send every alert twice.

PostgreSQL: a session-level advisory lock, held by a connection of its own for as long as the
watch runs (the server drops it when that session ends, however the process dies); the
connection names its process in `application_name`, so a refused watch can say which one
holds it. SQLite: an exclusive `flock` on a file beside the database (the kernel drops it when
the process dies), holding a line that names the process.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from chainwatch.errors import ChainwatchError
from chainwatch.history.store import HistoryStore

# pg_advisory_lock's key: "chainwatch watch" in one bigint, the same for every chainwatch.
ADVISORY_KEY = int.from_bytes(b"cw-watch", "big") & 0x7FFFFFFFFFFFFFFF
LOCK_SUFFIX = ".watch-lock"


class WatchLockedError(ChainwatchError):
    """Another watch is using this history database."""


def holder_text() -> str:
    """Who this watch is: pid, host and start time."""
    return f"pid {os.getpid()} on {socket.gethostname()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"


@contextmanager
def watch_lock(store: HistoryStore) -> Iterator[None]:
    """Hold the database's watch lock for the block, or raise WatchLockedError naming the holder."""
    url = store.engine.url
    if url.get_backend_name() == "postgresql":
        with _advisory_lock(store):
            yield
    elif url.database in (None, "", ":memory:"):
        yield  # a private in-memory database: nobody else can open it
    else:
        with _file_lock(Path(str(url.database)), store.location):
            yield


@contextmanager
def _file_lock(database: Path, shown: str) -> Iterator[None]:
    path = database.with_name(database.name + LOCK_SUFFIX)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode(errors="replace").strip() or "another process"
            raise WatchLockedError(f"another watch is using {shown}: {holder} (lock file {path})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"chainwatch watch, {holder_text()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(store: HistoryStore) -> Iterator[None]:
    with store._read() as connection:  # one session, held open for the whole watch
        name = f"chainwatch watch, {holder_text()}"[:63]  # PostgreSQL's NAMEDATALEN
        connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": name})
        connection.commit()
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar():
            holder = connection.execute(
                text(
                    "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.objsubid = 1"
                ),
                {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF},
            ).first()
            connection.commit()
            who = (
                f"{holder.application_name or 'an unnamed session'} (server pid {holder.pid}"
                f"{f', from {holder.client_addr}' if holder.client_addr else ''})"
                if holder
                else "another session"
            )
            raise WatchLockedError(f"another watch is using {store.location}: {who}")
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()
