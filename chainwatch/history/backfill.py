"""Filling the history from past blocks: one snapshot per interval between two dates.

A date becomes a block by a binary search over block headers (the last block at or before that
time), so no indexer or block-explorer API is needed. Reading a past block needs its state,
which only archive nodes keep: the first block is probed before the run starts, so a pruned
node fails at once with a message saying so instead of after minutes of progress bar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.history.store import HistoryStore
from chainwatch.rpc import Block, EndpointPool, RpcError
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import read_snapshot

# How nodes without the state of old blocks say so (geth, erigon, nethermind, reth, anvil, providers).
_NO_STATE = re.compile(
    r"missing trie node|header not found|state.*not available|historical state|pruned|"
    r"archive|state (is )?unavailable|no state|state histories|block ?out ?of ?range",
    re.IGNORECASE,
)


class BackfillError(ChainwatchError):
    """A backfill that cannot be done as asked."""


class ArchiveStateError(BackfillError, UnreadableError):
    """The node does not keep the state of the blocks asked for: they could not be read (exit 4)."""


def sample_times(start: datetime, end: datetime, every: timedelta) -> list[datetime]:
    """start, start + every, ... up to and including end."""
    if end < start:
        raise BackfillError(f"--to {end:%Y-%m-%d %H:%M} is before --from {start:%Y-%m-%d %H:%M}")
    times = []
    moment = start
    while moment <= end:
        times.append(moment)
        moment += every
    return times


class BlockFinder:
    """Blocks by timestamp over one endpoint pool, with the headers it has seen cached."""

    def __init__(self, pool: EndpointPool) -> None:
        self.pool = pool
        self._headers: dict[int, Block] = {}
        self.latest = pool.block()
        self._headers[self.latest.number] = self.latest

    def header(self, number: int) -> Block:
        if number not in self._headers:
            self._headers[number] = self.pool.block(number)
        return self._headers[number]

    def block_at(self, moment: datetime, low: int = 0) -> Block:
        """The last block with a timestamp at or before `moment` (searching from `low` up)."""
        if moment >= self.latest.timestamp:
            return self.latest
        first = self.header(low)
        if moment < first.timestamp:
            if low == 0:
                raise BackfillError(f"{moment:%Y-%m-%d %H:%M:%S} UTC is before the chain's first block")
            return first
        lo, hi = low, self.latest.number  # invariant: ts(lo) <= moment < ts(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.header(mid).timestamp <= moment:
                lo = mid
            else:
                hi = mid
        return self.header(lo)

    def blocks_at(self, moments: Sequence[datetime]) -> list[Block]:
        """Distinct blocks for ascending `moments` (two moments in one block give it once)."""
        blocks: list[Block] = []
        for moment in moments:
            block = self.block_at(moment, blocks[-1].number if blocks else 0)
            if not blocks or block.number != blocks[-1].number:
                blocks.append(block)
        return blocks


def require_state(pool: EndpointPool, chain: Chain, block: Block) -> None:
    """Fail early and clearly when the node cannot read contracts at `block`."""
    try:
        code = pool.request("eth_getCode", [chain.multicall3, hex(block.number)])
    except RpcError as exc:
        raise no_state_error(exc, block) from None
    if code in (None, "0x", "0x0"):
        raise BackfillError(
            f"Multicall3 is not deployed at block {block.number} ({block.timestamp:%Y-%m-%d}): start the backfill later"
        )


def no_state_error(exc: RpcError, block: Block) -> ChainwatchError:
    """An RPC failure at an old block, turned into the archive message when it is one."""
    if _NO_STATE.search(str(exc)):
        return ArchiveStateError(
            f"the node has no state for block {block.number} ({block.timestamp:%Y-%m-%d}): "
            f"backfill needs an archive node (give one with --rpc); the node said: {exc}"
        )
    return exc


@dataclass(frozen=True)
class BackfillResult:
    blocks: list[Block]
    new_readings: int
    # Positions a failed read kept out at some block (named with the block): not stored.
    unreadable: tuple[str, ...] = ()


def backfill(
    chain: Chain,
    accounts: Sequence[str],
    store: HistoryStore,
    *,
    start: datetime,
    end: datetime,
    every: timedelta,
    rpc: Sequence[str] = (),
    protocols: Sequence[str] = (),
    on_plan: Callable[[list[Block]], None] = lambda blocks: None,
    on_block: Callable[[Block, int], None] = lambda block, new: None,
) -> BackfillResult:
    """Read `accounts` at the block of each sample time and store every snapshot.

    Each block is committed as it is read: an interrupted backfill keeps what it did, and a
    re-run skips nothing it needs (already stored readings are not duplicated).
    """
    endpoints = rpc_urls(chain, rpc)
    pool = EndpointPool(endpoints, expected_chain_id=chain.chain_id)
    finder = BlockFinder(pool)
    blocks = finder.blocks_at(sample_times(start, end, every))
    if not blocks:
        raise BackfillError("no block falls between --from and --to")
    require_state(pool, chain, blocks[0])
    on_plan(blocks)
    total = 0
    unreadable: list[str] = []
    for block in blocks:
        try:
            snapshot = read_snapshot(chain, accounts, rpc=endpoints, block=block.number, protocols=protocols)
        except RpcError as exc:
            raise no_state_error(exc, block) from None
        new = store.save_snapshot(snapshot, endpoints)
        total += new
        unreadable += [f"block {block.number}: {u}" for u in snapshot.unreadable]
        on_block(block, new)
    return BackfillResult(blocks=blocks, new_readings=total, unreadable=tuple(unreadable))
