"""Accounts named by event logs, read with chunked eth_getLogs whose range adapts to the node.

Public nodes cap eth_getLogs by block range (often 1k-10k blocks), by result count (10k) or by
response size, and say so in many wordings. Rather than parse them, the scanner treats any
refused range as too large: it halves the range and asks again, and after a run of answers it
doubles it back, so a sparse filter crosses millions of blocks in a few hundred requests while a
dense one settles at whatever the node accepts. Progress is handed to a checkpoint after every
chunk, so an interrupted scan resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from chainwatch.adapters.base import AccountLogs
from chainwatch.rpc import EndpointPool, RpcError

INITIAL_SPAN = 10_000
MAX_SPAN = 2_000_000
GROW_AFTER = 3  # answered chunks in a row before the range doubles


class LogScanError(RpcError):
    """No node would answer eth_getLogs even for a single block."""


@dataclass
class ScanState:
    """What a scan of one filter has covered: blocks `first`..`last` (inclusive), the accounts
    found there, and the range the node last accepted."""

    first: int
    last: int
    accounts: set[str]
    span: int = INITIAL_SPAN

    @property
    def covered(self) -> bool:
        return self.last >= self.first


Checkpoint = Callable[[ScanState], None]
Progress = Callable[[int], None]  # called with the last block covered so far


class LogScanner:
    """eth_getLogs through an endpoint pool (retries and failover included), range adapting."""

    def __init__(self, pool: EndpointPool) -> None:
        self.pool = pool

    def scan(
        self,
        logs: AccountLogs,
        state: ScanState,
        to_block: int,
        checkpoint: Checkpoint | None = None,
        progress: Progress | None = None,
    ) -> ScanState:
        """Extend `state` to cover `state.first`..`to_block`; blocks it covers are not asked again."""
        start = state.last + 1 if state.covered else state.first
        streak = 0
        while start <= to_block:
            end = min(to_block, start + state.span - 1)
            try:
                found = self.accounts(logs, start, end)
            except RpcError as exc:
                if end == start:
                    raise LogScanError(f"eth_getLogs failed for block {start}: {exc}") from None
                state.span = max(1, (end - start + 1) // 2)
                streak = 0
                continue
            state.accounts |= found
            state.last = end
            start = end + 1
            streak += 1
            if streak >= GROW_AFTER and state.span < MAX_SPAN:
                state.span, streak = min(MAX_SPAN, state.span * 2), 0
            if checkpoint:
                checkpoint(state)
            if progress:
                progress(state.last)
        return state

    def accounts(self, logs: AccountLogs, from_block: int, to_block: int) -> set[str]:
        """The accounts named by `logs` in blocks `from_block`..`to_block`."""
        query = {
            "address": logs.address,
            "topics": list(logs.topics),
            "fromBlock": hex(from_block),
            "toBlock": hex(to_block),
        }
        return self.pool.batch(
            [("eth_getLogs", [query])], parse=lambda answers: [_accounts(answers[0], logs.account_topic)]
        )[0]

    def first_block_with_code(self, address: str, head: int) -> int:
        """The block `address` was deployed in, by bisecting eth_getCode (about 25 requests on
        mainnet); 0 where the node keeps no old state to ask."""
        if not self._has_code(address, head):
            return 0
        low, high = 0, head
        try:
            while low < high:
                middle = (low + high) // 2
                if self._has_code(address, middle):
                    high = middle
                else:
                    low = middle + 1
        except RpcError:
            return 0
        return low

    def _has_code(self, address: str, block: int) -> bool:
        code = self.pool.request("eth_getCode", [address, hex(block)])
        return isinstance(code, str) and len(code) > 2


def _accounts(answer: Any, topic: int) -> set[str]:
    """Account addresses from a getLogs answer; ValueError on anything but a list of logs."""
    if not isinstance(answer, list):
        raise ValueError("eth_getLogs answer is not a list")
    found: set[str] = set()
    for log in answer:
        topics = log["topics"]
        if log.get("removed"):
            continue
        word = topics[topic]
        if len(word) != 66:
            raise ValueError(f"topic {word!r} is not 32 bytes")
        found.add(to_checksum_address("0x" + word[-40:]))
    return found
