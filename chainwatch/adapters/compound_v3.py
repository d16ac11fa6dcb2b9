"""Compound v3 (Comet): one contract per base asset, lending it against several collaterals.

An account's base balance is a signed principal: negative is a loan, read with interest accrued
to the pinned block by `borrowBalanceOf`; positive is base supply (lending), which is not a loan
and is not read. Collateral is per asset (`collateralBalanceOf`, for the assets flagged in
`userBasic.assetsIn`) and earns nothing. Each collateral's borrow limit is its
borrowCollateralFactor and its liquidation threshold its liquidateCollateralFactor.

Prices come from the Comet's own `getPrice` (8 decimals) in the Comet's numeraire: USD when the
base is a stablecoin (cUSDCv3, cUSDTv3), ETH when it is WETH (cWETHv3), BTC when it is a wrapped
bitcoin (cWBTCv3); ETH and BTC are converted with the chain's Chainlink feeds in the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from chainwatch.abi import function
from chainwatch.adapters.base import AccountLogs, Adapter, MarketRate, address_topic, answered, event_topic
from chainwatch.adapters.numeraire import Numeraire, UsdPrices
from chainwatch.addresses import parse_address_setting
from chainwatch.errors import ChainwatchError
from chainwatch.model import SECONDS_PER_YEAR, Asset, Compounding, Holding, Position, from_raw
from chainwatch.rpc import BlockReader, Call

FACTOR_DECIMALS = 18
PRICE_DECIMALS = 8

_base_token = function("Comet", "baseToken")
_base_feed = function("Comet", "baseTokenPriceFeed")
_num_assets = function("Comet", "numAssets")
_asset_info = function("Comet", "getAssetInfo")
_price = function("Comet", "getPrice")
_utilization = function("Comet", "getUtilization")
_borrow_rate = function("Comet", "getBorrowRate")
_borrow_balance = function("Comet", "borrowBalanceOf")
_collateral_balance = function("Comet", "collateralBalanceOf")
_user_basic = function("Comet", "userBasic")
_symbol = function("ERC20", "symbol")
_decimals = function("ERC20", "decimals")
_SUPPLY_COLLATERAL = event_topic("SupplyCollateral(address,address,address,uint256)")  # CometMainInterface
_TRANSFER_COLLATERAL = event_topic("TransferCollateral(address,address,address,uint256)")


class CometMarketError(ChainwatchError):
    """The configured address is not a Comet we can read."""


class UserBasic(NamedTuple):
    """`Comet.userBasic(account)` (CometStorage.UserBasic)."""

    principal: int  # signed: negative is a loan
    base_tracking_index: int
    base_tracking_accrued: int
    assets_in: int  # bit per collateral asset offset 0-15
    reserved: int  # `_reserved`


class AssetInfo(NamedTuple):
    """`Comet.getAssetInfo(i)` (CometCore.AssetInfo); factors scaled by 1e18."""

    offset: int
    asset: str
    price_feed: str
    scale: int
    borrow_collateral_factor: int
    liquidate_collateral_factor: int
    liquidation_factor: int
    supply_cap: int


@dataclass(frozen=True)
class CollateralAsset:
    asset: Asset
    offset: int
    scale: int
    price_usd: Decimal
    borrow_factor: Decimal
    liquidate_factor: Decimal


@dataclass(frozen=True)
class Comet:
    """A Comet's base and collateral assets at the pinned block, priced in USD."""

    address: str
    base: Asset
    base_price_usd: Decimal
    borrow_apr: Decimal
    collateral: tuple[CollateralAsset, ...]


class CompoundV3Adapter(Adapter):
    protocol = "compound-v3"
    settings_schema = {"comet": parse_address_setting}
    # The borrow index grows by rate × seconds at every accrual (Comet.accruedInterestIndices).
    interest_compounding = Compounding.PER_SECOND

    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> list[Position]:
        address = self.market.settings["comet"]
        rows = answered(
            reader.read(
                [Call(address, _borrow_balance, (a,)) for a in accounts]
                + [Call(address, _user_basic, (a,)) for a in accounts]
            )
        )
        if rows is None:
            raise CometMarketError(f"{self.market.name}: no Comet at {address}")
        debts: list[int] = [row[0] for row in rows[: len(accounts)]]
        assets_in = [UserBasic(*row).assets_in for row in rows[len(accounts) :]]
        if not any(debts) and not any(assets_in):
            return []
        comet = self._read_comet(reader)
        wanted = [(k, c) for k, bits in enumerate(assets_in) for c in comet.collateral if bits >> c.offset & 1]
        balances = reader.read([Call(address, _collateral_balance, (accounts[k], c.asset.address)) for k, c in wanted])
        held: list[list[Holding]] = [[] for _ in accounts]
        for (k, c), row in zip(wanted, balances):
            if row is None:
                raise CometMarketError(f"{self.market.name}: collateral balance of {c.asset.symbol} unreadable")
            if row[0]:
                held[k].append(_collateral(c, row[0]))
        positions = []
        for account, debt, collateral in zip(accounts, debts, held):
            if not debt and not collateral:
                continue
            positions.append(self.position(reader, address, account, collateral, (_debt(comet, debt),) if debt else ()))
        return positions

    def collateral_account_logs(self, reader: BlockReader, asset: str) -> list[AccountLogs]:
        """Comet logs SupplyCollateral(from, dst, asset, amount) for every deposit and
        TransferCollateral(from, to, asset, amount) when collateral changes hands (both with
        the asset indexed in topic 3); the account that holds it is in topic 2."""
        comet, asset_topic = self.market.settings["comet"], address_topic(asset)
        return [
            AccountLogs(comet, (_SUPPLY_COLLATERAL, None, None, asset_topic), account_topic=2),
            AccountLogs(comet, (_TRANSFER_COLLATERAL, None, None, asset_topic), account_topic=2),
        ]

    def market_rates(self, reader: BlockReader) -> list[MarketRate]:
        comet = self._read_comet(reader)
        return [
            *(MarketRate(c.asset, c.price_usd, c.borrow_factor, c.liquidate_factor) for c in comet.collateral),
            MarketRate(comet.base, comet.base_price_usd, borrow_apr=comet.borrow_apr),
        ]

    def _read_comet(self, reader: BlockReader) -> Comet:
        """Base, rate and asset list, then asset infos and prices, then tokens: three batches."""
        address = self.market.settings["comet"]
        first = answered(
            reader.read(
                [
                    Call(address, _base_token),
                    Call(address, _base_feed),
                    Call(address, _num_assets),
                    Call(address, _utilization),
                ]
            )
        )
        if first is None:
            raise CometMarketError(f"{self.market.name}: no Comet at {address}")
        (base,), (base_feed,), (count,), (utilization,) = first
        usd = UsdPrices(self.chain)
        second = reader.read(
            [Call(address, _asset_info, (i,)) for i in range(count)]
            + [Call(address, _price, (base_feed,)), Call(address, _borrow_rate, (utilization,))]
            + [Call(base, _symbol), Call(base, _decimals)]
            + usd.calls
        )
        base_symbol = second[count + 2]
        usd.load(second[count + 4 :])
        answers = answered(second[:count] + second[count : count + 2] + second[count + 3 : count + 4])
        if answers is None:
            raise CometMarketError(f"{self.market.name}: Comet {address} asset info or prices unreadable")
        infos = [AssetInfo(*row[0]) for row in answers[:count]]
        (base_price,), (rate,), (base_decimals,) = answers[count:]
        third = reader.read(
            [Call(address, _price, (info.price_feed,)) for info in infos]
            + [Call(info.asset, fn) for info in infos for fn in (_symbol, _decimals)]
        )
        symbol = base_symbol[0] if base_symbol else "?"
        numeraire_usd = usd.price(Numeraire.of_symbol(symbol))
        collateral = []
        for k, info in enumerate(infos):
            price, token_symbol, token_decimals = third[k], third[count + 2 * k], third[count + 2 * k + 1]
            if price is None:
                raise CometMarketError(f"{self.market.name}: getPrice for {info.asset} reverted")
            decimals = token_decimals[0] if token_decimals else len(str(info.scale)) - 1
            collateral.append(
                CollateralAsset(
                    asset=Asset(self.chain.name, info.asset, token_symbol[0] if token_symbol else "?", decimals),
                    offset=info.offset,
                    scale=info.scale,
                    price_usd=from_raw(price[0], PRICE_DECIMALS) * numeraire_usd,
                    borrow_factor=from_raw(info.borrow_collateral_factor, FACTOR_DECIMALS),
                    liquidate_factor=from_raw(info.liquidate_collateral_factor, FACTOR_DECIMALS),
                )
            )
        return Comet(
            address=address,
            base=Asset(self.chain.name, base, symbol, base_decimals),
            base_price_usd=from_raw(base_price, PRICE_DECIMALS) * numeraire_usd,
            borrow_apr=from_raw(rate * SECONDS_PER_YEAR, FACTOR_DECIMALS),
            collateral=tuple(collateral),
        )


def _collateral(asset: CollateralAsset, raw: int) -> Holding:
    return Holding(
        asset=asset.asset,
        amount=Decimal(raw) / Decimal(asset.scale),  # scale = 10**decimals: exact
        price_usd=asset.price_usd,
        max_ltv=asset.borrow_factor,
        liquidation_threshold=asset.liquidate_factor,
        earns_interest=False,
    )


def _debt(comet: Comet, raw: int) -> Holding:
    return Holding(
        asset=comet.base,
        amount=from_raw(raw, comet.base.decimals),
        price_usd=comet.base_price_usd,
        borrow_apr=comet.borrow_apr,
    )
