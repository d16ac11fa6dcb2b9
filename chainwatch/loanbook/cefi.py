"""A CeFi loan (Nexo, Ledn ...) as a position of the shared model, valued at a chain's block.

A lender's loan has no contract to read, so the loan book states its terms and chainwatch reads
the one live figure it needs, the BTC price, from the chain's Chainlink BTC/USD feed at the same
pinned block as the on-chain positions; the debt is grown by the loan's own compounding from
`since` to that block's time. From then on the loan is a `Position` like any other (protocol
"cefi", market the loan's name), so risk, alerts, history and exports need no CeFi branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chainwatch.adapters.base import Reading
from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.feeds import FeedError, read_latest
from chainwatch.model import SECONDS_PER_DAY, Asset, Compounding, Holding, Position, Unreadable
from chainwatch.risk.interest import growth_factor
from chainwatch.rpc import BlockReader

CEFI = "cefi"


class LoanTimeError(ChainwatchError):
    """A loan read at a block from before the loan began: there was no such debt then."""


class CefiPriceError(UnreadableError):
    """The chain's BTC/USD feed, which values every CeFi loan, is missing or gave no answer."""


@dataclass(frozen=True)
class CefiLoan:
    """A loan's terms as the loan book states them. Fractions are fractions (0.139 is 13.9%)."""

    name: str
    btc: Decimal
    debt_usd: Decimal  # the principal at `since`
    apr: Decimal
    compounding: Compounding
    since: datetime  # UTC; interest accrues from here
    liquidation_ltv: Decimal
    margin_call_ltv: Decimal | None = None
    warn_ltv: tuple[Decimal, ...] = ()
    label: str = ""  # shown as the position's account

    def debt_at(self, moment: datetime) -> Decimal:
        """The debt at `moment`: the principal grown by the loan's compounding since `since`."""
        seconds = int((moment - self.since).total_seconds())
        if seconds < 0:
            raise LoanTimeError(
                f"CeFi loan {self.name!r} begins {self.since:%Y-%m-%d %H:%M:%S} UTC, after the time read "
                f"({moment:%Y-%m-%d %H:%M:%S} UTC): it had no debt then"
            )
        return self.debt_usd * growth_factor(self.apr, Decimal(seconds) / SECONDS_PER_DAY, self.compounding)

    def position(self, chain: str, block_number: int, timestamp: datetime, btc_price_usd: Decimal) -> Position:
        """The loan as a model position read at that block, its BTC at `btc_price_usd`.

        A lender states a margin call and a liquidation LTV but no borrow limit, so the
        collateral has no `max_ltv`. The margin call and the loan's own warning lines go with
        the position to the alerts.
        """
        btc = Asset(chain=chain, address="", symbol="BTC", decimals=8, is_btc=True)
        usd = Asset(chain=chain, address="", symbol="USD", decimals=2)
        return Position(
            protocol=CEFI,
            market=self.name,
            account=self.label,
            chain=chain,
            block_number=block_number,
            timestamp=timestamp,
            collateral=(Holding(btc, self.btc, btc_price_usd, liquidation_threshold=self.liquidation_ltv),),
            debt=(Holding(usd, self.debt_at(timestamp), Decimal(1), borrow_apr=self.apr),),
            margin_call_ltv=self.margin_call_ltv,
            warn_ltvs=self.warn_ltv,
            compounding=self.compounding,
            compounding_source="loan",
        )


def read_cefi_positions(reader: BlockReader, chain: Chain, loans: Sequence[CefiLoan]) -> Reading:
    """`loans` valued at the Chainlink BTC/USD answer of `chain` at the reader's pinned block.

    No price, no figure: a chain without a BTC/USD feed is an error naming the loans (exit 4);
    a feed that gives no price at the block leaves each loan unreadable, named in its place
    (exit 4 too), while the on-chain positions read beside them still show.
    """
    if chain.btc_usd_feed is None:
        names = ", ".join(repr(loan.name) for loan in loans)
        raise CefiPriceError(f"cannot value CeFi loan(s) {names}: chain {chain.name} has no btc_usd_feed")
    try:
        price = read_latest(reader, chain.btc_usd_feed).price
    except FeedError:  # the snapshot's price warnings say how the feed failed
        call = f"Chainlink BTC/USD {chain.btc_usd_feed}.latestRoundData"
        return Reading([], [Unreadable(CEFI, loan.name, loan.label, call) for loan in loans])
    block = reader.block
    return Reading([loan.position(chain.name, block.number, block.timestamp, price) for loan in loans], [])
