"""The versioned schema: new databases, upgrades step by step, refusals, rollback of a failed step."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, select, text

from chainwatch.history import HistoryStore
from chainwatch.history.migrations import SchemaError, current_version, migrate
from chainwatch.history.schema import SCHEMA_VERSION, metadata, schema_version
from chainwatch.history.store import database_url, open_engine


def engine_for(db_url):
    return open_engine(database_url(db_url))


def version_one() -> MetaData:
    """A stand-in 'old' schema of this test's own: one table, recorded as version 1."""
    old = MetaData()
    schema_version.to_metadata(old)
    Table("notes", old, Column("id", Integer, primary_key=True), Column("body", String(50)))
    return old


def add_column(connection):
    connection.execute(text("ALTER TABLE notes ADD COLUMN author VARCHAR(50)"))


def test_a_new_database_gets_the_current_schema(db_url):
    engine = engine_for(db_url)
    assert migrate(engine) == 0
    with engine.connect() as connection:
        assert current_version(connection) == SCHEMA_VERSION
        assert set(metadata.tables) <= set(inspect(connection).get_table_names())
    assert migrate(engine) == SCHEMA_VERSION  # opening again changes nothing
    engine.dispose()


def test_an_old_database_is_upgraded_and_keeps_its_rows(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
    assert migrate(engine, target=2, tables=version_one(), upgrades={1: add_column}) == 1
    with engine.connect() as connection:
        assert current_version(connection) == 2
        assert connection.execute(text("SELECT body, author FROM notes")).all() == [("kept", None)]
    engine.dispose()


def test_a_failed_upgrade_leaves_the_database_as_it_was(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())

    def half_done(connection):
        add_column(connection)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        migrate(engine, target=2, tables=version_one(), upgrades={1: half_done})
    with engine.connect() as connection:
        assert current_version(connection) == 1
        assert "author" not in {c["name"] for c in inspect(connection).get_columns("notes")}
    engine.dispose()


def test_a_missing_upgrade_step_is_an_error(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())
    with pytest.raises(SchemaError, match="no upgrade from schema version 1 to 2"):
        migrate(engine, target=2, tables=version_one(), upgrades={})
    engine.dispose()


def test_a_newer_database_is_refused(db_url):
    with HistoryStore.open(db_url) as store:
        with store.engine.begin() as connection:
            connection.execute(schema_version.update().values(version=SCHEMA_VERSION + 1))
    with pytest.raises(SchemaError, match="newer than this chainwatch"):
        HistoryStore.open(db_url)


def test_a_foreign_database_is_refused(db_url):
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE snapshots (id INTEGER)"))
    with pytest.raises(SchemaError, match="no schema version"):
        migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(select(text("count(*)")).select_from(text("snapshots"))).scalar() == 0
    engine.dispose()
