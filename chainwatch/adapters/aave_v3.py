"""Aave v3 and every fork that runs its code unchanged (Spark): one adapter, other addresses.

Everything is resolved from the market's PoolAddressesProvider at the pinned block, so protocol
upgrades that move the Pool or the oracle need no change here. Reads come in four rounds, whatever
the number of accounts: the market (Pool and oracle); the reserves list, the Pool's generation
and every account's flags; reserves, prices and the eMode categories in use; then the balances
each account holds (and, on v3.0/v3.1, the prices of the categories' own price sources).
Balances come from the aTokens and debt tokens, whose `balanceOf` already includes interest
accrued up to the block's timestamp. Which collateral counts, and at what terms, follows the
Pool's own generation (chainwatch.adapters.aave_rules). A reserve whose oracle price reverts
makes the positions holding it unreadable (reported by name); the others are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from chainwatch.abi import function
from chainwatch.adapters.aave_rules import BASIS_POINT, EMode, Generation, collateral_terms, threshold_step
from chainwatch.adapters.base import (
    Adapter,
    MarketRate,
    Reading,
    Row,
    address_topic,
    answered,
    chain_asset,
    event_topic,
)
from chainwatch.addresses import parse_address_setting
from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.model import Asset, Compounding, Holding, from_raw
from chainwatch.rpc import BlockReader, Call
from chainwatch.rpc.logs import AccountLogs

RAY_DECIMALS = 27
BPS_DECIMALS = 4
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
LISTING_CALLS = 4  # reserves list, oracle base currency, oracle base unit, pool revision
GENERATION_CALLS = 3  # the eMode getters of v3.2, v3.6 and v3.7, asked about category 0
RESERVE_CALLS = 3  # reserve data, price, symbol
EMODE_CALLS = 5  # v3.2+ config, collateral bitmap, v3.6+ LTV-zero bitmap, v3.7 isolated; v3.0/v3.1 data
# Planning estimates of gas per call (measured cold on the real bytecode, with headroom):
# flags are one storage read behind the Pool proxy, balances go through a token proxy that
# asks the Pool for the reserve's index.
FLAG_GAS = 12_000
BALANCE_GAS = 32_000

_provider_pool = function("AavePoolAddressesProvider", "getPool")
_provider_oracle = function("AavePoolAddressesProvider", "getPriceOracle")
_reserves_list = function("AavePool", "getReservesList")
_reserve_data = function("AavePool", "getReserveData")
_user_configuration = function("AavePool", "getUserConfiguration")
_user_emode = function("AavePool", "getUserEMode")
_emode_config = function("AavePool", "getEModeCategoryCollateralConfig")  # v3.2+
_emode_bitmap = function("AavePool", "getEModeCategoryCollateralBitmap")  # v3.2+
_emode_ltvzero_bitmap = function("AavePool", "getEModeCategoryLtvzeroBitmap")  # v3.6+
_emode_isolated = function("AavePool", "getIsEModeCategoryIsolated")  # v3.7+
_emode_data_legacy = function("AavePool", "getEModeCategoryData")  # v3.0/v3.1
_pool_revision = function("AavePool", "POOL_REVISION")  # how the health factor is rounded (aave_rules)
_asset_price = function("AaveOracle", "getAssetPrice")
_base_currency = function("AaveOracle", "BASE_CURRENCY")
_base_unit = function("AaveOracle", "BASE_CURRENCY_UNIT")
_symbol = function("ERC20", "symbol")
_balance = function("ERC20", "balanceOf")
# Pool (SupplyLogic, LiquidationLogic, BridgeLogic): ReserveUsedAsCollateralEnabled(address indexed
# reserve, address indexed user), from the @aave/core-v3 Pool artifact's ABI.
_COLLATERAL_ENABLED = event_topic("ReserveUsedAsCollateralEnabled(address,address)")


class AaveMarketError(ChainwatchError):
    """The contracts behind a configured market are not an Aave v3 market we can read."""


class AaveUnreadableError(UnreadableError):
    """A reserve's price did not answer where no account can be set aside (market terms)."""


def _bits(word: int, start: int, length: int) -> int:
    return (word >> start) & ((1 << length) - 1)


class ReserveData(NamedTuple):
    """`Pool.getReserveData(asset)` (DataTypes.ReserveData as v3.0 returns it; v3.2+ keeps the
    layout, with the stable-debt fields zeroed or renamed)."""

    configuration: tuple[int]
    liquidity_index: int
    current_liquidity_rate: int
    variable_borrow_index: int
    current_variable_borrow_rate: int
    current_stable_borrow_rate: int
    last_update_timestamp: int
    id: int
    a_token: str
    stable_debt_token: str
    variable_debt_token: str
    interest_rate_strategy: str
    accrued_to_treasury: int
    unbacked: int
    isolation_mode_total_debt: int


class EModeCollateralConfig(NamedTuple):
    """`Pool.getEModeCategoryCollateralConfig(id)` (v3.2+), in basis points."""

    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int


class EModeCategoryData(NamedTuple):
    """`Pool.getEModeCategoryData(id)` (v3.0/v3.1): the category's terms and its own price source."""

    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int
    price_source: str
    label: str


@dataclass(frozen=True)
class Reserve:
    """One reserve of the pool, decoded from getReserveData and the configuration bitmap."""

    asset: Asset
    reserve_id: int
    price_usd: Decimal | None  # None: the oracle's getAssetPrice reverted
    max_ltv: Decimal
    liquidation_threshold: Decimal
    emode_category: int  # v3.0/v3.1 store it per asset; v3.2+ uses bitmaps per category
    variable_borrow_apr: Decimal
    borrowable: bool  # active, borrowing enabled, neither frozen nor paused
    a_token: str
    variable_debt_token: str
    stable_debt_token: str

    @classmethod
    def decode(cls, chain: Chain, asset: str, symbol: str, price: Decimal | None, data: ReserveData) -> Reserve:
        (config,) = data.configuration
        decimals = _bits(config, 48, 8)
        return cls(
            asset=chain_asset(chain, asset, symbol, decimals),
            reserve_id=data.id,
            price_usd=price,
            max_ltv=from_raw(_bits(config, 0, 16), BPS_DECIMALS),
            liquidation_threshold=from_raw(_bits(config, 16, 16), BPS_DECIMALS),
            emode_category=_bits(config, 168, 8),
            variable_borrow_apr=from_raw(data.current_variable_borrow_rate, RAY_DECIMALS),
            borrowable=bool(_bits(config, 56, 1) and _bits(config, 58, 1))
            and not (_bits(config, 57, 1) or _bits(config, 60, 1)),
            a_token=data.a_token,
            stable_debt_token=data.stable_debt_token,
            variable_debt_token=data.variable_debt_token,
        )

    @property
    def price_call(self) -> str:
        return f"AaveOracle.getAssetPrice({self.asset.symbol} {self.asset.address})"


class AaveV3Adapter(Adapter):
    protocol = "aave-v3"
    settings_schema = {"pool_addresses_provider": parse_address_setting}
    # The variable borrow index compounds the per-second rate (MathUtils.calculateCompoundedInterest).
    interest_compounding = Compounding.PER_SECOND

    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> Reading:
        """Four rounds of reads whatever the number of accounts; the accounts' flags travel
        with the market listing, and the eMode categories in use with the reserves."""
        pool, oracle = _resolve(reader, self.market.settings["pool_addresses_provider"])
        count = len(accounts)
        rows = reader.read(
            _listing_calls(pool, oracle)
            + _generation_calls(pool)
            + [Call(pool, _user_configuration, (a,), FLAG_GAS) for a in accounts]
            + [Call(pool, _user_emode, (a,), FLAG_GAS) for a in accounts]
        )
        assets, base_unit, revision = self._listing(pool, rows[:LISTING_CALLS])
        step = threshold_step(revision)
        generation = Generation.detect(
            *(row is not None for row in rows[LISTING_CALLS : LISTING_CALLS + GENERATION_CALLS])
        )
        flags = answered(rows[LISTING_CALLS + GENERATION_CALLS :])
        if flags is None:  # the Pool answers these for any address: a gap is a failed read
            raise AaveMarketError(f"{self.market.name}: account flags unreadable at {pool}")
        configurations: list[int] = [row[0][0] for row in flags[:count]]  # getUserConfiguration's bitmap
        emode_ids: list[int] = [row[0] for row in flags[count:]]  # getUserEMode
        del rows, flags
        categories = sorted({i for i in emode_ids if i})
        rows = reader.read(_reserve_calls(pool, oracle, assets) + _emode_calls(pool, categories))
        reserves = self._decode_reserves(assets, base_unit, rows[: RESERVE_CALLS * len(assets)])
        emodes = self._decode_emodes(categories, rows[RESERVE_CALLS * len(assets) :], reserves)
        by_id = {r.reserve_id: r for r in reserves}

        # One balance read per flag set: (account index, reserve, kind, must answer); then the
        # v3.0/v3.1 categories' own price sources.
        wanted: list[tuple[int, Reserve, str, bool]] = []
        calls: list[Call] = []
        for index, configuration in enumerate(configurations):
            account = accounts[index]
            for bit in _set_bits(configuration):
                reserve = by_id.get(bit >> 1)
                if reserve is None:
                    continue
                if bit & 1:
                    wanted.append((index, reserve, "collateral", True))
                    calls.append(Call(reserve.a_token, _balance, (account,), BALANCE_GAS))
                else:
                    wanted.append((index, reserve, "debt", True))
                    calls.append(Call(reserve.variable_debt_token, _balance, (account,), BALANCE_GAS))
                    # Stable debt is gone since v3.2; where its token lingers it may not answer.
                    if reserve.stable_debt_token != ZERO_ADDRESS:
                        wanted.append((index, reserve, "debt", False))
                        calls.append(Call(reserve.stable_debt_token, _balance, (account,), BALANCE_GAS))
        sources = sorted({e.price_source for e in emodes.values() if e.price_source})
        answers = reader.read(calls + [Call(oracle, _asset_price, (source,)) for source in sources])
        balances, source_rows = answers[: len(calls)], answers[len(calls) :]
        source_prices = {
            source: Decimal(row[0]) / Decimal(base_unit) if row is not None else None
            for source, row in zip(sources, source_rows)
        }
        del calls, answers

        # per account: (kind, reserve id) -> raw amount, variable and stable debt summed
        amounts: list[dict[tuple[str, int], int]] = [{} for _ in accounts]
        failed: dict[int, str] = {}
        for (index, reserve, kind, required), row in zip(wanted, balances):
            if row is None and required:
                token = reserve.a_token if kind == "collateral" else reserve.variable_debt_token
                failed.setdefault(index, f"{reserve.asset.symbol} {kind} token {token} balanceOf")
            if row and row[0]:
                key = (kind, reserve.reserve_id)
                amounts[index][key] = amounts[index].get(key, 0) + row[0]

        reading = Reading([], [])
        for index, held in enumerate(amounts):
            if not held and index not in failed:
                continue
            account = accounts[index]
            pricing = _Pricing(emodes.get(emode_ids[index]), source_prices)
            collateral, debt = [], []
            for (kind, rid), raw in held.items():
                reserve = by_id[rid]
                if kind == "debt":
                    debt.append(pricing.debt(reserve, raw))
                    continue
                terms = collateral_terms(generation, rid, reserve.max_ltv, reserve.liquidation_threshold, pricing.emode)
                if terms is not None:  # v3.0-v3.5 do not count collateral with threshold 0
                    collateral.append(pricing.collateral(reserve, raw, terms.max_ltv, terms.liquidation_threshold))
            failure = failed.get(index) or pricing.failure
            if failure:
                reading.unreadable.append(self.unreadable(pool, account, failure))
            elif collateral or debt:  # a supply the Pool does not count as collateral is lending
                reading.positions.append(
                    self.position(reader, pool, account, collateral, debt, threshold_step=step, ltv_step=BASIS_POINT)
                )
        return reading

    def market_rates(self, reader: BlockReader) -> list[MarketRate]:
        """Each reserve outside eMode (a new account starts outside it): a reserve with a zero
        liquidation threshold is no collateral, one that cannot be borrowed has no borrow rate."""
        pool, oracle = _resolve(reader, self.market.settings["pool_addresses_provider"])
        assets, base_unit, _ = self._listing(pool, reader.read(_listing_calls(pool, oracle)))
        rows = reader.read(_reserve_calls(pool, oracle, assets))
        rates = []
        for r in self._decode_reserves(assets, base_unit, rows):
            if r.price_usd is None:
                raise AaveUnreadableError(f"{self.market.name}: {r.price_call} reverted")
            rates.append(
                MarketRate(
                    asset=r.asset,
                    price_usd=r.price_usd,
                    max_ltv=r.max_ltv if r.liquidation_threshold else None,
                    liquidation_threshold=r.liquidation_threshold or None,
                    borrow_apr=r.variable_borrow_apr if r.borrowable else None,
                )
            )
        return rates

    def collateral_account_logs(self, reader: BlockReader, asset: str) -> list[AccountLogs]:
        """The Pool logs ReserveUsedAsCollateralEnabled whenever an account's collateral flag for
        a reserve turns on: its first supply, setUserUseReserveAsCollateral, receiving aTokens
        at a zero balance, a liquidator taking aTokens. Every account with `asset` as collateral
        went through one of these."""
        pool, _ = _resolve(reader, self.market.settings["pool_addresses_provider"])
        return [AccountLogs(pool, (_COLLATERAL_ENABLED, address_topic(asset)), account_topic=2)]

    def _listing(self, pool: str, rows: Sequence[Row | None]) -> tuple[list[str], int, int]:
        """The reserves' assets, the oracle's base unit and the Pool's revision, from
        `_listing_calls`' answers."""
        listing = answered(rows)
        if listing is None:
            raise AaveMarketError(f"{self.market.name}: {pool} is not an Aave v3 pool")
        (assets,), (base_currency,), (base_unit,), (revision,) = listing
        if base_currency != ZERO_ADDRESS:
            raise AaveMarketError(f"{self.market.name}: oracle base currency is not USD")
        return list(assets), base_unit, revision

    def _decode_reserves(self, assets: Sequence[str], base_unit: int, rows: Sequence[Row | None]) -> list[Reserve]:
        """Reserves from `_reserve_calls`' answers (data, price and symbol per asset)."""
        reserves = []
        for asset, (data, price, symbol) in zip(assets, _chunks(rows, RESERVE_CALLS), strict=True):
            if data is None:
                raise AaveMarketError(f"{self.market.name}: reserve {asset} unreadable")
            reserves.append(
                Reserve.decode(
                    self.chain,
                    asset,
                    symbol[0] if symbol else "?",
                    Decimal(price[0]) / Decimal(base_unit) if price is not None else None,
                    ReserveData(*data),
                )
            )
        return reserves

    def _decode_emodes(
        self, categories: Sequence[int], rows: Sequence[Row | None], reserves: Sequence[Reserve]
    ) -> dict[int, EMode]:
        """eMode categories in use, from whichever getters this pool's generation has: since
        v3.2 a collateral bitmap (v3.6 adds the LTV-zero bitmap, v3.7 the isolated flag),
        before that the reserves name their category and the category its price source."""
        emodes = {}
        for category, chunk in zip(categories, _chunks(rows, EMODE_CALLS), strict=True):
            config, bitmap, ltvzero, isolated, legacy = chunk
            if config is not None and bitmap is not None:
                ltv, threshold, _ = EModeCollateralConfig(*config[0])
                covers = frozenset(r.reserve_id for r in reserves if _bits(bitmap[0], r.reserve_id, 1))
                zero = ltvzero[0] if ltvzero is not None else 0
                emodes[category] = EMode(
                    from_raw(ltv, BPS_DECIMALS),
                    from_raw(threshold, BPS_DECIMALS),
                    covers,
                    ltv_zero=frozenset(i for i in covers if _bits(zero, i, 1)),
                    isolated=bool(isolated and isolated[0]),
                )
            elif legacy is not None:
                data = EModeCategoryData(*legacy[0])
                emodes[category] = EMode(
                    from_raw(data.ltv, BPS_DECIMALS),
                    from_raw(data.liquidation_threshold, BPS_DECIMALS),
                    frozenset(r.reserve_id for r in reserves if r.emode_category == category),
                    price_source=data.price_source if data.price_source != ZERO_ADDRESS else None,
                )
            else:
                raise AaveMarketError(f"{self.market.name}: eMode category {category} unreadable")
        return emodes


def _resolve(reader: BlockReader, provider: str) -> tuple[str, str]:
    rows = answered(reader.read([Call(provider, _provider_pool), Call(provider, _provider_oracle)]))
    if rows is None or rows[0][0] == ZERO_ADDRESS:
        raise AaveMarketError(f"no Aave v3 PoolAddressesProvider at {provider}")
    (pool,), (oracle,) = rows
    return pool, oracle


def _listing_calls(pool: str, oracle: str) -> list[Call]:
    return [
        Call(pool, _reserves_list),
        Call(oracle, _base_currency),
        Call(oracle, _base_unit),
        Call(pool, _pool_revision),
    ]


def _generation_calls(pool: str) -> list[Call]:
    """The getters that tell the generations apart (`Generation.detect`), each added in one
    version; a pool without one reverts on it."""
    return [Call(pool, fn, (0,)) for fn in (_emode_config, _emode_ltvzero_bitmap, _emode_isolated)]


def _reserve_calls(pool: str, oracle: str, assets: Sequence[str]) -> list[Call]:
    """Per asset, side by side: reserve data, oracle price, symbol (see `_chunks`)."""
    calls = []
    for asset in assets:
        calls += [Call(pool, _reserve_data, (asset,)), Call(oracle, _asset_price, (asset,)), Call(asset, _symbol)]
    return calls


def _chunks(rows: Sequence[Row | None], size: int) -> list[tuple[Row | None, ...]]:
    """Rows of calls issued side by side, `size` per item, regrouped per item."""
    return [tuple(rows[i : i + size]) for i in range(0, len(rows), size)]


def _emode_calls(pool: str, categories: Sequence[int]) -> list[Call]:
    """Per category: the v3.2+ getters and the v3.0/v3.1 one; each pool answers its own."""
    getters = (_emode_config, _emode_bitmap, _emode_ltvzero_bitmap, _emode_isolated, _emode_data_legacy)
    return [Call(pool, fn, (category,)) for category in categories for fn in getters]


def _set_bits(word: int) -> list[int]:
    """Positions of the set bits of `word`, lowest first: an account's configuration bitmap
    has a bit pair per reserve, and most accounts use two or three of a market's dozens."""
    bits = []
    while word:
        low = word & -word
        bits.append(low.bit_length() - 1)
        word ^= low
    return bits


class _Pricing:
    """Holdings of one account at the prices its Pool uses for it, remembering the first price
    that did not answer so the position is reported instead of computed from a partial read.

    On v3.0/v3.1 a category's own price source prices every reserve of the category for an
    account in it, debt included (GenericLogic: `vars.eModeAssetPrice`); a source answering 0
    leaves the oracle's price, as the Pool does.
    """

    def __init__(self, emode: EMode | None, source_prices: dict[str, Decimal | None]) -> None:
        self.emode = emode
        self.source_prices = source_prices
        self.failure: str | None = None

    def price(self, reserve: Reserve) -> Decimal:
        emode = self.emode
        if emode is not None and emode.price_source and reserve.reserve_id in emode.covers:
            source_price = self.source_prices[emode.price_source]
            if source_price is None:
                self.failure = self.failure or f"AaveOracle.getAssetPrice(eMode price source {emode.price_source})"
                return Decimal(0)
            if source_price:
                return source_price
        if reserve.price_usd is None:
            self.failure = self.failure or reserve.price_call
            return Decimal(0)
        return reserve.price_usd

    def collateral(self, reserve: Reserve, raw: int, max_ltv: Decimal, threshold: Decimal) -> Holding:
        return Holding(
            asset=reserve.asset,
            amount=from_raw(raw, reserve.asset.decimals),
            price_usd=self.price(reserve),
            max_ltv=max_ltv,
            liquidation_threshold=threshold,
            earns_interest=True,
        )

    def debt(self, reserve: Reserve, raw: int) -> Holding:
        return Holding(
            asset=reserve.asset,
            amount=from_raw(raw, reserve.asset.decimals),
            price_usd=self.price(reserve),
            borrow_apr=reserve.variable_borrow_apr,
        )
