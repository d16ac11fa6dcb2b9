"""Storage back ends for the history tests: a SQLite file, and a real PostgreSQL server.

The PostgreSQL server is started by this fixture on 127.0.0.1 in a temporary data directory
(initdb + pg_ctl from Debian's `postgresql` package) and stopped at the end of the session;
each test gets a database of its own. When the server binaries are absent — and only then —
the PostgreSQL runs are skipped, with a reason that says so in the summary; under CI (CI=true)
they fail instead, since a CI run that skipped them would pass without testing them. A server
that is installed but will not start fails the tests everywhere.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chainwatch.devnet.anvil import free_port

PG_MISSING = (
    "POSTGRESQL STORAGE TESTS SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) on this "
    "machine; install Debian's `postgresql` package (apt-get install -y postgresql) to run them"
)


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of our own on a free localhost port; yields its base URL."""
    bindir = _pg_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {PG_MISSING.replace('SKIPPED', 'CANNOT RUN')}", pytrace=False)
        pytest.skip(PG_MISSING)
    root = Path(tempfile.mkdtemp(prefix="chainwatch-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    run = lambda *args: subprocess.run([*as_user, *map(str, args)], check=True, capture_output=True)  # noqa: E731
    try:
        run(bindir / "initdb", "-D", data, "-U", "chainwatch", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "server.log", "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}", pytrace=False)
    try:
        yield f"postgresql://chainwatch@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        f"{postgres_server}/postgres".replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs against both back ends."""
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite3")
    return request.getfixturevalue("postgres_url")
