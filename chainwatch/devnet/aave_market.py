"""Deploying one Aave v3 market from real bytecode (no stubs), and the steps every Aave v3 version
shares.

The devnet deploys the v3.0 code of the @aave/core-v3 artifacts twice, as "aave-v3" and as
"spark" (Spark runs Aave v3 code), with the order from devnet-notes: provider → ACL → Pool →
configurator → oracle → data provider → reserves. Token implementations are built with the Pool
*proxy* address, which their initialize checks. aave_v36_market.py deploys the v3.6 code from
the same steps where the versions agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from web3 import Web3
from web3.contract import Contract

from chainwatch.devnet import toolchain
from chainwatch.devnet.deployment import AaveMarket
from chainwatch.devnet.node import contract, deploy, transact

RAY = 10**27
USD_BASE_UNIT = 10**8  # AaveOracle base currency: USD with 8 decimals, as on Ethereum
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# v3.0's logic libraries in deployment order (FlashLoanLogic links BorrowLogic).
V30_LIBRARIES = (
    "BorrowLogic", "SupplyLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic",
    "FlashLoanLogic", "ConfiguratorLogic",
)  # fmt: skip

Artifacts = Callable[[str], dict[str, Any]]  # contract name -> {abi, bytecode, linkReferences}


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


def bps(fraction: Decimal) -> int:
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


def deploy_artifact(
    w3: Web3,
    sender: str,
    name: str,
    *args: Any,
    libraries: dict[str, str] | None = None,
    artifacts: Artifacts = toolchain.aave_artifact,
) -> str:
    """Deploy an Aave artifact (an @aave/core-v3 one unless `artifacts` says otherwise), linked
    against `libraries` where it needs them."""
    artifact = artifacts(name)
    return deploy(w3, sender, artifact["abi"], link(artifact, libraries or {}), *args)


def deploy_libraries(
    w3: Web3, sender: str, names: tuple[str, ...] = V30_LIBRARIES, artifacts: Artifacts = toolchain.aave_artifact
) -> dict[str, str]:
    """The logic libraries Pool and PoolConfigurator link against, in order, each linked against
    those before it (FlashLoanLogic calls BorrowLogic)."""
    libraries: dict[str, str] = {}
    for name in names:
        libraries[name] = deploy_artifact(w3, sender, name, libraries=libraries, artifacts=artifacts)
    return libraries


def deploy_provider(w3: Web3, sender: str, market_id: str, artifacts: Artifacts) -> tuple[str, str]:
    """The PoolAddressesProvider and its ACLManager; `sender` becomes owner and every admin role.
    Returns (provider, ACL manager)."""
    provider_address = deploy_artifact(w3, sender, "PoolAddressesProvider", market_id, sender, artifacts=artifacts)
    provider = contract(w3, "PoolAddressesProvider", provider_address)
    transact(w3, provider.functions.setACLAdmin(sender), sender)
    acl_address = deploy_artifact(w3, sender, "ACLManager", provider_address, artifacts=artifacts)
    transact(w3, provider.functions.setACLManager(acl_address), sender)
    acl = contract(w3, "ACLManager", acl_address)
    for grant in (
        acl.functions.addPoolAdmin,
        acl.functions.addRiskAdmin,
        acl.functions.addAssetListingAdmin,
        acl.functions.addEmergencyAdmin,
    ):
        transact(w3, grant(sender), sender)
    return provider_address, acl_address


def install_proxy(w3: Web3, sender: str, provider_address: str, role: str, implementation: str) -> str:
    """Point the provider's `role` ("Pool" or "PoolConfigurator") at `implementation`; the first
    time the provider creates the proxy, whose address is returned."""
    provider = contract(w3, "PoolAddressesProvider", provider_address)
    transact(w3, provider.get_function_by_name(f"set{role}Impl")(implementation), sender)
    return str(provider.get_function_by_name(f"get{role}")().call())


def deploy_oracle_and_data_provider(
    w3: Web3,
    sender: str,
    provider_address: str,
    assets: list[str],
    sources: list[str],
    artifacts: Artifacts,
) -> tuple[str, str]:
    """AaveOracle in USD (8 decimals) over `sources`, and the protocol data provider, both
    registered in the provider. Returns (oracle, data provider)."""
    provider = contract(w3, "PoolAddressesProvider", provider_address)
    oracle = deploy_artifact(
        w3, sender, "AaveOracle", provider_address, assets, sources, ZERO_ADDRESS, ZERO_ADDRESS, USD_BASE_UNIT,
        artifacts=artifacts,
    )  # fmt: skip
    transact(w3, provider.functions.setPriceOracle(oracle), sender)
    data_provider = deploy_artifact(w3, sender, "AaveProtocolDataProvider", provider_address, artifacts=artifacts)
    transact(w3, provider.functions.setPoolDataProvider(data_provider), sender)
    return oracle, data_provider


def token_names(spec: MarketSpec, symbol: str) -> tuple[str, str, str, str]:
    """aToken name and symbol, variable debt token name and symbol, for one reserve."""
    return (
        f"{spec.token_name} {symbol}", f"{spec.a_token_prefix}{symbol}",
        f"{spec.token_name} Variable Debt {symbol}", f"variableDebt{spec.debt_token_infix}{symbol}",
    )  # fmt: skip


def configure_reserves(w3: Web3, sender: str, configurator: Contract, spec: MarketSpec, tokens: dict[str, str]) -> None:
    """Collateral parameters, borrowing and reserve factor of each reserve (the same calls in
    every Aave v3 version)."""
    for symbol, r in spec.reserves.items():
        asset = tokens[symbol]
        transact(
            w3,
            configurator.functions.configureReserveAsCollateral(
                asset, bps(r.ltv), bps(r.liquidation_threshold), bps(r.liquidation_bonus)
            ),
            sender,
        )
        transact(w3, configurator.functions.setReserveBorrowing(asset, r.borrowing), sender)
        transact(w3, configurator.functions.setReserveFactor(asset, bps(r.reserve_factor)), sender)


def market_record(
    w3: Web3,
    spec: MarketSpec,
    provider_address: str,
    acl_address: str,
    configurator: str,
    oracle: str,
    data_provider: str,
    tokens: dict[str, str],
    strategies: dict[str, str],
) -> AaveMarket:
    """The deployed market's addresses, its token proxies read back from the Pool."""
    pool_address = contract(w3, "PoolAddressesProvider", provider_address).functions.getPool().call()
    pool = contract(w3, "Pool", pool_address)  # getReserveData keeps its v3.0 layout in v3.6
    reserve_data = {symbol: pool.functions.getReserveData(tokens[symbol]).call() for symbol in spec.reserves}
    return AaveMarket(
        name=spec.name,
        pool_addresses_provider=provider_address,
        pool=pool_address,
        pool_configurator=configurator,
        acl_manager=acl_address,
        oracle=oracle,
        data_provider=data_provider,
        a_tokens={symbol: data[8] for symbol, data in reserve_data.items()},
        variable_debt_tokens={symbol: data[10] for symbol, data in reserve_data.items()},
        interest_rate_strategies=strategies,
    )


def deploy_market(
    w3: Web3,
    sender: str,
    spec: MarketSpec,
    libraries: dict[str, str],
    tokens: dict[str, str],
    price_sources: dict[str, str],
) -> AaveMarket:
    """Deploy and configure one Aave v3.0 market from the @aave/core-v3 artifacts; `sender`
    becomes owner and every admin role."""
    artifacts = toolchain.aave_artifact
    provider_address, acl_address = deploy_provider(w3, sender, spec.market_id, artifacts)
    pool_impl = deploy_artifact(w3, sender, "Pool", provider_address, libraries=libraries)
    pool_address = install_proxy(w3, sender, provider_address, "Pool", pool_impl)
    configurator_impl = deploy_artifact(w3, sender, "PoolConfigurator", libraries=libraries)
    configurator = contract(
        w3, "PoolConfigurator", install_proxy(w3, sender, provider_address, "PoolConfigurator", configurator_impl)
    )
    symbols = list(spec.reserves)
    oracle, data_provider = deploy_oracle_and_data_provider(
        w3, sender, provider_address, [tokens[s] for s in symbols], [price_sources[s] for s in symbols], artifacts
    )

    a_token_impl = deploy_artifact(w3, sender, "AToken", pool_address)
    stable_impl = deploy_artifact(w3, sender, "StableDebtToken", pool_address)
    variable_impl = deploy_artifact(w3, sender, "VariableDebtToken", pool_address)
    strategies = {
        symbol: deploy_artifact(
            w3,
            sender,
            "DefaultReserveInterestRateStrategy",
            provider_address,
            _ray(r.rates.optimal_usage),
            _ray(r.rates.base_rate),
            _ray(r.rates.slope1),
            _ray(r.rates.slope2),
            0,
            0,
            0,
            0,
            0,  # stable-rate parameters: stable borrowing stays disabled
        )
        for symbol, r in spec.reserves.items()
    }
    inputs = [
        (
            a_token_impl,
            stable_impl,
            variable_impl,
            contract(w3, "MintableERC20", tokens[symbol]).functions.decimals().call(),
            strategies[symbol],
            tokens[symbol],
            sender,
            ZERO_ADDRESS,
            *token_names(spec, symbol),
            f"{spec.token_name} Stable Debt {symbol}",
            f"stableDebt{spec.debt_token_infix}{symbol}",
            b"",
        )
        for symbol in symbols
    ]
    transact(w3, configurator.functions.initReserves(inputs), sender)
    configure_reserves(w3, sender, configurator, spec, tokens)
    return market_record(
        w3, spec, provider_address, acl_address, configurator.address, oracle, data_provider, tokens, strategies
    )
