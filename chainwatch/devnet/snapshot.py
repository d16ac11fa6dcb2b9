"""The deployed-state snapshot: built once per input change, then loaded in about a second.

The key hashes the lockfile, our Solidity, the compile script and the deploy Python, so any
change to what would be deployed builds a new snapshot. A build deploys onto a throwaway anvil,
dumps the state with its historical states (so eth_call at older blocks keeps working after a
restore) and moves the finished folder into place in one rename.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chainwatch.devnet import addressbook, anvil, toolchain
from chainwatch.devnet.cache import cache_root, content_hash, exclusive
from chainwatch.devnet.deploy import deploy_world
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.node import connect, rpc

STATE_FILE = "state.json"
DEPLOYMENT_FILE = "deployment.json"
# The Python that decides what gets deployed: every module but those that only run or describe a
# devnet. Excluding (rather than listing) keeps a new deploy module from being forgotten.
_RUNTIME_ONLY = {"__init__.py", "service.py", "addressbook.py", "errors.py", "ports.py", "gas.py"}
PYTHON_SOURCES = sorted(p for p in Path(__file__).resolve().parent.glob("*.py") if p.name not in _RUNTIME_ONLY)


@dataclass(frozen=True)
class Snapshot:
    state: Path  # anvil --load-state file
    deployment: Deployment


def snapshot_dir() -> Path:
    """The folder this code's snapshot lives in (it may not exist yet)."""
    inputs = [*toolchain.MANIFESTS, toolchain.COMPILE_SCRIPT, *toolchain.own_sources(), *PYTHON_SOURCES]
    return cache_root() / "snapshot" / content_hash(inputs)


def _load(folder: Path) -> Snapshot:
    return Snapshot(folder / STATE_FILE, Deployment.from_json((folder / DEPLOYMENT_FILE).read_text()))


def _build(folder: Path) -> None:
    """Deploy onto a fresh anvil and save its state and addresses into `folder` atomically."""
    binary = toolchain.anvil_binary()
    compiled = toolchain.compiled_contracts()
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        port = anvil.free_port()
        with anvil.running(binary, port):
            w3 = connect(anvil.rpc_url(port))
            deployment = deploy_world(w3, compiled)
            dump = rpc(w3, "anvil_dumpState", [True])  # [True]: keep historical states
        # anvil_dumpState answers gzip-compressed JSON as hex; --load-state wants the plain JSON.
        (staging / STATE_FILE).write_bytes(gzip.decompress(bytes.fromhex(dump.removeprefix("0x"))))
        (staging / DEPLOYMENT_FILE).write_text(deployment.to_json())
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def ensure_snapshot(update_address_book: bool = False) -> Snapshot:
    """The current snapshot, building it first (npm ci, compile, deploy) if there is none.

    The deployment is checked against chainwatch/chains/devnet.toml every time; with
    `update_address_book` the file is rewritten from it instead (for intended deploy changes).
    """
    folder = snapshot_dir()
    if not (folder / DEPLOYMENT_FILE).is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with exclusive("snapshot"):
            if not (folder / DEPLOYMENT_FILE).is_file():
                try:
                    _build(folder)
                except DevnetError:
                    raise
                except Exception as exc:  # web3/subprocess errors: keep the one-line contract
                    message = f"devnet build failed: {type(exc).__name__}: {exc}".splitlines()[0]
                    raise DevnetError(message[:300]) from exc
    snapshot = _load(folder)
    if update_address_book:
        addressbook.ADDRESS_BOOK.write_text(addressbook.render(snapshot.deployment))
    addressbook.verify(snapshot.deployment)
    return snapshot


if __name__ == "__main__":  # rebuild the snapshot and rewrite devnet.toml from the deployment
    ensure_snapshot(update_address_book=True)
    print(f"wrote {addressbook.ADDRESS_BOOK}")
