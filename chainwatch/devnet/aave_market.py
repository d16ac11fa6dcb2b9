"""Deploying one Aave v3 market from the @aave/core-v3 artifacts (real bytecode, no stubs).

The devnet deploys this twice, as "aave-v3" and as "spark" (Spark runs Aave v3 code), with the
order from devnet-notes: provider → ACL → Pool → configurator → oracle → data provider →
reserves. Token implementations are built with the Pool *proxy* address, which their
initialize checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from web3 import Web3

from chainwatch.devnet import toolchain
from chainwatch.devnet.deployment import AaveMarket
from chainwatch.devnet.node import contract, deploy, transact

RAY = 10**27
USD_BASE_UNIT = 10**8  # AaveOracle base currency: USD with 8 decimals, as on Ethereum
POOL_LIBRARIES = ("BorrowLogic", "SupplyLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic")


@dataclass(frozen=True)
class RateStrategy:
    """DefaultReserveInterestRateStrategy parameters as fractions (0.04 = 4% a year)."""

    optimal_usage: Decimal
    base_rate: Decimal
    slope1: Decimal
    slope2: Decimal


@dataclass(frozen=True)
class ReserveSpec:
    """Risk parameters of one reserve, as fractions (ltv 0.73 = 73%, bonus 1.05 = 5% bonus)."""

    ltv: Decimal
    liquidation_threshold: Decimal
    liquidation_bonus: Decimal
    reserve_factor: Decimal
    borrowing: bool
    rates: RateStrategy


@dataclass(frozen=True)
class MarketSpec:
    name: str
    market_id: str
    token_name: str  # token name prefix, e.g. "Aave Ethereum" or "Spark"
    a_token_prefix: str  # aToken symbol prefix, e.g. "aEth" or "sp"
    debt_token_infix: str  # debt token symbol infix, e.g. "Eth" in variableDebtEthWBTC
    reserves: dict[str, ReserveSpec]  # underlying symbol -> parameters


def _bps(fraction: Decimal) -> int:
    return int(fraction * 10_000)


def _ray(fraction: Decimal) -> int:
    return int(fraction * RAY)


def link(artifact: dict[str, Any], libraries: dict[str, str]) -> str:
    """Creation bytecode with library addresses filled in at the artifact's link offsets."""
    code = artifact["bytecode"]
    for refs in artifact["linkReferences"].values():
        for library, spots in refs.items():
            address = libraries[library][2:].lower()
            for spot in spots:
                start = 2 + 2 * spot["start"]  # hex string: "0x" prefix, two characters a byte
                code = code[:start] + address + code[start + 2 * spot["length"] :]
    return code


def deploy_artifact(w3: Web3, sender: str, name: str, *args: Any, libraries: dict[str, str] | None = None) -> str:
    """Deploy an @aave/core-v3 artifact (linked against `libraries` where it needs them)."""
    artifact = toolchain.aave_artifact(name)
    return deploy(w3, sender, artifact["abi"], link(artifact, libraries or {}), *args)


def deploy_libraries(w3: Web3, sender: str) -> dict[str, str]:
    """The logic libraries Pool and PoolConfigurator link against (FlashLoanLogic needs BorrowLogic)."""
    libraries = {name: deploy_artifact(w3, sender, name) for name in POOL_LIBRARIES}
    libraries["FlashLoanLogic"] = deploy_artifact(w3, sender, "FlashLoanLogic", libraries=libraries)
    libraries["ConfiguratorLogic"] = deploy_artifact(w3, sender, "ConfiguratorLogic")
    return libraries


def deploy_market(
    w3: Web3,
    sender: str,
    spec: MarketSpec,
    libraries: dict[str, str],
    tokens: dict[str, str],
    price_sources: dict[str, str],
) -> AaveMarket:
    """Deploy and configure one market; `sender` becomes owner and every admin role."""
    provider_address = deploy_artifact(w3, sender, "PoolAddressesProvider", spec.market_id, sender)
    provider = contract(w3, "PoolAddressesProvider", provider_address)
    transact(w3, provider.functions.setACLAdmin(sender), sender)
    acl_address = deploy_artifact(w3, sender, "ACLManager", provider_address)
    transact(w3, provider.functions.setACLManager(acl_address), sender)
    acl = contract(w3, "ACLManager", acl_address)
    for grant in (acl.functions.addPoolAdmin, acl.functions.addRiskAdmin,
                  acl.functions.addAssetListingAdmin, acl.functions.addEmergencyAdmin):
        transact(w3, grant(sender), sender)

    pool_impl = deploy_artifact(w3, sender, "Pool", provider_address, libraries=libraries)
    transact(w3, provider.functions.setPoolImpl(pool_impl), sender)
    pool_address = provider.functions.getPool().call()
    configurator_impl = deploy_artifact(w3, sender, "PoolConfigurator", libraries=libraries)
    transact(w3, provider.functions.setPoolConfiguratorImpl(configurator_impl), sender)
    configurator = contract(w3, "PoolConfigurator", provider.functions.getPoolConfigurator().call())

    symbols = list(spec.reserves)
    oracle_address = deploy_artifact(
        w3, sender, "AaveOracle", provider_address,
        [tokens[s] for s in symbols], [price_sources[s] for s in symbols],
        "0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000",
        USD_BASE_UNIT,
    )
    transact(w3, provider.functions.setPriceOracle(oracle_address), sender)
    data_provider = deploy_artifact(w3, sender, "AaveProtocolDataProvider", provider_address)
    transact(w3, provider.functions.setPoolDataProvider(data_provider), sender)

    a_token_impl = deploy_artifact(w3, sender, "AToken", pool_address)
    stable_impl = deploy_artifact(w3, sender, "StableDebtToken", pool_address)
    variable_impl = deploy_artifact(w3, sender, "VariableDebtToken", pool_address)
    strategies = {
        symbol: deploy_artifact(
            w3, sender, "DefaultReserveInterestRateStrategy", provider_address,
            _ray(r.rates.optimal_usage), _ray(r.rates.base_rate), _ray(r.rates.slope1), _ray(r.rates.slope2),
            0, 0, 0, 0, 0,  # stable-rate parameters: stable borrowing stays disabled
        )
        for symbol, r in spec.reserves.items()
    }
    inputs = [
        (
            a_token_impl, stable_impl, variable_impl,
            contract(w3, "MintableERC20", tokens[symbol]).functions.decimals().call(),
            strategies[symbol], tokens[symbol], sender, "0x0000000000000000000000000000000000000000",
            f"{spec.token_name} {symbol}", f"{spec.a_token_prefix}{symbol}",
            f"{spec.token_name} Variable Debt {symbol}", f"variableDebt{spec.debt_token_infix}{symbol}",
            f"{spec.token_name} Stable Debt {symbol}", f"stableDebt{spec.debt_token_infix}{symbol}",
            b"",
        )
        for symbol in symbols
    ]
    transact(w3, configurator.functions.initReserves(inputs), sender)
    for symbol, r in spec.reserves.items():
        asset = tokens[symbol]
        transact(w3, configurator.functions.configureReserveAsCollateral(
            asset, _bps(r.ltv), _bps(r.liquidation_threshold), _bps(r.liquidation_bonus)), sender)
        transact(w3, configurator.functions.setReserveBorrowing(asset, r.borrowing), sender)
        transact(w3, configurator.functions.setReserveFactor(asset, _bps(r.reserve_factor)), sender)

    pool = contract(w3, "Pool", pool_address)
    reserve_data = {symbol: pool.functions.getReserveData(tokens[symbol]).call() for symbol in symbols}
    return AaveMarket(
        name=spec.name,
        pool_addresses_provider=provider_address,
        pool=pool_address,
        pool_configurator=configurator.address,
        acl_manager=acl_address,
        oracle=oracle_address,
        data_provider=data_provider,
        a_tokens={symbol: data[8] for symbol, data in reserve_data.items()},
        variable_debt_tokens={symbol: data[10] for symbol, data in reserve_data.items()},
        interest_rate_strategies=strategies,
    )
