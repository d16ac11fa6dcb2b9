"""Morpho Blue: one singleton contract, isolated markets named by a bytes32 id.

A position is stored as borrow shares and collateral. The debt shown is what repaying every
share would cost at the pinned block: shares are converted with Morpho's own rounding (virtual
shares and assets, rounding up for debt) after adding the interest accrued since the market's
`lastUpdate`, exactly as MorphoBalancesLib.expectedMarketBalances does with the IRM's
`borrowRateView`. Collateral is priced by the market's own oracle (1e36-scaled, in loan-token
units, with 36 + loan decimals − collateral decimals digits). Morpho has no separate borrow limit:
borrowing is allowed up to the LLTV, so max_ltv = liquidation_threshold = LLTV. Collateral earns
nothing, and loan-side supply positions (lending) are not loans and are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from chainwatch.abi import function
from chainwatch.adapters.base import (
    Adapter,
    MarketRate,
    Reading,
    Row,
    answered,
    chain_asset,
    event_topic,
)
from chainwatch.adapters.numeraire import Numeraire, UsdPrices
from chainwatch.addresses import parse_address_setting, parse_bytes32_list_setting
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.model import SECONDS_PER_YEAR, Asset, Compounding, Holding, from_raw
from chainwatch.rpc import BlockReader, Call
from chainwatch.rpc.logs import AccountLogs

if TYPE_CHECKING:  # discovery's module reads logs and the user cache: imported only when used
    from chainwatch.adapters.morpho_catalogue import MarketParams as CatalogueParams

WAD = 10**18
WAD_DECIMALS = 18
ORACLE_PRICE_DECIMALS = 36
VIRTUAL_SHARES = 10**6
VIRTUAL_ASSETS = 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

_market_params = function("MorphoBlue", "idToMarketParams")
_market = function("MorphoBlue", "market")
_position = function("MorphoBlue", "position")
_borrow_rate_view = function("MorphoIrm", "borrowRateView")
_oracle_price = function("MorphoOracle", "price")
_symbol = function("ERC20", "symbol")
_decimals = function("ERC20", "decimals")
_SUPPLY_COLLATERAL = event_topic("SupplyCollateral(bytes32,address,address,uint256)")  # EventsLib


class MorphoMarketError(ChainwatchError):
    """A configured market id that the Morpho contract does not know."""


class MorphoUnreadableError(UnreadableError):
    """A market's oracle, IRM or USD feed did not answer where no account can be set aside."""


class MarketParams(NamedTuple):
    """`Morpho.idToMarketParams(id)` (MarketParams): what defines a market, hashed into its id."""

    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int  # WAD


class MarketState(NamedTuple):
    """`Morpho.market(id)` (Market): totals as of `last_update`."""

    total_supply_assets: int
    total_supply_shares: int
    total_borrow_assets: int
    total_borrow_shares: int
    last_update: int
    fee: int


class PositionData(NamedTuple):
    """`Morpho.position(id, user)` (Position)."""

    supply_shares: int
    borrow_shares: int
    collateral: int


def w_mul_down(x: int, y: int) -> int:
    return x * y // WAD


def w_taylor_compounded(rate: int, elapsed: int) -> int:
    """e^(rate·elapsed) − 1 in WAD, by Morpho's three-term Taylor series (MathLib)."""
    first = rate * elapsed
    second = first * first // (2 * WAD)
    third = second * first // (3 * WAD)
    return first + second + third


def to_assets_up(shares: int, total_assets: int, total_shares: int) -> int:
    """SharesMathLib.toAssetsUp: what `shares` of debt cost, rounded against the borrower."""
    numerator = shares * (total_assets + VIRTUAL_ASSETS)
    denominator = total_shares + VIRTUAL_SHARES
    return (numerator + denominator - 1) // denominator


def expected_total_borrow(total_borrow: int, rate: int, elapsed: int) -> int:
    """The market's total borrow after the interest accrued over `elapsed` seconds."""
    if elapsed <= 0 or total_borrow == 0:
        return total_borrow
    return total_borrow + w_mul_down(total_borrow, w_taylor_compounded(rate, elapsed))


@dataclass(frozen=True)
class Market:
    """One market, its totals brought up to the pinned block, priced in USD."""

    market_id: str
    loan: Asset
    collateral: Asset
    lltv: Decimal
    rate_per_second: int  # WAD, from the IRM's borrowRateView (0 without an IRM)
    total_borrow_assets: int  # including interest accrued since lastUpdate
    total_borrow_shares: int
    loan_price_usd: Decimal | None  # None: the chain's feed for the loan token failed
    collateral_price_usd: Decimal | None  # None: that feed or the market's oracle failed
    # The call that failed, if one did, for the positions that needed it: the oracle price and
    # the loan's USD feed value collateral; the IRM's rate and that feed value debt.
    collateral_failure: str | None = None
    debt_failure: str | None = None

    def failure(self, borrow_shares: int, collateral: int) -> str | None:
        """The failed call a position with these balances depends on, or None if it reads whole."""
        return (collateral and self.collateral_failure) or (borrow_shares and self.debt_failure) or None

    @property
    def borrow_apr(self) -> Decimal:
        """The per-second rate times a 365-day year (Morpho compounds it continuously)."""
        return from_raw(self.rate_per_second * SECONDS_PER_YEAR, WAD_DECIMALS)

    def debt(self, borrow_shares: int) -> int:
        return to_assets_up(borrow_shares, self.total_borrow_assets, self.total_borrow_shares)


class MorphoBlueAdapter(Adapter):
    """Reads the markets of `market_ids` when the book lists them, else every market of the
    singleton whose collateral is one of the chain's BTC assets (`morpho_catalogue`)."""

    protocol = "morpho-blue"
    settings_schema = {"morpho": parse_address_setting, "market_ids": parse_bytes32_list_setting}
    optional_settings = frozenset({"market_ids"})
    # Interest is e^(rate·t) − 1 (MathLib.wTaylorCompounded) at every accrual.
    interest_compounding = Compounding.CONTINUOUS

    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> Reading:
        """One batch of `position` calls (markets × accounts) finds what is held; only the
        markets held in are then read. Listed markets are checked to exist in the same batch."""
        morpho, ids = self.market.settings["morpho"], list(self._markets(reader))
        listed = list(self.market.settings.get("market_ids", ()))
        rows = reader.read(
            [Call(morpho, _position, (bytes.fromhex(i[2:]), a)) for i in ids for a in accounts]
            + [Call(morpho, _market, (bytes.fromhex(i[2:]),)) for i in listed]
        )
        _check_created(self.market.name, morpho, listed, rows[len(ids) * len(accounts) :])
        held: list[tuple[str, str, PositionData]] = []
        for (market_id, account), row in zip(((i, a) for i in ids for a in accounts), rows):
            if row is None:
                raise MorphoMarketError(f"{self.market.name}: position in {market_id} unreadable at {morpho}")
            held.append((market_id, account, PositionData(*row)))
        active = {i for i, _, p in held if p.borrow_shares or p.collateral}
        markets = {m.market_id: m for m in self._read_markets(reader, [i for i in ids if i in active])}
        reading = Reading([], [])
        for market_id, account, p in held:
            if not (p.borrow_shares or p.collateral):
                continue
            market = markets[market_id]
            failure = market.failure(p.borrow_shares, p.collateral)
            if failure:
                reading.unreadable.append(self.unreadable(market_id, account, failure))
                continue
            reading.positions.append(
                self.position(
                    reader, market_id, account, _collateral(market, p.collateral), _debt(market, p.borrow_shares)
                )
            )
        return reading

    def market_rates(self, reader: BlockReader) -> list[MarketRate]:
        """Per market: its collateral (lendable up to the LLTV) and its loan token."""
        rates = []
        markets = self._markets(reader)
        if "market_ids" not in self.market.settings:  # discovered: only markets whose loan the book can price
            priced = {*(s.lower() for s in self.chain.stablecoins), (self.chain.weth or "").lower()}
            priced |= {a.address.lower() for a in self.chain.btc_assets}
            markets = {i: p for i, p in markets.items() if p is None or p.loan_token.lower() in priced}
        for m in self._read_markets(reader, list(markets)):
            failure = m.collateral_failure or m.debt_failure
            if failure or m.collateral_price_usd is None or m.loan_price_usd is None:
                raise MorphoUnreadableError(f"{self.market.name}: market {m.market_id}: {failure} failed")
            rates.append(MarketRate(m.collateral, m.collateral_price_usd, m.lltv, m.lltv, group=m.market_id))
            rates.append(MarketRate(m.loan, m.loan_price_usd, borrow_apr=m.borrow_apr, group=m.market_id))
        return rates

    def collateral_account_logs(self, reader: BlockReader, asset: str) -> list[AccountLogs]:
        """Morpho logs SupplyCollateral(Id indexed id, address indexed caller, address indexed
        onBehalf, uint256 assets) for every deposit of collateral; the configured markets whose
        collateral is `asset` name their depositors in topic 3."""
        morpho, ids = self.market.settings["morpho"], list(self._markets(reader))
        rows = reader.read([Call(morpho, _market_params, (bytes.fromhex(i[2:]),)) for i in ids])
        return [
            AccountLogs(morpho, (_SUPPLY_COLLATERAL, market_id, None, None), account_topic=3)
            for market_id, row in zip(ids, rows)
            if row is not None and MarketParams(*row).collateral_token.lower() == asset.lower()
        ]

    def _markets(self, reader: BlockReader) -> dict[str, CatalogueParams | None]:
        """The listed `market_ids` (params unknown here: None), or every market created up to the
        pinned block whose collateral is a BTC asset of the chain, from the singleton's logs
        (cached), with its params."""
        if "market_ids" in self.market.settings:
            return dict.fromkeys(self.market.settings["market_ids"])
        # Imported here: only discovery reads logs and the user cache.
        from chainwatch.adapters.morpho_catalogue import refresh

        catalogue = refresh(
            reader.pool,
            self.chain.chain_id,
            self.market.settings["morpho"],
            reader.block.number,
            [a.address for a in self.chain.btc_assets],
            deployment_block=self.market.settings.get("deployment_block"),
        )
        return dict(sorted(catalogue.markets.items()))

    def _read_markets(self, reader: BlockReader, ids: Sequence[str]) -> list[Market]:
        """Markets' parameters and totals, then oracle, IRM, tokens and USD feeds: two batches."""
        if not ids:
            return []
        morpho = self.market.settings["morpho"]
        first = reader.read(
            [Call(morpho, fn, (bytes.fromhex(i[2:]),)) for i in ids for fn in (_market_params, _market)]
        )
        usd = UsdPrices(self.chain)
        second_calls: list[Call] = list(usd.calls)
        layout = []
        for k, market_id in enumerate(ids):
            pair = answered(first[2 * k : 2 * k + 2])
            if pair is None or pair[0][0] == ZERO_ADDRESS or MarketState(*pair[1]).last_update == 0:
                raise MorphoMarketError(f"{self.market.name}: market {market_id} not created on Morpho at {morpho}")
            params, state = MarketParams(*pair[0]), MarketState(*pair[1])
            loan, collateral = params.loan_token, params.collateral_token
            start = len(second_calls)
            second_calls += [
                Call(params.oracle, _oracle_price),
                Call(loan, _symbol), Call(loan, _decimals), Call(collateral, _symbol), Call(collateral, _decimals),
            ]  # fmt: skip
            if params.irm != ZERO_ADDRESS:
                second_calls.append(Call(params.irm, _borrow_rate_view, (tuple(params), tuple(state))))
            layout.append((market_id, params, state, start))
        second = reader.read(second_calls)
        usd.load(second[: len(usd.calls)])
        now = int(reader.block.timestamp.timestamp())
        return [self._market(usd, now, second, *entry) for entry in layout]

    def _market(
        self,
        usd: UsdPrices,
        now: int,
        rows: list[Row | None],
        market_id: str,
        params: MarketParams,
        state: MarketState,
        at: int,
    ) -> Market:
        price, loan_symbol, loan_decimals, collateral_symbol, collateral_decimals = rows[at : at + 5]
        if loan_decimals is None or collateral_decimals is None:
            raise MorphoMarketError(f"{self.market.name}: market {market_id}: loan or collateral token unreadable")
        rate, rate_failure = 0, None
        if params.irm != ZERO_ADDRESS:
            answer = rows[at + 5]
            if answer is None:
                rate_failure = f"IRM {params.irm} borrowRateView"
            else:
                rate = answer[0]
        loan = chain_asset(self.chain, params.loan_token, loan_symbol[0] if loan_symbol else "?", loan_decimals[0])
        collateral = chain_asset(
            self.chain,
            params.collateral_token,
            collateral_symbol[0] if collateral_symbol else "?",
            collateral_decimals[0],
        )
        numeraire = Numeraire.of_token(self.chain, loan, f"{self.market.name} market {market_id}")
        loan_price_usd = usd.price(numeraire)
        feed_failure = usd.failed_call(numeraire) if loan_price_usd is None else None
        oracle_failure = f"oracle {params.oracle} price" if price is None else None
        collateral_price_usd = None
        if price is not None and loan_price_usd is not None:
            # price / 1e36 is loan units per collateral unit; scaled to whole tokens of each.
            collateral_in_loan = from_raw(price[0], ORACLE_PRICE_DECIMALS + loan.decimals - collateral.decimals)
            collateral_price_usd = collateral_in_loan * loan_price_usd
        return Market(
            market_id=market_id,
            loan=loan,
            collateral=collateral,
            lltv=from_raw(params.lltv, WAD_DECIMALS),
            rate_per_second=rate,
            total_borrow_assets=expected_total_borrow(state.total_borrow_assets, rate, now - state.last_update),
            total_borrow_shares=state.total_borrow_shares,
            loan_price_usd=loan_price_usd,
            collateral_price_usd=collateral_price_usd,
            collateral_failure=oracle_failure or feed_failure,
            debt_failure=rate_failure or feed_failure,
        )


def _check_created(name: str, morpho: str, ids: Sequence[str], rows: Sequence[Row | None]) -> None:
    """A listed market id the singleton does not know (lastUpdate 0) is a mistake in the book."""
    for market_id, state in zip(ids, rows, strict=True):
        if state is None:
            raise MorphoMarketError(f"{name}: market {market_id} unreadable at {morpho}")
        if MarketState(*state).last_update == 0:
            raise MorphoMarketError(f"{name}: market {market_id} does not exist on Morpho at {morpho}")


def _collateral(market: Market, raw: int) -> tuple[Holding, ...]:
    if not raw:
        return ()
    assert market.collateral_price_usd is not None  # positions that need a failed read are set aside
    return (
        Holding(
            asset=market.collateral,
            amount=from_raw(raw, market.collateral.decimals),
            price_usd=market.collateral_price_usd,
            max_ltv=market.lltv,  # Morpho lends up to the LLTV itself
            liquidation_threshold=market.lltv,
            earns_interest=False,
        ),
    )


def _debt(market: Market, borrow_shares: int) -> tuple[Holding, ...]:
    if not borrow_shares:
        return ()
    assert market.loan_price_usd is not None  # positions that need a failed read are set aside
    return (
        Holding(
            asset=market.loan,
            amount=from_raw(market.debt(borrow_shares), market.loan.decimals),
            price_usd=market.loan_price_usd,
            borrow_apr=market.borrow_apr,
        ),
    )
