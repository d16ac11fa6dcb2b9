"""Where the devnet keeps what it builds, and how it writes there safely.

Nothing is ever written into the repository: the npm toolchain, compiled contracts, the deployed
state snapshot and the run files of `up` live under the user's cache directory (or
$CHAINWATCH_CACHE_DIR). Every artefact sits in a folder named by a hash of its inputs, so a
change to an input makes a new folder instead of silently reusing a stale one, and every file is
written to a temporary name and renamed, so an interrupted build never leaves a half-written one.

Layout:
    <root>/toolchain/<hash of package-lock.json>/    npm ci output (node_modules)
    <root>/contracts/<hash of lock + .sol + compile.js>.json   solc standard-JSON output
    <root>/snapshot/<hash of lock + .sol + deploy sources>/    state.json, deployment.json
    <root>/run/                                      anvil.pid, anvil.json, anvil.log of `up`
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
LOCKFILE = PACKAGE_DIR / "package-lock.json"


def cache_root() -> Path:
    """The devnet's cache directory; $CHAINWATCH_CACHE_DIR wins so tests and CI can isolate it."""
    configured = os.environ.get("CHAINWATCH_CACHE_DIR")
    root = Path(configured) if configured else Path(platformdirs.user_cache_dir("chainwatch"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def content_hash(files: Iterable[Path]) -> str:
    """A short hash over file names and contents, stable across machines and checkouts."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Serialise builds across processes (two test sessions starting at once build once)."""
    lock_path = cache_root() / f".{name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
