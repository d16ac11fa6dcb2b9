"""The one small interface every protocol adapter implements.

An adapter turns a market's raw contract state into `Position`s of the shared model, and that
is all it does: scaling (rays, wads, 1e36 oracle prices, shares) stays inside it, and nothing
downstream knows which protocol a position came from.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar, Mapping, Sequence

from chainwatch.chains import Chain, MarketConfig
from chainwatch.model import Position
from chainwatch.rpc import BlockReader


class Adapter(ABC):
    """Reads the positions of many accounts in one market at one pinned block."""

    protocol: ClassVar[str]
    # The market-table keys of the address book this adapter needs, each with its parser
    # (which raises ValueError on a bad value), so the book is validated before any RPC.
    settings_schema: ClassVar[Mapping[str, Callable[[Any], Any]]]

    def __init__(self, chain: Chain, market: MarketConfig) -> None:
        self.chain = chain
        self.market = market

    @abstractmethod
    def read_positions(self, reader: BlockReader, accounts: Sequence[str]) -> list[Position]:
        """The non-empty positions of `accounts`, every read at `reader.block`."""
