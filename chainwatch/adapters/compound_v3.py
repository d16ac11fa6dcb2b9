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

from chainwatch.abi import function
from chainwatch.adapters.base import AccountLogs, Adapter, MarketRate, address_topic, event_topic
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
        rows = reader.read(
            [Call(address, _borrow_balance, (a,)) for a in accounts]
            + [Call(address, _user_basic, (a,)) for a in accounts]
        )
        if any(row is None for row in rows):
            raise CometMarketError(f"{self.market.name}: no Comet at {address}")
        debts = [row[0] for row in rows[: len(accounts)]]  # type: ignore[index]
        assets_in = [row[3] for row in rows[len(accounts) :]]  # type: ignore[index]  # userBasic.assetsIn
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
        first = reader.read(
            [
                Call(address, _base_token),
                Call(address, _base_feed),
                Call(address, _num_assets),
                Call(address, _utilization),
            ]
        )
        if any(row is None for row in first):
            raise CometMarketError(f"{self.market.name}: no Comet at {address}")
        (base,), (base_feed,), (count,), (utilization,) = first  # type: ignore[misc]
        usd = UsdPrices(self.chain)
        second = reader.read(
            [Call(address, _asset_info, (i,)) for i in range(count)]
            + [Call(address, _price, (base_feed,)), Call(address, _borrow_rate, (utilization,))]
            + [Call(base, _symbol), Call(base, _decimals)]
            + usd.calls
        )
        infos, (base_price, rate, base_symbol, base_decimals) = second[:count], second[count : count + 4]
        usd.load(second[count + 4 :])
        if any(row is None for row in (*infos, base_price, rate, base_decimals)):
            raise CometMarketError(f"{self.market.name}: Comet {address} asset info or prices unreadable")
        tokens = [info[0][1] for info in infos]  # type: ignore[index]
        third = reader.read(
            [Call(address, _price, (info[0][2],)) for info in infos]  # type: ignore[index]
            + [Call(t, fn) for t in tokens for fn in (_symbol, _decimals)]
        )
        symbol = base_symbol[0] if base_symbol else "?"
        numeraire_usd = usd.price(Numeraire.of_symbol(symbol))
        collateral = []
        for k, info in enumerate(infos):
            offset, token, _, scale, borrow_cf, liquidate_cf, _, _ = info[0]  # type: ignore[index]
            price, token_symbol, token_decimals = third[k], third[count + 2 * k], third[count + 2 * k + 1]
            if price is None:
                raise CometMarketError(f"{self.market.name}: getPrice for {token} reverted")
            decimals = token_decimals[0] if token_decimals else len(str(scale)) - 1
            collateral.append(
                CollateralAsset(
                    asset=Asset(self.chain.name, token, token_symbol[0] if token_symbol else "?", decimals),
                    offset=offset,
                    scale=scale,
                    price_usd=from_raw(price[0], PRICE_DECIMALS) * numeraire_usd,
                    borrow_factor=from_raw(borrow_cf, FACTOR_DECIMALS),
                    liquidate_factor=from_raw(liquidate_cf, FACTOR_DECIMALS),
                )
            )
        return Comet(
            address=address,
            base=Asset(self.chain.name, base, symbol, base_decimals[0]),  # type: ignore[index]
            base_price_usd=from_raw(base_price[0], PRICE_DECIMALS) * numeraire_usd,  # type: ignore[index]
            borrow_apr=from_raw(rate[0] * SECONDS_PER_YEAR, FACTOR_DECIMALS),  # type: ignore[index]
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
