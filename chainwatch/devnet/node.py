"""Talking to a devnet anvil: raw RPC, transactions from unlocked accounts, contract handles.

Everything is sent with eth_sendTransaction from anvil's unlocked accounts (or accounts anvil
impersonates), so no private key appears anywhere in chainwatch.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from chainwatch.devnet import toolchain
from chainwatch.devnet.errors import DevnetError


def connect(rpc_url: str) -> Web3:
    """A Web3 client for a devnet endpoint (generous timeout: seeding txs run ~10M gas)."""
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 120}))


def rpc(w3: Web3, method: str, params: list[Any] | None = None) -> Any:
    """A raw JSON-RPC call (anvil_*/evm_* methods web3 has no wrapper for)."""
    response = w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
    if "error" in response:
        raise DevnetError(f"{method} failed: {response['error'].get('message', response['error'])}")
    return response["result"]


def ensure_sender(w3: Web3, account: str) -> str:
    """Make `account` able to send: anvil's own accounts are unlocked, others get impersonated,
    and an empty account gets ether for gas. The balance is checked every time because
    evm_revert takes the ether back but leaves the impersonation in place."""
    account = Web3.to_checksum_address(account)
    if account not in w3.eth.accounts:
        rpc(w3, "anvil_impersonateAccount", [account])
    if w3.eth.get_balance(account) == 0:
        rpc(w3, "anvil_setBalance", [account, hex(10**20)])
    return account


def _confirmed(w3: Web3, tx_hash: HexBytes, what: str) -> TxReceipt:
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise DevnetError(f"{what} reverted in block {receipt['blockNumber']}")
    return receipt


def transact(w3: Web3, call: ContractFunction, sender: str) -> TxReceipt:
    """Send a contract call as a mined transaction from `sender`; raise if it reverts."""
    tx_hash = call.transact({"from": ensure_sender(w3, sender)})
    return _confirmed(w3, tx_hash, call.fn_name)


def deploy(w3: Web3, sender: str, abi: list[dict[str, Any]], bytecode: str, *args: Any) -> str:
    """Deploy a contract from `sender`; returns its checksum address."""
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    receipt = _confirmed(w3, factory.constructor(*args).transact({"from": sender}), "deployment")
    address = receipt["contractAddress"]
    if address is None:
        raise DevnetError(f"deployment in block {receipt['blockNumber']} created no contract")
    return Web3.to_checksum_address(address)


@cache
def abi(name: str) -> tuple[dict[str, Any], ...]:
    """ABI of one of our contracts, else of an @aave/core-v3 artifact, else of an Aave v3.6
    contract of that name. Names both Aave versions use (Pool's functions a user calls, the
    provider's, the ACL's) have the same signatures in both; the v3.6-only ones (PoolInstance,
    PoolConfiguratorInstance, ...) are what differs."""
    ours = toolchain.compiled_contracts()
    if name in ours:
        return tuple(ours[name]["abi"])
    try:
        return tuple(toolchain.aave_artifact(name)["abi"])
    except DevnetError:
        return tuple(toolchain.aave_v36_artifact(name)["abi"])


def contract(w3: Web3, name: str, address: str) -> Contract:
    """A web3 contract handle for `address` with the ABI of contract `name`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=list(abi(name)))
