"""Gas units per user action, measured on the devnet's real bytecode from transaction receipts.

One fresh account walks a loan's whole life in a market (approve, supply, borrow, approve,
repay in full, withdraw in full) and each receipt's gasUsed is the figure for that action, 21,000
intrinsic gas included, as a user pays it. scripts/measure_gas.py writes the result into the
shipped gas_units.json; the chain tests measure again and compare.

Each protocol family that has real bytecode on the devnet has a measurer in MEASURERS, keyed by
its adapter's `protocol`. Morpho Blue joins when the devnet deploys it: a `measure_morpho_blue`
doing the same walk through Morpho's supplyCollateral/borrow/repay/withdrawCollateral.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from web3 import Web3

from chainwatch.devnet import Deployment, actions, controls

# A borrower the demo never uses, so every action is a first one (cold storage), as for a
# user opening a new loan.
MEASURING_ACCOUNT = 5
COLLATERAL_WBTC = Decimal("1")
LOAN_USDC = Decimal("10000")
INTEREST_BUFFER_USDC = Decimal("10")  # covers the interest of the blocks the loan stays open

Measurer = Callable[[Web3, Deployment], dict[str, int]]


def measure_aave_v3(w3: Web3, deployment: Deployment) -> dict[str, int]:
    """Gas per action for an Aave v3 loan of USDC against WBTC, in the devnet's aave-v3 market.

    Approve is measured twice (WBTC to open, USDC to close); the larger is kept, so a lifecycle
    that approves twice is not undercounted.
    """
    account = w3.eth.accounts[MEASURING_ACCOUNT]
    pool = deployment.markets["aave-v3"].pool
    wbtc, usdc = deployment.wbtc, deployment.usdc
    controls.mint(w3, wbtc, account, COLLATERAL_WBTC)
    controls.mint(w3, usdc, account, INTEREST_BUFFER_USDC)
    receipts = {
        "approve_collateral": actions.approve(w3, wbtc, account, pool),
        "supply": actions.supply(w3, pool, wbtc, COLLATERAL_WBTC, account),
        "borrow": actions.borrow(w3, pool, usdc, LOAN_USDC, account),
        "approve_loan": actions.approve(w3, usdc, account, pool),
        "repay": actions.repay(w3, pool, usdc, None, account),
        "withdraw": actions.withdraw(w3, pool, wbtc, None, account),
    }
    gas = {name: int(receipt["gasUsed"]) for name, receipt in receipts.items()}
    approve = max(gas.pop("approve_collateral"), gas.pop("approve_loan"))
    return {"approve": approve, **gas}


MEASURERS: dict[str, Measurer] = {"aave-v3": measure_aave_v3}

HOW = {
    "aave-v3": (
        "receipt gasUsed (21,000 intrinsic included) on the chainwatch devnet (anvil, default "
        "hardfork) running the real @aave/core-v3 bytecode, market aave-v3 (Spark runs the same "
        "code): a fresh account approves WBTC, supplies 1 WBTC (first supply, enables collateral), "
        "borrows 10,000 USDC at the variable rate, approves USDC, repays all, withdraws all; "
        "approve is the larger of the two approvals. Devnet tokens are plain ERC20s, so mainnet "
        "WBTC/USDC transfers, Chainlink proxies and the incentives controller cost somewhat more."
    ),
}
