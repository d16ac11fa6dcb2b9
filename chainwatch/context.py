"""What every command's JSON opens with: the chain, block and time its figures were read at.

A document without a chain read (a hand-typed loan, an offline comparison) still says so:
`chain`, `chain_id` and `block` are null and `timestamp` is when it was computed, so a script
can always tell how old a figure is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chainwatch.model import Snapshot


def iso_time(moment: datetime) -> str:
    """UTC, ISO 8601 with Z, to the second: the one way times appear in JSON and CSV."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RunContext:
    chain: str | None
    chain_id: int | None
    block: int | None
    timestamp: datetime

    @classmethod
    def of(cls, snapshot: Snapshot) -> RunContext:
        return cls(snapshot.chain, snapshot.chain_id, snapshot.block_number, snapshot.timestamp)

    @classmethod
    def unread(cls) -> RunContext:
        """No chain was read: the figures are as of now."""
        return cls(None, None, None, datetime.now(UTC))

    def json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "chain_id": self.chain_id,
            "block": self.block,
            "timestamp": iso_time(self.timestamp),
        }
