"""A STAND-IN for a pinned `BlockReader` that answers reads of one Chainlink feed, for testing
the round walk at sizes and edge cases the devnet's feeds do not have (thousands of rounds,
phases, gaps, bad answers)."""

from __future__ import annotations

from datetime import UTC, datetime

from chainwatch.rpc import Block, Call

FEED = "0x" + "fe" * 20
PHASE = 3 << 64


class FeedReader:
    """Answers Multicall3 reads of one feed like a `BlockReader` pinned at `now`.

    Rounds 1..count of phase 3 exist, one an hour, ending at `now`, answering 6e12 + n; `gap` is
    a round whose read reverts (None), as a proxy does for a round it never wrote; `bad` maps a
    round to the (answer, updatedAt) it gives instead.
    """

    def __init__(
        self, count: int, now: int, gap: int | None = None, bad: dict[int, tuple[int, int]] | None = None
    ) -> None:
        self.count, self.now, self.gap, self.bad = count, now, gap, bad or {}
        self.block = Block(100, datetime.fromtimestamp(now, tz=UTC))
        self.batches: list[int] = []

    def answer(self, round_id: int) -> tuple[int, int, int, int, int] | None:
        number = round_id - PHASE
        if not 1 <= number <= self.count or number == self.gap:
            return None
        updated = self.now - (self.count - number) * 3600
        answer, updated = self.bad.get(number, (6_000_000_000_000 + number, updated))
        return (round_id, answer, updated, updated, round_id)

    def read(self, calls: list[Call]) -> list[tuple | None]:
        self.batches.append(len(calls))
        results: list[tuple | None] = []
        for call in calls:
            assert call.target == FEED
            if call.fn.name == "latestRoundData":
                results.append(self.answer(PHASE + self.count))
            elif call.fn.name == "decimals":
                results.append((8,))
            else:
                assert call.fn.name == "getRoundData"
                results.append(self.answer(call.args[0]))
        return results
