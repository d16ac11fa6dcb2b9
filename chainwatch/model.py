"""The shared loan-to-value model every protocol adapter translates into.

Pure data and arithmetic, no I/O. Every amount is a `Decimal` built from the raw integers a
contract returned, so the figures here are exact and reproducible; only the output layer
rounds. Nothing in this module knows which protocol a position came from: the adapters do
all protocol-specific scaling and hand over plain token amounts, USD prices and fractions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, localcontext
from enum import Enum

ZERO = Decimal(0)

DAYS_PER_YEAR = 365  # Aave, Compound v3 and Morpho Blue all count a 365-day year
SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY
MONTHS_PER_YEAR = 12  # a lender compounding monthly counts months of 365/12 days
# The largest sizes a user may type (an option, the config file): beyond them it is a typo, not a loan.
MAX_LOAN_USD = Decimal("1e12")
MAX_BTC = Decimal(21_000_000)  # every bitcoin there will ever be


class Compounding(str, Enum):
    """How a loan's interest compounds: CeFi term sheets quote simple, daily or monthly, Aave and
    Compound v3 compound every second, Morpho Blue continuously (the adapter says which)."""

    SIMPLE = "simple"
    DAILY = "daily"
    MONTHLY = "monthly"
    PER_SECOND = "per-second"
    CONTINUOUS = "continuous"


def from_raw(raw: int, decimals: int) -> Decimal:
    """Scale a raw on-chain integer by 10**decimals exactly (no float, no context rounding)."""
    return Decimal(f"{raw}e{-decimals}")  # exact: scaleb would round to the context's 28 digits


@dataclass(frozen=True)
class Asset:
    """A token on one chain. `is_btc` says its price moves with bitcoin: the adapter sets it
    from the chain's address book (`btc_assets`), never from the symbol."""

    chain: str
    address: str
    symbol: str
    decimals: int
    is_btc: bool = False


@dataclass(frozen=True)
class Holding:
    """An amount of one asset inside a position, valued at the protocol's own oracle price.

    For collateral, `max_ltv` is the borrow limit and `liquidation_threshold` the LTV at which
    this asset's share of the position becomes liquidatable. For debt, `borrow_apr` is the
    current variable borrow rate as a fraction per year.
    """

    asset: Asset
    amount: Decimal
    price_usd: Decimal
    max_ltv: Decimal | None = None
    liquidation_threshold: Decimal | None = None
    borrow_apr: Decimal | None = None
    earns_interest: bool = False

    @property
    def value_usd(self) -> Decimal:
        return self.amount * self.price_usd

    @property
    def tracks_btc(self) -> bool:
        """Whether this holding's price follows BTC: its asset is one of the chain's BTC assets."""
        return self.asset.is_btc


@dataclass(frozen=True)
class Position:
    """One account's loan in one market, read at one block.

    Derived figures follow one definition for every protocol (README, "The model"):
    LTV = debt / collateral; the liquidation LTV is the collateral-value-weighted liquidation
    threshold; the health factor is liquidation-weighted collateral over debt.
    """

    protocol: str
    market: str
    account: str
    chain: str
    block_number: int
    timestamp: datetime
    collateral: tuple[Holding, ...] = field(default_factory=tuple)
    debt: tuple[Holding, ...] = field(default_factory=tuple)
    # Lines this one loan brings to the alerts beside the command's thresholds, as LTVs: a
    # lender's margin call and the loan's own warning lines (a CeFi loan's, from the loan book).
    # The alert engine reads them from any position alike, whatever the protocol.
    margin_call_ltv: Decimal | None = None
    warn_ltvs: tuple[Decimal, ...] = ()
    # How the loan's debt compounds, and who says so: "protocol" (the adapter's rule: Aave and
    # Comet per second, Morpho continuously) or "loan" (a CeFi loan's own terms). None for a
    # loan whose rule is unknown (a hand-typed one): risk then assumes daily and says so.
    compounding: Compounding | None = None
    compounding_source: str = "protocol"
    # The step the protocol rounds the position's average liquidation threshold down to before
    # it judges the loan (Aave: one basis point, an integer division in GenericLogic), so that
    # the health factor and liquidation price are the protocol's own; None: used exact.
    threshold_step: Decimal | None = None
    # The same for the average borrow limit (Aave, every version: its reported LTV and what it
    # lets one borrow); None: used exact.
    ltv_step: Decimal | None = None

    @property
    def alert_ltvs(self) -> tuple[Decimal, ...]:
        """The position's own alert lines, margin call included, lowest first."""
        own = {*self.warn_ltvs, *(() if self.margin_call_ltv is None else (self.margin_call_ltv,))}
        return tuple(sorted(own))

    @property
    def collateral_usd(self) -> Decimal:
        return sum((h.value_usd for h in self.collateral), ZERO)

    @property
    def debt_usd(self) -> Decimal:
        return sum((h.value_usd for h in self.debt), ZERO)

    @property
    def liquidation_weighted_collateral_usd(self) -> Decimal:
        """Sum of collateral value times liquidation threshold: the debt the position can carry
        (with a `threshold_step`, the collateral times the rounded average threshold)."""
        return self._weighted(_threshold_of, self.threshold_step)

    @property
    def borrow_limit_usd(self) -> Decimal:
        """What the collateral lets one borrow in all (with an `ltv_step`, the collateral times
        the rounded average borrow limit, as the protocol counts it)."""
        return self._weighted(_borrow_limit_of, self.ltv_step)

    def _weighted(self, term: Callable[[Holding], Decimal | None], step: Decimal | None) -> Decimal:
        """Σ collateral value × `term`, or, where the protocol rounds the average of `term` down
        to `step`, the collateral times that rounded average."""
        if step is None:
            return sum((h.value_usd * (term(h) or ZERO) for h in self.collateral), ZERO)
        average = self._average(term, step)
        return ZERO if average is None else self.collateral_usd * average

    def _average(self, term: Callable[[Holding], Decimal | None], step: Decimal | None) -> Decimal | None:
        """The collateral-value-weighted average of `term`, rounded down to `step` where the
        protocol does; None without collateral."""
        collateral = self.collateral_usd
        if not collateral:
            return None
        if step is None:
            return self._weighted(term, None) / collateral
        return _stepped_average(((h.value_usd, term(h)) for h in self.collateral), step)

    @property
    def ltv(self) -> Decimal | None:
        """Debt over collateral; None when there is no collateral to measure against."""
        collateral = self.collateral_usd
        return self.debt_usd / collateral if collateral else None

    @property
    def max_ltv(self) -> Decimal | None:
        """The borrow limit as an LTV; None without collateral, or when no holding states one
        (a CeFi loan's lender publishes a margin call, not a borrow limit)."""
        if all(h.max_ltv is None for h in self.collateral):
            return None
        return self._average(_borrow_limit_of, self.ltv_step)

    @property
    def liquidation_ltv(self) -> Decimal | None:
        """The collateral-value-weighted liquidation threshold, rounded down to the protocol's
        `threshold_step` where it has one."""
        return self._average(_threshold_of, self.threshold_step)

    @property
    def health_factor(self) -> Decimal | None:
        """Liquidation-weighted collateral over debt; None (infinite) without debt."""
        debt = self.debt_usd
        return self.liquidation_weighted_collateral_usd / debt if debt else None

    @property
    def btc_assets(self) -> tuple[str, ...]:
        """The symbols of the BTC assets backing the position (its BTC collateral), in order."""
        return tuple(dict.fromkeys(h.asset.symbol for h in self.collateral if h.tracks_btc))

    @property
    def btc_price_usd(self) -> Decimal | None:
        """The BTC price the position is valued at: that of its first BTC-tracking holding.

        A loan backed by several BTC assets (WBTC and cbBTC) has one liquidation price, stated
        in this reference: every BTC asset is taken to move by the same factor as BTC.
        """
        for h in (*self.collateral, *self.debt):
            if h.tracks_btc:
                return h.price_usd
        return None

    @property
    def liquidation_price_btc(self) -> Decimal | None:
        """The BTC price at which the health factor reaches 1, other prices held fixed.

        Every BTC-tracking holding (collateral and debt alike) moves in proportion to BTC, so
        with k = new price / current price the health factor is
        (k·btc_collateral + other_collateral) / (k·btc_debt + other_debt), liquidation-weighted
        on the collateral side; solving HF = 1 for k gives the price. For a loan of BTC against
        other collateral that price lies above today's: a rise liquidates it. None without debt
        or when no BTC price brings the health factor to 1.
        """
        reference = self.btc_price_usd
        if not self.debt or reference is None:
            return None
        btc_collateral = other_collateral = btc_debt = other_debt = ZERO
        for h in self.collateral:
            weighted = h.value_usd * (h.liquidation_threshold or ZERO)
            if h.tracks_btc:
                btc_collateral += weighted
            else:
                other_collateral += weighted
        for h in self.debt:
            if h.tracks_btc:
                btc_debt += h.value_usd
            else:
                other_debt += h.value_usd
        net_btc = btc_collateral - btc_debt
        if not net_btc:
            return None
        factor: Decimal | None = (other_debt - other_collateral) / net_btc
        if self.threshold_step is not None and factor is not None and factor > 0:
            factor = self._factor_at_rounded_threshold(factor, btc_debt, other_debt)
        return reference * factor if factor is not None and factor > 0 else None

    def _factor_at_rounded_threshold(self, factor: Decimal, btc_debt: Decimal, other_debt: Decimal) -> Decimal | None:
        """The BTC price factor at which the health factor reaches 1 when the protocol rounds
        the average threshold down (`threshold_step`), starting from the exact answer.

        The rounded average depends on the mix of collateral values, which moves with BTC when
        other collateral backs the loan too: solve with the average rounded at the candidate,
        then again at the new candidate, until the rounded average no longer changes (one
        pass when BTC is the only collateral, a few steps of the threshold at most otherwise).
        """
        assert self.threshold_step is not None
        btc_value = sum((h.value_usd for h in self.collateral if h.tracks_btc), ZERO)
        other_value = self.collateral_usd - btc_value
        average: Decimal | None = None
        for _ in range(8):
            if factor * btc_value + other_value <= 0:
                return None
            moved = (
                (factor * h.value_usd if h.tracks_btc else h.value_usd, h.liquidation_threshold)
                for h in self.collateral
            )
            rounded = _stepped_average(moved, self.threshold_step)
            if rounded == average:
                return factor
            average = rounded
            denominator = btc_value * average - btc_debt
            if not denominator:
                return None
            factor = (other_debt - other_value * average) / denominator
        return factor

    @property
    def headroom_usd(self) -> Decimal | None:
        """How far collateral value may fall before liquidation: collateral − debt / liq. LTV."""
        liquidation_ltv = self.liquidation_ltv
        if not liquidation_ltv:
            return None
        return self.collateral_usd - self.debt_usd / liquidation_ltv

    @property
    def headroom_fraction(self) -> Decimal | None:
        headroom = self.headroom_usd
        if headroom is None:
            return None
        return headroom / self.collateral_usd


def _threshold_of(h: Holding) -> Decimal | None:
    """What a holding's liquidation threshold is weighed by: the term of the liquidation LTV."""
    return h.liquidation_threshold


def _borrow_limit_of(h: Holding) -> Decimal | None:
    """A holding's borrow limit: the term of the position's max LTV."""
    return h.max_ltv


def _stepped_average(holdings: Iterable[tuple[Decimal, Decimal | None]], step: Decimal) -> Decimal:
    """The value-weighted average of thresholds, rounded down to a multiple of `step`, as a
    protocol dividing in integers has it; (value, threshold) pairs, a missing threshold as 0.

    Worked at a wide precision, so a value that fills the usual 28 digits still multiplies out
    exactly: an average that is exactly a step (a single collateral at 78%) stays that step
    instead of falling one below it to a rounded last digit.
    """
    with localcontext() as wide:
        wide.prec = 100
        pairs = [(value, threshold or ZERO) for value, threshold in holdings]
        total = sum((value for value, _ in pairs), ZERO)
        if not total:
            return ZERO
        weighted = sum((value * threshold for value, threshold in pairs), ZERO)
        return (weighted / total / step).to_integral_value(ROUND_FLOOR) * step


@dataclass(frozen=True)
class Unreadable:
    """A position that could not be read whole at the pinned block, shown in its place.

    A reverting oracle, feed or balance read leaves a hole that no figure may be computed
    across: rather than print the position with a holding missing or mispriced, the adapter
    names the market, the account and the call that failed, and reads everything else.
    """

    protocol: str  # the market's name in the address book
    market: str  # as Position.market: the Aave Pool, the Comet, the Morpho market id
    account: str
    call: str  # the contract call that failed, e.g. "AaveOracle.getAssetPrice(WBTC 0x…)"

    def __str__(self) -> str:
        owner = f"position of {self.account}" if self.account else "position"  # a CeFi loan may have no label
        return f"{self.protocol} {self.market}: {owner} not read: {self.call} failed"


@dataclass(frozen=True)
class Snapshot:
    """All positions read for a set of accounts at one pinned block of one chain.

    `warnings` are one-line doubts about the prices the positions were valued at (a stale
    oracle, a depegged BTC asset), found by chainwatch.sanity at the same block. `unreadable` are
    the positions a failed read kept out: a snapshot with any is partial.
    """

    chain: str
    chain_id: int
    block_number: int
    timestamp: datetime
    positions: tuple[Position, ...]
    warnings: tuple[str, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()


@dataclass(frozen=True)
class ChainReading:
    """One chain's part of a run over several chains: its snapshot, or why it could not be read.

    Exactly one of `snapshot` and `error` is set: a chain that could not be read is never
    dropped, it is carried with its one-line error so the output and the exit code can say so.
    """

    chain: str
    chain_id: int
    snapshot: Snapshot | None = None
    error: str | None = None


def all_positions(readings: Sequence[ChainReading]) -> tuple[Position, ...]:
    """The positions of every chain that was read, chain by chain."""
    return tuple(p for r in readings if r.snapshot for p in r.snapshot.positions)


def portfolio_totals(positions: Sequence[Position]) -> tuple[Decimal, Decimal]:
    """Total collateral and debt in USD: portfolio figures are sums, never averages of LTVs."""
    return (
        sum((p.collateral_usd for p in positions), ZERO),
        sum((p.debt_usd for p in positions), ZERO),
    )
