"""Borrower actions against a devnet Pool, sent as real transactions.

Tests use these to open and change positions and to measure gas from the receipts; the build
uses them to open the demo loans, so the demo goes through the same code paths. Amounts are
`Decimal` token units (1.5 WBTC is Decimal("1.5")) converted with the token's on-chain decimals;
`None` means "all of it" (type(uint256).max), as Aave's repay and withdraw accept.
"""

from __future__ import annotations

from decimal import Decimal

from web3 import Web3
from web3.types import TxReceipt

from chainwatch.devnet.node import contract, transact

MAX_UINT256 = 2**256 - 1
VARIABLE_RATE = 2  # Aave's interestRateMode for variable-rate debt
NO_REFERRAL = 0


def to_raw(w3: Web3, token: str, amount: Decimal | None) -> int:
    """Token units to the token's integer units; None is the unlimited amount."""
    if amount is None:
        return MAX_UINT256
    decimals = contract(w3, "MintableERC20", token).functions.decimals().call()
    raw = amount * 10**decimals
    if raw != raw.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimals")
    return int(raw)


def approve(w3: Web3, token: str, owner: str, spender: str, amount: Decimal | None = None) -> TxReceipt:
    """ERC20 approve from `owner`; unlimited by default."""
    erc20 = contract(w3, "MintableERC20", token)
    return transact(w3, erc20.functions.approve(spender, to_raw(w3, token, amount)), owner)


def supply(w3: Web3, pool: str, asset: str, amount: Decimal, account: str) -> TxReceipt:
    """Pool.supply for `account` itself (needs a prior approve of the Pool)."""
    call = contract(w3, "Pool", pool).functions.supply(asset, to_raw(w3, asset, amount), account, NO_REFERRAL)
    return transact(w3, call, account)


def borrow(w3: Web3, pool: str, asset: str, amount: Decimal, account: str) -> TxReceipt:
    """Pool.borrow at the variable rate, for and to `account`."""
    call = contract(w3, "Pool", pool).functions.borrow(
        asset, to_raw(w3, asset, amount), VARIABLE_RATE, NO_REFERRAL, account
    )
    return transact(w3, call, account)


def repay(w3: Web3, pool: str, asset: str, amount: Decimal | None, account: str) -> TxReceipt:
    """Pool.repay of variable debt; None repays all of it (needs a prior approve)."""
    call = contract(w3, "Pool", pool).functions.repay(asset, to_raw(w3, asset, amount), VARIABLE_RATE, account)
    return transact(w3, call, account)


def withdraw(w3: Web3, pool: str, asset: str, amount: Decimal | None, account: str) -> TxReceipt:
    """Pool.withdraw to `account`; None withdraws the whole balance."""
    call = contract(w3, "Pool", pool).functions.withdraw(asset, to_raw(w3, asset, amount), account)
    return transact(w3, call, account)
