"""History: snapshots stored over time (store), filled from past blocks (backfill), charted (plot).

HistoryStore.open(url=None)   SQLite in the user data dir by default, or any SQLAlchemy URL
backfill(chain, accounts, store, start=, end=, every=)
write_plot(rows, path)        PNG, SVG or a standalone HTML page
"""

from chainwatch.history.store import HistoryRow, HistoryStore, HistoryStoreError, database_url, default_database

__all__ = ["HistoryRow", "HistoryStore", "HistoryStoreError", "database_url", "default_database"]
