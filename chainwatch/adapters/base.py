"""The one small interface every protocol adapter implements.

An adapter turns a market's raw contract state into `Position`s of the shared model, and that
is all it does: scaling (rays, wads, 1e36 oracle prices, shares) stays inside it, and nothing
downstream knows which protocol a position came from.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from eth_utils import keccak

from chainwatch.chain import Chain, MarketConfig
from chainwatch.model import Asset, Compounding, Holding, Position, Unreadable
from chainwatch.rpc import BlockReader
from chainwatch.rpc.logs import AccountLogs


@dataclass(frozen=True)
class MarketRate:
    """One asset of a market as a new borrower meets it: what it is worth, what it lends
    against and what borrowing it costs now.

    Cost comparisons need these terms for markets where the user holds nothing yet, so they
    cannot come from a `Position`. None marks what the market does not offer: an asset it does
    not accept as collateral, or one it does not lend.
    """

    asset: Asset
    price_usd: Decimal
    max_ltv: Decimal | None = None
    liquidation_threshold: Decimal | None = None
    borrow_apr: Decimal | None = None
    # Rates with the same group can be combined in one loan: a whole pool shares one (Aave,
    # a Comet), while each isolated Morpho market is a group of its own (its market id).
    group: str = ""


@dataclass(frozen=True)
class Reading:
    """What one market gave for a list of accounts: the positions read whole, and the ones a
    failed call kept out (each naming that call), so one bad feed never sinks the rest."""

    positions: list[Position]
    unreadable: list[Unreadable]


def parse_block_setting(value: object) -> int:
    """A block number read from a config file: a non-negative int (TOML's bools are not)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("expected a block number (an integer, 0 or more)")
    return value


# Market keys every adapter family takes, all optional. `deployment_block`: the block the
# market's contracts were deployed in, where `scan` starts reading its logs (a public node keeps
# no old state to find it by, and may have pruned the blocks before it).
COMMON_SETTINGS: Mapping[str, Callable[[Any], Any]] = {"deployment_block": parse_block_setting}


Row = tuple[Any, ...]


def answered(rows: Sequence[Row | None]) -> list[Row] | None:
    """`rows` when every call answered, else None: for reads that stand or fall together."""
    present = [row for row in rows if row is not None]
    return present if len(present) == len(rows) else None


def chain_asset(chain: Chain, address: str, symbol: str, decimals: int) -> Asset:
    """A token of `chain` as the model carries it, marked BTC when the chain's book lists it
    among its `btc_assets`: the one way adapters make an `Asset`."""
    return Asset(chain.name, address, symbol, decimals, is_btc=chain.btc_asset(address) is not None)


def event_topic(signature: str) -> str:
    """Topic 0 of an event: the keccak of its canonical signature, e.g. `Transfer(address,address,uint256)`."""
    return "0x" + keccak(text=signature).hex()


def address_topic(address: str) -> str:
    """An indexed address as a topic: left-padded to 32 bytes, lower case as nodes compare it."""
    return "0x" + "00" * 12 + address[2:].lower()


class Adapter(ABC):
    """Reads the positions of many accounts in one market at one pinned block."""

    protocol: ClassVar[str]
    # The market-table keys of the address book this adapter needs, each with its parser
    # (which raises ValueError on a bad value), so the book is validated before any RPC;
    # COMMON_SETTINGS are taken by every adapter on top, as optional keys.
    settings_schema: ClassVar[Mapping[str, Callable[[Any], Any]]]
    # Keys of `settings_schema` a market table may leave out.
    optional_settings: ClassVar[frozenset[str]] = frozenset()
    # How the protocol compounds its borrow rate into debt, for projecting interest.
    interest_compounding: ClassVar[Compounding]

    def __init__(self, chain: Chain, market: MarketConfig) -> None:
        self.chain = chain
        self.market = market

    @abstractmethod
    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> Reading:
        """The non-empty positions of `accounts`, every read at `reader.block`; a position whose
        reads did not all answer is reported unreadable instead (`unreadable`)."""

    def unreadable(self, market: str, account: str, call: str) -> Unreadable:
        """The report of a position of this market that `call` failed to read."""
        return Unreadable(protocol=self.market.name, market=market, account=account, call=call)

    def position(
        self,
        reader: BlockReader,
        market: str,
        account: str,
        collateral: Sequence[Holding],
        debt: Sequence[Holding],
        *,
        threshold_step: Decimal | None = None,
        ltv_step: Decimal | None = None,
    ) -> Position:
        """A position of this market read at `reader.block`: the one way adapters make one.
        `threshold_step`, `ltv_step`: see Position (a protocol that rounds the averages)."""
        return Position(
            protocol=self.market.name,
            market=market,
            account=account,
            chain=self.chain.name,
            block_number=reader.block.number,
            timestamp=reader.block.timestamp,
            collateral=tuple(collateral),
            debt=tuple(debt),
            compounding=self.interest_compounding,
            threshold_step=threshold_step,
            ltv_step=ltv_step,
        )

    @abstractmethod
    def market_rates(self, reader: BlockReader) -> list[MarketRate]:
        """Every asset of the market with its price, collateral terms and borrow rate."""

    def collateral_account_logs(self, reader: BlockReader, asset: str) -> list[AccountLogs] | None:
        """The logs naming every account that has put `asset` up as collateral in this market
        (a superset is fine, a missed account is not); None where the adapter cannot tell,
        which `chainwatch scan` reports as unsupported for the market."""
        return None
