"""Gas units per user action, measured on the devnet's real bytecode from transaction receipts.

One fresh account walks a loan's whole life in a market (approve, supply, borrow, approve,
repay in full, withdraw in full) and each receipt's gasUsed is the figure for that action, 21,000
intrinsic gas included, as a user pays it. scripts/measure_gas.py writes the result into the
shipped gas_units.json; the chain tests measure again and compare.

Each protocol family that has real bytecode on the devnet has a measurer in MEASURERS, keyed by
its adapter's `protocol`: Aave v3 and Morpho Blue (the devnet's Comet is a stand-in, so Compound
v3 keeps published figures). Aave v3's figures come from the devnet's v3.6 market, the code
Ethereum's Aave Core market runs and its users pay for; the v3.0 code of the devnet's aave-v3 and
spark markets costs about 11% more over a loan's life.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from web3 import Web3

from chainwatch.devnet import actions, controls
from chainwatch.devnet.deployment import Deployment

# A borrower the demo never uses, so every action is a first one (cold storage), as for a
# user opening a new loan.
MEASURING_ACCOUNT = 5
COLLATERAL_WBTC = Decimal("1")
LOAN_USDC = Decimal("10000")
AAVE_MARKET = "aave-v3.6"  # the devnet market whose receipts stand for the whole Aave v3 family
INTEREST_BUFFER_USDC = Decimal("10")  # covers the interest of the blocks the loan stays open

Measurer = Callable[[Web3, Deployment], dict[str, int]]


def measure_aave_v3(w3: Web3, deployment: Deployment, market: str = AAVE_MARKET) -> dict[str, int]:
    """Gas per action for an Aave v3 loan of USDC against WBTC, in a devnet Aave market.

    Approve is measured twice (WBTC to open, USDC to close); the larger is kept, so a lifecycle
    that approves twice is not undercounted.
    """
    account = w3.eth.accounts[MEASURING_ACCOUNT]
    pool = deployment.markets[market].pool
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


def measure_morpho_blue(w3: Web3, deployment: Deployment) -> dict[str, int]:
    """The same walk through the devnet's real Morpho Blue WBTC/USDC market: supplyCollateral,
    borrow, repay by shares (Morpho's way to repay all), withdrawCollateral."""
    account = w3.eth.accounts[MEASURING_ACCOUNT]
    market = deployment.morpho_blue
    controls.mint(w3, market.collateral_token, account, COLLATERAL_WBTC)
    controls.mint(w3, market.loan_token, account, INTEREST_BUFFER_USDC)
    receipts = {
        "approve_collateral": actions.approve(w3, market.collateral_token, account, market.morpho),
        "supply": actions.morpho_supply_collateral(w3, market, COLLATERAL_WBTC, account),
        "borrow": actions.morpho_borrow(w3, market, LOAN_USDC, account),
        "approve_loan": actions.approve(w3, market.loan_token, account, market.morpho),
        "repay": actions.morpho_repay_shares(w3, market, None, account),
        "withdraw": actions.morpho_withdraw_collateral(w3, market, None, account),
    }
    gas = {name: int(receipt["gasUsed"]) for name, receipt in receipts.items()}
    approve = max(gas.pop("approve_collateral"), gas.pop("approve_loan"))
    return {"approve": approve, **gas}


MEASURERS: dict[str, Measurer] = {"aave-v3": measure_aave_v3, "morpho-blue": measure_morpho_blue}

HOW = {
    "aave-v3": (
        "receipt gasUsed (21,000 intrinsic included) on the chainwatch devnet (anvil, default "
        "hardfork) running Aave v3.6, the code of Ethereum's Aave Core market, compiled from the "
        "real @aave-dao/aave-v3-origin 3.6.0 sources with its own settings (solc 0.8.27, 200 runs, "
        "shanghai), market aave-v3.6; the v3.0 bytecode of @aave/core-v3 (the devnet's aave-v3 and "
        "spark markets) costs about 11% more over a loan's life. A fresh account approves WBTC, "
        "supplies 1 WBTC (first supply, enables collateral), "
        "borrows 10,000 USDC at the variable rate, approves USDC, repays all, withdraws all; "
        "approve is the larger of the two approvals. Devnet tokens are plain ERC20s, so mainnet "
        "WBTC/USDC transfers, Chainlink proxies and the incentives controller cost somewhat more."
    ),
    "morpho-blue": (
        "receipt gasUsed (21,000 intrinsic included) on the chainwatch devnet (anvil, default "
        "hardfork) running the real Morpho Blue bytecode (@morpho-org/morpho-blue 1.0.0, solc "
        "0.8.19 via-IR), WBTC/USDC market: a fresh account approves WBTC, supplies 1 WBTC as "
        "collateral, borrows 10,000 USDC, approves USDC, repays all shares, withdraws all "
        "collateral; approve is the larger of the two approvals. Mainnet adds the cost of real "
        "token transfers, the market's Chainlink oracle and the AdaptiveCurveIrm."
    ),
}
