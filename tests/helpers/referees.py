"""Each protocol's own judgement of a position, read straight from its contracts on the devnet:
the independent truth the adapters' figures are checked against (never chainwatch's own model).

- Aave v3 / Spark: the Pool's getUserAccountData (collateral, debt, health factor).
- Compound v3 (the Comet stand-in): isLiquidatable, with Comet's own health loop.
- Morpho Blue: a real `liquidate`, which Morpho refuses with its own reason while the position
  is healthy.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

from web3.exceptions import ContractLogicError

from chainwatch.abi import function
from chainwatch.devnet import actions, controls
from chainwatch.devnet.node import contract, transact
from chainwatch.model import Position
from chainwatch.rpc import BlockReader, Call, EndpointPool
from tests.helpers.accounts import fresh_account

D = Decimal
WAD = D(10) ** 18
MORPHO_HEALTHY = "position is healthy"  # Morpho Blue's ErrorsLib.HEALTHY_POSITION


def aave_account_data(chain: Any, market: str, account: str, block: int) -> tuple[int, ...]:
    """The Pool's getUserAccountData at `block`: (collateral base, debt base, available borrows,
    liquidation threshold bps, LTV bps, health factor WAD)."""
    pool = chain.deployment.markets[market].pool
    reader = BlockReader.at(EndpointPool([chain.rpc_url]), block)
    (row,) = reader.read([Call(pool, function("AavePool", "getUserAccountData"), (account,))])
    return tuple(row)


def assert_matches_aave_pool(
    chain: Any,
    market: str,
    account: str,
    block: int,
    *,
    health_factor: Decimal,
    collateral_usd: Decimal,
    debt_usd: Decimal,
    collateral_assets: int = 1,
    debt_assets: int = 1,
) -> None:
    """Figures against the Pool's own, within the Pool's own rounding of values.

    The Pool truncates each asset's value to its oracle unit (1e-8 USD); the bound below is
    exactly that. Before revision 9 (v3.5) it computes the health factor from the averaged
    liquidation threshold truncated to whole basis points, after from the exact weighted sum;
    the position follows its Pool's rule (Position.threshold_step), so that adds no tolerance.
    """
    data = aave_account_data(chain, market, account, block)
    pool_hf = D(data[5]) / WAD
    tolerance = health_factor * D("1e-9") + D("1e-18")
    assert abs(health_factor - pool_hf) <= tolerance
    assert abs(collateral_usd - D(data[0]) / 10**8) <= D("1e-8") * collateral_assets
    assert abs(debt_usd - D(data[1]) / 10**8) <= D("1e-8") * debt_assets


def assert_position_matches_aave_pool(chain: Any, market: str, position: Position) -> None:
    assert_matches_aave_pool(
        chain, market, position.account, position.block_number,
        health_factor=position.health_factor, collateral_usd=position.collateral_usd, debt_usd=position.debt_usd,
        collateral_assets=len(position.collateral), debt_assets=len(position.debt),
    )  # fmt: skip
    # the average threshold the Pool reports is always truncated to whole bps, whichever rule it judges by
    pool_threshold_bps = aave_account_data(chain, market, position.account, position.block_number)[3]
    assert position.liquidation_ltv is not None
    assert (position.liquidation_ltv * 10_000).to_integral_value(ROUND_FLOOR) == pool_threshold_bps
    # the borrow limit is the Pool's own, truncated to whole bps in every version
    account = aave_account_data(chain, market, position.account, position.block_number)
    assert position.max_ltv == D(account[4]) / 10_000


def aave_liquidatable(chain: Any, market: str, account: str) -> bool:
    """The Pool lets liquidationCall through exactly when its health factor is below 1."""
    block = chain.w3.eth.block_number
    return D(aave_account_data(chain, market, account, block)[5]) < WAD


def comet_liquidatable(chain: Any, account: str) -> bool:
    """Comet's isLiquidatable, after accruing as a liquidator's absorb does (it values the debt
    at the stored index, so without the accrual it would judge an older debt)."""
    comet = contract(chain.w3, "CometStandIn", chain.deployment.comet).functions
    transact(chain.w3, comet.accrueAccount(account), account)
    return bool(comet.isLiquidatable(account).call())


def morpho_borrow_shares(chain: Any, account: str) -> int:
    market = chain.deployment.morpho_blue
    return int(contract(chain.w3, "Morpho", market.morpho).functions.position(market.market_id, account).call()[1])


def morpho_liquidate_half(chain: Any, borrower: str) -> bool:
    """Try a real Morpho.liquidate of half the borrower's shares by a funded liquidator: True if
    Morpho took it (mined), False if Morpho refused it as healthy. Any other revert raises."""
    w3, market = chain.w3, chain.deployment.morpho_blue
    liquidator = fresh_account(f"morpho liquidator of {borrower}")
    controls.mint(w3, market.loan_token, liquidator, D(100000))
    actions.approve(w3, market.loan_token, liquidator, market.morpho)
    shares = morpho_borrow_shares(chain, borrower)
    morpho = contract(w3, "Morpho", market.morpho).functions
    try:
        morpho.liquidate(market.params, borrower, 0, shares // 2, b"").call({"from": liquidator})
    except ContractLogicError as refused:
        assert MORPHO_HEALTHY in str(refused), f"Morpho refused for another reason: {refused}"
        return False
    actions.morpho_liquidate(w3, market, borrower, shares // 2, liquidator)
    return True
