"""Borrower actions against the devnet's markets, sent as real transactions.

Aave v3 (a Pool), Morpho Blue (`morpho_*`, on a market given by its MorphoMarket) and the Comet
stand-in (`comet_*`). Tests use these to open and change positions and to measure gas from the
receipts; the build uses them to open the demo loans, so the demo goes through the same code paths. Amounts are
`Decimal` token units (1.5 WBTC is Decimal("1.5")) converted with the token's on-chain decimals;
`None` means "all of it" (type(uint256).max), as Aave's repay and withdraw accept.
"""

from __future__ import annotations

from decimal import Decimal

from web3 import Web3
from web3.types import TxReceipt

from chainwatch.devnet.deployment import MorphoMarket
from chainwatch.devnet.node import contract, transact

MAX_UINT256 = 2**256 - 1
VARIABLE_RATE = 2  # Aave's interestRateMode for variable-rate debt
NO_REFERRAL = 0


def token_decimals(w3: Web3, token: str) -> int:
    return int(contract(w3, "MintableERC20", token).functions.decimals().call())


def to_raw(w3: Web3, token: str, amount: Decimal | None) -> int:
    """Token units to the token's integer units; None is the unlimited amount."""
    if amount is None:
        return MAX_UINT256
    decimals = token_decimals(w3, token)
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


# ---- Morpho Blue: amounts by assets, except repay, which is by shares so it closes the loan ----
# exactly (repaying "everything" by assets can revert or leave dust: MorphoBalancesLib docs).


def _morpho(w3: Web3, market: MorphoMarket):  # type: ignore[no-untyped-def]
    return contract(w3, "Morpho", market.morpho).functions


def morpho_supply(w3: Web3, market: MorphoMarket, amount: Decimal, account: str) -> TxReceipt:
    """Lend loan tokens into the market (needs a prior approve of Morpho)."""
    raw = to_raw(w3, market.loan_token, amount)
    return transact(w3, _morpho(w3, market).supply(market.params, raw, 0, account, b""), account)


def morpho_supply_collateral(w3: Web3, market: MorphoMarket, amount: Decimal, account: str) -> TxReceipt:
    """Post collateral for `account` itself (needs a prior approve of Morpho)."""
    raw = to_raw(w3, market.collateral_token, amount)
    return transact(w3, _morpho(w3, market).supplyCollateral(market.params, raw, account, b""), account)


def morpho_borrow(w3: Web3, market: MorphoMarket, amount: Decimal, account: str) -> TxReceipt:
    """Borrow `amount` loan tokens, for and to `account`."""
    raw = to_raw(w3, market.loan_token, amount)
    return transact(w3, _morpho(w3, market).borrow(market.params, raw, 0, account, account), account)


def morpho_repay_shares(w3: Web3, market: MorphoMarket, shares: int | None, account: str) -> TxReceipt:
    """Repay `shares` borrow shares of `account` (None: all of them; needs a prior approve)."""
    functions = _morpho(w3, market)
    if shares is None:
        shares = functions.position(market.market_id, account).call()[1]
    return transact(w3, functions.repay(market.params, 0, shares, account, b""), account)


def morpho_withdraw_collateral(w3: Web3, market: MorphoMarket, amount: Decimal | None, account: str) -> TxReceipt:
    """Take collateral back to `account`; None withdraws all of it."""
    functions = _morpho(w3, market)
    raw = (
        functions.position(market.market_id, account).call()[2]
        if amount is None
        else to_raw(w3, market.collateral_token, amount)
    )
    return transact(w3, functions.withdrawCollateral(market.params, raw, account, account), account)


def morpho_liquidate(w3: Web3, market: MorphoMarket, borrower: str, repaid_shares: int, liquidator: str) -> TxReceipt:
    """Liquidate `borrower` by repaying `repaid_shares` of its borrow shares (needs the
    liquidator's approve of Morpho for the loan token); reverts on a healthy position."""
    call = _morpho(w3, market).liquidate(market.params, borrower, 0, repaid_shares, b"")
    return transact(w3, call, liquidator)


# ---- Comet (the stand-in): supply and withdraw move base and collateral alike, as in Comet ----


def comet_supply(w3: Web3, comet: str, asset: str, amount: Decimal | None, account: str) -> TxReceipt:
    """Comet.supply: collateral, or base (repaying debt first); None with the base token repays
    all of the debt (needs a prior approve of the Comet)."""
    call = contract(w3, "CometStandIn", comet).functions.supply(asset, to_raw(w3, asset, amount))
    return transact(w3, call, account)


def comet_withdraw(w3: Web3, comet: str, asset: str, amount: Decimal | None, account: str) -> TxReceipt:
    """Comet.withdraw: collateral, or base (borrowing once the supplied base is gone); None
    withdraws the whole base supply."""
    call = contract(w3, "CometStandIn", comet).functions.withdraw(asset, to_raw(w3, asset, amount))
    return transact(w3, call, account)
