"""ENS on the session devnet, deployed from the published ENS bytecode, for the ENS name tests.

@ensdomains/ens@0.6.2 ships the compiled ENSRegistry and ENSRegistryWithFallback (the contract at
the mainnet registry address since the 2020 migration) and @ensdomains/resolver@0.3.1 the
compiled PublicResolver. They are installed from this folder's package-lock.json by the devnet's
own npm installer, into the CHAINWATCH cache. The world mirrors mainnet: a legacy registry, the
registry with fallback to it, an `eth` node, and names pointed at demo wallets through a
PublicResolver. Everything deployed here is rolled back when the module's tests end, so no
other test sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from chainwatch.devnet import toolchain
from chainwatch.devnet.node import deploy, rpc, transact

HERE = Path(__file__).resolve().parent
MANIFESTS = (HERE / "package.json", HERE / "package-lock.json")
ROOT_NODE = bytes(32)
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# ENSRegistryWithFallback's published ABI is garbled (function names and inputs shuffled); the
# contract is ENSRegistry plus this constructor, as the source in the same artifact shows.
FALLBACK_CONSTRUCTOR = {
    "type": "constructor",
    "inputs": [{"name": "_old", "type": "address", "internalType": "contract ENS"}],
    "stateMutability": "nonpayable",
}


def node_modules() -> Path:
    """The ENS packages, installed by the devnet's installer (npm ci into the cache, in a
    folder keyed by the hash of this folder's manifests)."""
    return toolchain.node_modules(MANIFESTS)


def artifact(modules: Path, package: str, name: str) -> dict[str, Any]:
    return json.loads((modules / "@ensdomains" / package / "build" / "contracts" / f"{name}.json").read_text())


def namehash(name: str) -> bytes:
    """Independent of chainwatch.ens, so the fixture does not take the code under test on trust."""
    node = ROOT_NODE
    for label in reversed(name.split(".")) if name else ():
        node = Web3.keccak(node + Web3.keccak(text=label))
    return node


@dataclass(frozen=True)
class EnsWorld:
    """The deployed ENS and what the tests need to use it."""

    w3: Web3
    admin: str
    registry: Any  # web3 contract: ENSRegistryWithFallback
    legacy_registry: Any  # web3 contract: the old ENSRegistry it falls back to
    resolver: Any  # web3 contract: PublicResolver
    address_book: Path  # [chains.devnet] with ens_registry (and the session devnet's rpc)
    wallets: dict[str, str]  # demo label -> address

    def register(self, name: str, wallet: str | None, *, resolver: bool = True, legacy: bool = False) -> None:
        """`name` (a label under .eth) owned by the admin, with the resolver and its address set."""
        registry = self.legacy_registry if legacy else self.registry
        label, parent = name.split(".", 1)
        resolver_address = self.resolver.address if resolver else ZERO_ADDRESS
        record = registry.functions.setSubnodeRecord
        transact(
            self.w3, record(namehash(parent), Web3.keccak(text=label), self.admin, resolver_address, 0), self.admin
        )
        if wallet:
            self.set_addr(name, wallet)

    def set_addr(self, name: str, wallet: str) -> None:
        set_addr = self.resolver.get_function_by_signature("setAddr(bytes32,address)")
        transact(self.w3, set_addr(namehash(name), wallet), self.admin)


def deploy_ens(devnet: Any, book: Path) -> EnsWorld:
    w3 = devnet.w3
    admin = w3.eth.accounts[-1]
    rpc(w3, "anvil_setBalance", [admin, hex(10**20)])  # earlier tests may have spent its ether
    modules = node_modules()
    plain = artifact(modules, "ens", "ENSRegistry")
    with_fallback = artifact(modules, "ens", "ENSRegistryWithFallback")
    public_resolver = artifact(modules, "resolver", "PublicResolver")
    registry_abi = [entry for entry in plain["abi"] if entry["type"] != "constructor"]

    legacy = w3.eth.contract(address=deploy(w3, admin, plain["abi"], plain["bytecode"]), abi=plain["abi"])
    registry_address = deploy(
        w3, admin, [*registry_abi, FALLBACK_CONSTRUCTOR], with_fallback["bytecode"], legacy.address
    )
    registry = w3.eth.contract(address=registry_address, abi=registry_abi)
    resolver_address = deploy(w3, admin, public_resolver["abi"], public_resolver["bytecode"], registry_address)
    resolver = w3.eth.contract(address=resolver_address, abi=public_resolver["abi"])
    for contract in (registry, legacy):
        transact(w3, contract.functions.setSubnodeOwner(ROOT_NODE, Web3.keccak(text="eth"), admin), admin)

    book.write_text(f'[chains.devnet]\nrpc = ["{devnet.rpc_url}"]\nens_registry = "{registry_address}"\n')
    world = EnsWorld(w3, admin, registry, legacy, resolver, book, dict(devnet.deployment.demo_wallets))
    world.register("wallet-a.eth", world.wallets["A"])
    world.register("wallet-c.eth", world.wallets["C"])
    world.register("🦊.eth", world.wallets["A"])
    world.register("legacy.eth", world.wallets["C"], legacy=True)  # found through the fallback
    world.register("no-resolver.eth", None, resolver=False)
    world.register("no-address.eth", None)
    return world


@pytest.fixture(scope="module")
def ens(devnet: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnsWorld]:
    """ENS deployed on the session devnet for this module's tests, rolled back after them."""
    before = rpc(devnet.w3, "evm_snapshot")
    try:
        yield deploy_ens(devnet, tmp_path_factory.mktemp("ens") / "book.toml")
    finally:
        rpc(devnet.w3, "evm_revert", [before])
