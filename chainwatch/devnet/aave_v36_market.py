"""Deploying an Aave v3.6 market, the code Ethereum's Aave Core market runs, compiled from the
real aave-v3-origin 3.6.0 sources (toolchain.aave_v36_artifact; no stubs).

Where v3.6 differs from the v3.0 markets (aave_market.py), and why the order differs with it:
- one global DefaultReserveInterestRateStrategyV2 for every reserve, passed to the Pool's
  constructor, so it is deployed before the Pool; each reserve's rates go to initReserves;
- the Pool, configurator and token implementations are the *Instance contracts, and the token
  implementations take the Pool proxy, rewards controller and treasury as immutables;
- no stable debt: initReserves takes no stable debt token, decimals or strategy per reserve;
- its own logic libraries (v3.6's Pool links five of them).
"""

from __future__ import annotations

from eth_abi import encode
from web3 import Web3

from chainwatch.devnet import toolchain
from chainwatch.devnet.aave_market import (
    ZERO_ADDRESS,
    MarketSpec,
    RateStrategy,
    bps,
    configure_reserves,
    deploy_artifact,
    deploy_libraries,
    deploy_oracle_and_data_provider,
    deploy_provider,
    install_proxy,
    market_record,
    token_names,
)
from chainwatch.devnet.deployment import AaveMarket
from chainwatch.devnet.node import contract, transact

ARTIFACTS = toolchain.aave_v36_artifact
# In deployment order: FlashLoanLogic links BorrowLogic.
LIBRARIES = ("SupplyLogic", "BorrowLogic", "LiquidationLogic", "PoolLogic", "ConfiguratorLogic", "FlashLoanLogic")
NO_REWARDS_CONTROLLER = ZERO_ADDRESS


def interest_rate_data(rates: RateStrategy) -> bytes:
    """A reserve's rates as DefaultReserveInterestRateStrategyV2 takes them in initReserves:
    abi.encode(InterestRateData(uint16 optimalUsageRatio, uint32 base, uint32 slope1, uint32
    slope2)), in basis points."""
    values = (bps(rates.optimal_usage), bps(rates.base_rate), bps(rates.slope1), bps(rates.slope2))
    return encode(["(uint16,uint32,uint32,uint32)"], [values])


def deploy_v36_market(
    w3: Web3,
    sender: str,
    spec: MarketSpec,
    tokens: dict[str, str],
    price_sources: dict[str, str],
) -> AaveMarket:
    """Deploy and configure one v3.6 market, with its own libraries; `sender` becomes owner,
    every admin role and the treasury."""
    provider_address, acl_address = deploy_provider(w3, sender, spec.market_id, ARTIFACTS)
    strategy = deploy_artifact(
        w3, sender, "DefaultReserveInterestRateStrategyV2", provider_address, artifacts=ARTIFACTS
    )
    libraries = deploy_libraries(w3, sender, LIBRARIES, ARTIFACTS)
    pool_impl = deploy_artifact(
        w3, sender, "PoolInstance", provider_address, strategy, libraries=libraries, artifacts=ARTIFACTS
    )
    pool_address = install_proxy(w3, sender, provider_address, "Pool", pool_impl)
    configurator_impl = deploy_artifact(
        w3, sender, "PoolConfiguratorInstance", libraries=libraries, artifacts=ARTIFACTS
    )
    configurator = contract(
        w3, "PoolConfiguratorInstance",
        install_proxy(w3, sender, provider_address, "PoolConfigurator", configurator_impl),
    )  # fmt: skip
    symbols = list(spec.reserves)
    oracle, data_provider = deploy_oracle_and_data_provider(
        w3, sender, provider_address, [tokens[s] for s in symbols], [price_sources[s] for s in symbols], ARTIFACTS
    )

    a_token_impl = deploy_artifact(
        w3, sender, "ATokenInstance", pool_address, NO_REWARDS_CONTROLLER, sender, artifacts=ARTIFACTS
    )
    variable_impl = deploy_artifact(
        w3, sender, "VariableDebtTokenInstance", pool_address, NO_REWARDS_CONTROLLER, artifacts=ARTIFACTS
    )
    inputs = [
        (
            a_token_impl, variable_impl, tokens[symbol], *token_names(spec, symbol),
            b"", interest_rate_data(spec.reserves[symbol].rates),
        )
        for symbol in symbols
    ]  # fmt: skip
    transact(w3, configurator.functions.initReserves(inputs), sender)
    configure_reserves(w3, sender, configurator, spec, tokens)
    return market_record(
        w3, spec, provider_address, acl_address, configurator.address, oracle, data_provider, tokens,
        {symbol: strategy for symbol in symbols},
    )  # fmt: skip
