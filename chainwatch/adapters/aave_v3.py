"""Aave v3 and every fork that runs its code unchanged (Spark): one adapter, other addresses.

Everything is resolved from the market's PoolAddressesProvider at the pinned block, so protocol
upgrades that move the Pool or the oracle need no change here. Reads come in three rounds:
market layout and accounts' flags, reserves and prices, then the balances each account holds.
Balances come from the aTokens and debt tokens, whose `balanceOf` already includes interest
accrued up to the block's timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from chainwatch.abi import function
from chainwatch.adapters.base import Adapter, MarketRate
from chainwatch.addresses import parse_address_setting
from chainwatch.errors import ChainwatchError
from chainwatch.model import Asset, Holding, Position, from_raw
from chainwatch.risk.interest import Compounding
from chainwatch.rpc import BlockReader, Call

RAY_DECIMALS = 27
BPS_DECIMALS = 4
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

_provider_pool = function("AavePoolAddressesProvider", "getPool")
_provider_oracle = function("AavePoolAddressesProvider", "getPriceOracle")
_reserves_list = function("AavePool", "getReservesList")
_reserve_data = function("AavePool", "getReserveData")
_user_configuration = function("AavePool", "getUserConfiguration")
_user_emode = function("AavePool", "getUserEMode")
_emode_config = function("AavePool", "getEModeCategoryCollateralConfig")  # v3.2+
_emode_bitmap = function("AavePool", "getEModeCategoryCollateralBitmap")  # v3.2+
_emode_data_legacy = function("AavePool", "getEModeCategoryData")  # v3.0/v3.1
_asset_price = function("AaveOracle", "getAssetPrice")
_base_currency = function("AaveOracle", "BASE_CURRENCY")
_base_unit = function("AaveOracle", "BASE_CURRENCY_UNIT")
_symbol = function("ERC20", "symbol")
_balance = function("ERC20", "balanceOf")


class AaveMarketError(ChainwatchError):
    """The contracts behind a configured market are not an Aave v3 market we can read."""


def _bits(word: int, start: int, length: int) -> int:
    return (word >> start) & ((1 << length) - 1)


@dataclass(frozen=True)
class Reserve:
    """One reserve of the pool, decoded from getReserveData and the configuration bitmap."""

    asset: Asset
    reserve_id: int
    price_usd: Decimal
    max_ltv: Decimal
    liquidation_threshold: Decimal
    emode_category: int  # v3.0/v3.1 store it per asset; v3.2+ uses bitmaps per category
    variable_borrow_apr: Decimal
    borrowable: bool  # active, borrowing enabled, neither frozen nor paused
    a_token: str
    variable_debt_token: str
    stable_debt_token: str

    @classmethod
    def decode(cls, chain: str, asset: str, symbol: str, price: Decimal, data: tuple) -> Reserve:
        (config,) = data[0]
        decimals = _bits(config, 48, 8)
        return cls(
            asset=Asset(chain=chain, address=asset, symbol=symbol, decimals=decimals),
            reserve_id=data[7],
            price_usd=price,
            max_ltv=from_raw(_bits(config, 0, 16), BPS_DECIMALS),
            liquidation_threshold=from_raw(_bits(config, 16, 16), BPS_DECIMALS),
            emode_category=_bits(config, 168, 8),
            variable_borrow_apr=from_raw(data[4], RAY_DECIMALS),
            borrowable=bool(_bits(config, 56, 1) and _bits(config, 58, 1))
            and not (_bits(config, 57, 1) or _bits(config, 60, 1)),
            a_token=data[8],
            stable_debt_token=data[9],
            variable_debt_token=data[10],
        )


@dataclass(frozen=True)
class EMode:
    """An efficiency-mode category: its risk parameters and which reserves it covers."""

    max_ltv: Decimal
    liquidation_threshold: Decimal
    covers: frozenset[int]  # reserve ids whose collateral parameters it overrides


class AaveV3Adapter(Adapter):
    protocol = "aave-v3"
    settings_schema = {"pool_addresses_provider": parse_address_setting}
    # The variable borrow index compounds the per-second rate (MathUtils.calculateCompoundedInterest).
    interest_compounding = Compounding.PER_SECOND

    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> list[Position]:
        provider = self.market.settings["pool_addresses_provider"]
        pool, oracle = _resolve(reader, provider)
        reserves = self._read_reserves(reader, pool, oracle)
        flags = reader.read(
            [Call(pool, _user_configuration, (a,)) for a in accounts]
            + [Call(pool, _user_emode, (a,)) for a in accounts]
        )
        configurations = [row[0][0] for row in flags[: len(accounts)]]  # type: ignore[index]
        emode_ids = [row[0] for row in flags[len(accounts) :]]  # type: ignore[index]
        emodes = _read_emodes(reader, pool, {i for i in emode_ids if i}, reserves)

        # (account index, reserve, kind, token, whether the token must answer)
        wanted: list[tuple[int, Reserve, str, str, bool]] = []
        for index, configuration in enumerate(configurations):
            for reserve in reserves:
                if _bits(configuration, 2 * reserve.reserve_id + 1, 1):
                    wanted.append((index, reserve, "collateral", reserve.a_token, True))
                if _bits(configuration, 2 * reserve.reserve_id, 1):
                    wanted.append((index, reserve, "debt", reserve.variable_debt_token, True))
                    # Stable debt is gone since v3.2; where its token lingers it may not answer.
                    if reserve.stable_debt_token != ZERO_ADDRESS:
                        wanted.append((index, reserve, "debt", reserve.stable_debt_token, False))
        balances = reader.read(
            [Call(token, _balance, (accounts[i],)) for i, _, _, token, _ in wanted]
        )

        # per account: (kind, asset address) -> raw amount, variable and stable debt summed
        amounts: list[dict[tuple[str, str], int]] = [{} for _ in accounts]
        for (index, reserve, kind, _, required), row in zip(wanted, balances):
            if row is None and required:
                raise AaveMarketError(
                    f"{self.market.name}: {kind} balance of {reserve.asset.symbol} unreadable"
                )
            key = (kind, reserve.asset.address)
            amounts[index][key] = amounts[index].get(key, 0) + (row[0] if row else 0)

        by_address = {r.asset.address: r for r in reserves}
        positions = []
        for account, held, emode_id in zip(accounts, amounts, emode_ids):
            emode = emodes.get(emode_id)
            collateral = tuple(
                _collateral_holding(by_address[address], raw, emode)
                for (kind, address), raw in held.items()
                if kind == "collateral" and raw > 0
            )
            debt = tuple(
                _debt_holding(by_address[address], raw)
                for (kind, address), raw in held.items()
                if kind == "debt" and raw > 0
            )
            if collateral or debt:
                positions.append(
                    Position(
                        protocol=self.market.name,
                        market=pool,
                        account=account,
                        chain=self.chain.name,
                        block_number=reader.block.number,
                        timestamp=reader.block.timestamp,
                        collateral=collateral,
                        debt=debt,
                    )
                )
        return positions

    def market_rates(self, reader: BlockReader) -> list[MarketRate]:
        """Each reserve outside eMode (a new account starts outside it): a reserve with a zero
        liquidation threshold is no collateral, one that cannot be borrowed has no borrow rate."""
        pool, oracle = _resolve(reader, self.market.settings["pool_addresses_provider"])
        return [
            MarketRate(
                asset=r.asset,
                price_usd=r.price_usd,
                max_ltv=r.max_ltv if r.liquidation_threshold else None,
                liquidation_threshold=r.liquidation_threshold or None,
                borrow_apr=r.variable_borrow_apr if r.borrowable else None,
            )
            for r in self._read_reserves(reader, pool, oracle)
        ]

    def _read_reserves(self, reader: BlockReader, pool: str, oracle: str) -> list[Reserve]:
        listing = reader.read(
            [Call(pool, _reserves_list), Call(oracle, _base_currency), Call(oracle, _base_unit)]
        )
        if any(row is None for row in listing):
            raise AaveMarketError(f"{self.market.name}: {pool} is not an Aave v3 pool")
        (assets,), (base_currency,), (base_unit,) = listing  # type: ignore[misc]
        if base_currency != ZERO_ADDRESS:
            raise AaveMarketError(f"{self.market.name}: oracle base currency is not USD")
        rows = reader.read(
            [Call(pool, _reserve_data, (a,)) for a in assets]
            + [Call(oracle, _asset_price, (a,)) for a in assets]
            + [Call(a, _symbol) for a in assets]
        )
        count = len(assets)
        reserves = []
        for i, asset in enumerate(assets):
            data, price, symbol = rows[i], rows[count + i], rows[2 * count + i]
            if data is None or price is None:
                raise AaveMarketError(f"{self.market.name}: reserve {asset} unreadable")
            reserves.append(
                Reserve.decode(
                    self.chain.name,
                    asset,
                    symbol[0] if symbol else "?",
                    Decimal(price[0]) / Decimal(base_unit),
                    data,
                )
            )
        return reserves


def _resolve(reader: BlockReader, provider: str) -> tuple[str, str]:
    rows = reader.read([Call(provider, _provider_pool), Call(provider, _provider_oracle)])
    if any(row is None for row in rows) or rows[0][0] == ZERO_ADDRESS:  # type: ignore[index]
        raise AaveMarketError(f"no Aave v3 PoolAddressesProvider at {provider}")
    return rows[0][0], rows[1][0]  # type: ignore[index]


def _read_emodes(
    reader: BlockReader, pool: str, ids: set[int], reserves: Sequence[Reserve]
) -> dict[int, EMode]:
    """eMode categories in use, read through whichever getter this pool's version has."""
    ordered = sorted(ids)
    rows = reader.read(
        [Call(pool, _emode_config, (i,)) for i in ordered]
        + [Call(pool, _emode_bitmap, (i,)) for i in ordered]
        + [Call(pool, _emode_data_legacy, (i,)) for i in ordered]
    )
    n = len(ordered)
    emodes = {}
    for k, category in enumerate(ordered):
        config, bitmap, legacy = rows[k], rows[n + k], rows[2 * n + k]
        if config is not None and bitmap is not None:
            ltv, threshold, _ = config[0]
            covers = frozenset(r.reserve_id for r in reserves if _bits(bitmap[0], r.reserve_id, 1))
        elif legacy is not None:
            ltv, threshold = legacy[0][0], legacy[0][1]
            covers = frozenset(r.reserve_id for r in reserves if r.emode_category == category)
        else:
            raise AaveMarketError(f"eMode category {category} unreadable")
        emodes[category] = EMode(
            from_raw(ltv, BPS_DECIMALS), from_raw(threshold, BPS_DECIMALS), covers
        )
    return emodes


def _collateral_holding(reserve: Reserve, raw: int, emode: EMode | None) -> Holding:
    in_emode = emode is not None and reserve.reserve_id in emode.covers
    return Holding(
        asset=reserve.asset,
        amount=from_raw(raw, reserve.asset.decimals),
        price_usd=reserve.price_usd,
        # A reserve with LTV 0 still counts towards the health factor but lends nothing,
        # even inside an eMode category.
        max_ltv=emode.max_ltv if in_emode and reserve.max_ltv else reserve.max_ltv,
        liquidation_threshold=emode.liquidation_threshold if in_emode else reserve.liquidation_threshold,
        earns_interest=True,
    )


def _debt_holding(reserve: Reserve, raw: int) -> Holding:
    return Holding(
        asset=reserve.asset,
        amount=from_raw(raw, reserve.asset.decimals),
        price_usd=reserve.price_usd,
        borrow_apr=reserve.variable_borrow_apr,
    )

