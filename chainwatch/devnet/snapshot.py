"""The deployed-state snapshot of both local chains: built once per input change, then loaded
in about a second.

The key hashes the lockfile, our Solidity, the compile script and the deploy Python, so any
change to what would be deployed builds a new snapshot. A build deploys each local chain (the
devnet, devnet-l2) onto its own throwaway anvil, dumps its state with its historical states (so
eth_call at older blocks keeps working after a restore) into a subfolder named after the chain,
and moves the finished folder into place in one rename.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from chainwatch.devnet import addressbook, anvil, toolchain
from chainwatch.devnet.cache import cache_root, content_hash, exclusive
from chainwatch.devnet.deploy import deploy_world
from chainwatch.devnet.deploy_l2 import deploy_l2_world
from chainwatch.devnet.deployment import Deployment
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.localchains import DEVNET, DEVNET_L2, LOCAL_CHAINS, LocalChain
from chainwatch.devnet.node import connect, rpc

STATE_FILE = "state.json"
DEPLOYMENT_FILE = "deployment.json"
# The Python that decides what gets deployed: every module but those that only run or describe a
# devnet. Excluding (rather than listing) keeps a new deploy module from being forgotten.
_RUNTIME_ONLY = {"__init__.py", "service.py", "addressbook.py", "errors.py", "ports.py", "gas.py"}
PYTHON_SOURCES = sorted(p for p in Path(__file__).resolve().parent.glob("*.py") if p.name not in _RUNTIME_ONLY)
_DEPLOYERS: dict[LocalChain, Callable[[Web3, dict[str, dict[str, Any]]], Deployment]] = {
    DEVNET: deploy_world,
    DEVNET_L2: deploy_l2_world,
}


@dataclass(frozen=True)
class ChainState:
    """One local chain of a snapshot."""

    chain: LocalChain
    state: Path  # anvil --load-state file
    deployment: Deployment


@dataclass(frozen=True)
class Snapshot:
    chains: dict[LocalChain, ChainState]

    @property
    def state(self) -> Path:
        """The devnet's state file."""
        return self.chains[DEVNET].state

    @property
    def deployment(self) -> Deployment:
        """The devnet's addresses."""
        return self.chains[DEVNET].deployment


def snapshot_dir() -> Path:
    """The folder this code's snapshot lives in (it may not exist yet)."""
    inputs = [*toolchain.MANIFESTS, toolchain.COMPILE_SCRIPT, *toolchain.own_sources(), *PYTHON_SOURCES]
    return cache_root() / "snapshot" / content_hash(inputs)


def _load(folder: Path) -> Snapshot:
    return Snapshot(
        {
            chain: ChainState(
                chain,
                folder / chain.name / STATE_FILE,
                Deployment.from_json((folder / chain.name / DEPLOYMENT_FILE).read_text()),
            )
            for chain in LOCAL_CHAINS
        }
    )


def _deploy_chain(chain: LocalChain, binary: Path, compiled: dict[str, dict[str, Any]], into: Path) -> None:
    """Deploy one local chain onto a fresh anvil and save its state and addresses into `into`."""
    port = anvil.free_port()
    with anvil.running(binary, port, chain_id=chain.chain_id):
        w3 = connect(anvil.rpc_url(port))
        deployment = _DEPLOYERS[chain](w3, compiled)
        dump = rpc(w3, "anvil_dumpState", [True])  # [True]: keep historical states
    into.mkdir()
    # anvil_dumpState answers gzip-compressed JSON as hex; --load-state wants the plain JSON.
    (into / STATE_FILE).write_bytes(gzip.decompress(bytes.fromhex(dump.removeprefix("0x"))))
    (into / DEPLOYMENT_FILE).write_text(deployment.to_json())


def _build(folder: Path) -> None:
    """Deploy every local chain and save their states and addresses into `folder` atomically."""
    binary = toolchain.anvil_binary()
    compiled = toolchain.compiled_contracts()
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for chain in LOCAL_CHAINS:
            _deploy_chain(chain, binary, compiled, staging / chain.name)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def ensure_snapshot(update_address_book: bool = False) -> Snapshot:
    """The current snapshot, building it first (npm ci, compile, deploy) if there is none.

    Each deployment is checked against its chainwatch/chains/NAME.toml every time; with
    `update_address_book` the file is rewritten from it instead (for intended deploy changes).
    """
    folder = snapshot_dir()
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with exclusive("snapshot"):
            if not folder.is_dir():
                try:
                    _build(folder)
                except DevnetError:
                    raise
                except Exception as exc:  # web3/subprocess errors: keep the one-line contract
                    message = f"devnet build failed: {type(exc).__name__}: {exc}".splitlines()[0]
                    raise DevnetError(message[:300]) from exc
    snapshot = _load(folder)
    for chain, built in snapshot.chains.items():
        if update_address_book:
            addressbook.book_file(chain).write_text(addressbook.render(chain, built.deployment))
        addressbook.verify(chain, built.deployment)
    return snapshot


if __name__ == "__main__":  # rebuild the snapshot and rewrite the local chains' book files
    ensure_snapshot(update_address_book=True)
    print("wrote " + ", ".join(str(addressbook.book_file(chain)) for chain in LOCAL_CHAINS))
