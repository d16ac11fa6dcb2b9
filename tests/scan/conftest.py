"""Borrowers opened for real on the devnet (mint, approve, supply, borrow through the Pool)."""

from __future__ import annotations

from decimal import Decimal

from eth_utils import keccak, to_checksum_address

from chainwatch.devnet import actions, controls
from chainwatch.devnet.node import rpc


def fresh_account(label: str) -> str:
    """An address nobody holds a key for; the devnet impersonates it to send."""
    return to_checksum_address(keccak(text=f"chainwatch-test-{label}")[-20:])


def open_loan(chain, market: str, account: str, collateral: dict[str, Decimal], borrow: dict[str, Decimal]) -> None:
    w3, deployment = chain.w3, chain.deployment
    pool = deployment.markets[market].pool
    # Funded here: node.ensure_sender skips accounts anvil already impersonates, and an
    # evm_revert takes back their ether but not the impersonation.
    rpc(w3, "anvil_impersonateAccount", [account])
    rpc(w3, "anvil_setBalance", [account, hex(10**20)])
    for symbol, amount in collateral.items():
        token = deployment.tokens[symbol]
        controls.mint(w3, token, account, amount)
        actions.approve(w3, token, account, pool)
        actions.supply(w3, pool, token, amount, account)
    for symbol, amount in borrow.items():
        actions.borrow(w3, pool, deployment.tokens[symbol], amount, account)
