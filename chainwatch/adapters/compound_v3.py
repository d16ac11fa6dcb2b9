"""Compound v3 (Comet): one contract per base asset, lending it against several collaterals.

An account's base balance is a signed principal: negative is a loan, read with interest accrued
to the pinned block by `borrowBalanceOf`; positive is base supply (lending), which is not a loan
and is not read. Collateral is per asset (`collateralBalanceOf`) and earns nothing. Which assets
an account holds is a bit per asset offset: offsets 0-15 in `userBasic.assetsIn`, and on the
CometWithExtendedAssetList (up to 24 assets; mainnet's USDC, USDT, USDS, WETH and wstETH Comets)
offsets 16-23 in `userBasic._reserved` (compound-finance/comet CometWithExtendedAssetList.sol,
isInAsset); a plain Comet has at most 15 assets and a zero `_reserved`, so reading both is right
for either. Each collateral's borrow limit is its borrowCollateralFactor and its liquidation
threshold its liquidateCollateralFactor.

Prices come from the Comet's own `getPrice` (8 decimals) of each asset's feed and of the base
feed, in the Comet's numeraire: USD when the base is a stablecoin of the address book (cUSDCv3,
cUSDTv3), ETH when it is the book's WETH (cWETHv3), converted with the chain's Chainlink feeds
in the same batch; a base the book cannot place is refused. A feed that reverts makes the
positions that need it unreadable (reported by name), never the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from chainwatch.abi import function
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
from chainwatch.adapters.numeraire import Numeraire, UsdPrices
from chainwatch.addresses import parse_address_setting
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.model import SECONDS_PER_YEAR, Asset, Compounding, Holding, from_raw
from chainwatch.rpc import BlockReader, Call
from chainwatch.rpc.logs import AccountLogs

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


class CometUnreadableError(UnreadableError):
    """A price the Comet's terms need did not answer at the pinned block."""


class UserBasic(NamedTuple):
    """`Comet.userBasic(account)` (CometStorage.UserBasic)."""

    principal: int  # signed: negative is a loan
    base_tracking_index: int
    base_tracking_accrued: int
    assets_in: int  # a bit per collateral asset offset 0-15
    reserved: int  # `_reserved`: on CometWithExtendedAssetList, a bit per offset 16-23

    def holds(self, offset: int) -> bool:
        """Whether the account has a balance of the asset at `offset` (CometWithExtendedAssetList.isInAsset)."""
        if offset < 16:
            return bool(self.assets_in >> offset & 1)
        return offset < 24 and bool(self.reserved >> (offset - 16) & 1)


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
    price_usd: Decimal | None  # None: the Comet's getPrice for its feed reverted
    price_call: str  # that call, named for the report when it failed
    borrow_factor: Decimal
    liquidate_factor: Decimal


@dataclass(frozen=True)
class Comet:
    """A Comet's base and collateral assets at the pinned block, priced in USD."""

    address: str
    base: Asset
    base_price_usd: Decimal | None  # None: the base feed (or the numeraire's feed) failed
    base_price_call: str
    borrow_apr: Decimal
    collateral: tuple[CollateralAsset, ...]


class CompoundV3Adapter(Adapter):
    protocol = "compound-v3"
    settings_schema = {"comet": parse_address_setting}
    # The borrow index grows by rate × seconds at every accrual (Comet.accruedInterestIndices).
    interest_compounding = Compounding.PER_SECOND

    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> Reading:
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
        basics = [UserBasic(*row) for row in rows[len(accounts) :]]
        if not any(debts) and not any(b.assets_in or b.reserved for b in basics):
            return Reading([], [])
        comet = self._read_comet(reader)
        wanted = [(k, c) for k, basic in enumerate(basics) for c in comet.collateral if basic.holds(c.offset)]
        balances = reader.read([Call(address, _collateral_balance, (accounts[k], c.asset.address)) for k, c in wanted])
        held: list[list[Holding]] = [[] for _ in accounts]
        failed: dict[int, str] = {}
        for (k, c), row in zip(wanted, balances):
            if row is None:
                failed.setdefault(k, f"Comet.collateralBalanceOf({c.asset.symbol} {c.asset.address})")
            elif row[0] and c.price_usd is None:
                failed.setdefault(k, c.price_call)
            elif row[0]:
                held[k].append(_collateral(c, row[0]))
        reading = Reading([], [])
        for k, (account, debt, collateral) in enumerate(zip(accounts, debts, held)):
            if debt and comet.base_price_usd is None:
                failed.setdefault(k, comet.base_price_call)
            if k in failed:
                reading.unreadable.append(self.unreadable(address, account, failed[k]))
            elif debt or collateral:
                debt_holdings = (_debt(comet, debt),) if debt else ()
                reading.positions.append(self.position(reader, address, account, collateral, debt_holdings))
        return reading

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
        """Terms for a new borrower; a price that did not answer is an error here (no account
        to set aside: the comparison would be of a market half read)."""
        comet = self._read_comet(reader)
        rates = []
        for c in comet.collateral:
            if c.price_usd is None:
                raise CometUnreadableError(f"{self.market.name}: {c.price_call} failed")
            rates.append(MarketRate(c.asset, c.price_usd, c.borrow_factor, c.liquidate_factor))
        if comet.base_price_usd is None:
            raise CometUnreadableError(f"{self.market.name}: {comet.base_price_call} failed")
        return [*rates, MarketRate(comet.base, comet.base_price_usd, borrow_apr=comet.borrow_apr)]

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
            + [Call(address, _borrow_rate, (utilization,)), Call(base, _symbol), Call(base, _decimals)]
            + [Call(address, _price, (base_feed,))]
            + usd.calls
        )
        answers = answered(second[:count] + [second[count], second[count + 2]])
        if answers is None:
            raise CometMarketError(f"{self.market.name}: Comet {address} asset info or base token unreadable")
        infos = [AssetInfo(*row[0]) for row in answers[:count]]
        (rate,), (base_decimals,) = answers[count:]
        base_symbol, base_price = second[count + 1], second[count + 3]
        usd.load(second[count + 4 :])
        base_asset = chain_asset(self.chain, base, base_symbol[0] if base_symbol else "?", base_decimals)
        numeraire = Numeraire.of_token(self.chain, base_asset, f"{self.market.name} (Comet {address})")
        numeraire_usd = usd.price(numeraire)
        third = reader.read(
            [Call(address, _price, (info.price_feed,)) for info in infos]
            + [Call(info.asset, fn) for info in infos for fn in (_symbol, _decimals)]
        )
        collateral = []
        for k, info in enumerate(infos):
            price, token_symbol, token_decimals = third[k], third[count + 2 * k], third[count + 2 * k + 1]
            decimals = token_decimals[0] if token_decimals else len(str(info.scale)) - 1
            asset = chain_asset(self.chain, info.asset, token_symbol[0] if token_symbol else "?", decimals)
            collateral.append(
                CollateralAsset(
                    asset=asset,
                    offset=info.offset,
                    scale=info.scale,
                    price_usd=_usd(price, numeraire_usd),
                    price_call=usd.failed_call(numeraire)
                    if price is not None and numeraire_usd is None
                    else f"Comet.getPrice({asset.symbol} feed {info.price_feed})",
                    borrow_factor=from_raw(info.borrow_collateral_factor, FACTOR_DECIMALS),
                    liquidate_factor=from_raw(info.liquidate_collateral_factor, FACTOR_DECIMALS),
                )
            )
        return Comet(
            address=address,
            base=base_asset,
            base_price_usd=_usd(base_price, numeraire_usd),
            base_price_call=usd.failed_call(numeraire)
            if base_price is not None and numeraire_usd is None
            else f"Comet.getPrice(base feed {base_feed})",
            borrow_apr=from_raw(rate * SECONDS_PER_YEAR, FACTOR_DECIMALS),
            collateral=tuple(collateral),
        )


def _usd(price: Row | None, numeraire_usd: Decimal | None) -> Decimal | None:
    """A Comet price (8 decimals, in its numeraire) in USD; None when either read failed."""
    if price is None or numeraire_usd is None:
        return None
    return from_raw(price[0], PRICE_DECIMALS) * numeraire_usd


def _collateral(asset: CollateralAsset, raw: int) -> Holding:
    assert asset.price_usd is not None  # the caller sets unpriced holdings aside
    return Holding(
        asset=asset.asset,
        amount=Decimal(raw) / Decimal(asset.scale),  # scale = 10**decimals: exact
        price_usd=asset.price_usd,
        max_ltv=asset.borrow_factor,
        liquidation_threshold=asset.liquidate_factor,
        earns_interest=False,
    )


def _debt(comet: Comet, raw: int) -> Holding:
    assert comet.base_price_usd is not None  # the caller sets unpriced debts aside
    return Holding(
        asset=comet.base,
        amount=from_raw(raw, comet.base.decimals),
        price_usd=comet.base_price_usd,
        borrow_apr=comet.borrow_apr,
    )
