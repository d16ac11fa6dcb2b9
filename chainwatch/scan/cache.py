"""Discovered accounts kept between runs, one JSON file per chain and log filter.

Scanning a market's history from its deployment takes minutes on public endpoints; the next run
only asks for the blocks since. Files live in the user cache directory (platformdirs), are
written atomically after every chunk (an interrupted scan resumes from its last chunk), and only
blocks older than `CONFIRMATIONS` are recorded as covered, so a reorganised tip is read again.
A file that does not parse is ignored and rebuilt: it is a cache, not a record.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import platformdirs

from chainwatch.files import write_atomic
from chainwatch.rpc.logs import AccountLogs, ScanState

CONFIRMATIONS = 64
SAVE_INTERVAL_S = 1.0
VERSION = 1


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("chainwatch")) / "scan"


class DiscoveryCache:
    """The scan state of one filter on one chain, loaded from and saved to one file."""

    def __init__(self, directory: Path, chain_id: int, logs: AccountLogs) -> None:
        key = json.dumps([chain_id, logs.address.lower(), list(logs.topics), logs.account_topic])
        self.path = Path(directory) / f"{chain_id}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
        self.key = key
        self._saved_at = 0.0

    def load(self) -> ScanState | None:
        """The saved state, if there is a readable one for this very filter."""
        try:
            data = json.loads(self.path.read_text())
            if data.get("version") == VERSION and data.get("key") == self.key:
                return ScanState(data["first"], data["last"], set(data["accounts"]), data["span"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def save(self, state: ScanState, head: int, *, force: bool = False) -> None:
        """Record `state`, covering at most up to `head - CONFIRMATIONS`; throttled unless forced."""
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_INTERVAL_S:
            return
        self._saved_at = now
        data = {
            "version": VERSION,
            "key": self.key,
            "first": state.first,
            "last": min(state.last, head - CONFIRMATIONS),
            "span": state.span,
            "accounts": sorted(state.accounts),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data) + "\n")
