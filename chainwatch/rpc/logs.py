"""Accounts named by event logs, read with chunked eth_getLogs whose range adapts to the node.

Public nodes cap eth_getLogs by block range (50 to 10,000 blocks), by result count (10k) or by
response size, and refuse in many wordings; they also rate-limit, and some have pruned the
blocks before the merge (EIP-4444). The three call for different answers, told apart by the
RPC layer (`chainwatch.rpc.errors.refusal`):

- a refused range is halved and asked again, and after a run of answers the range doubles
  back, so a sparse filter crosses millions of blocks in a few hundred requests while a dense
  one settles at whatever the node accepts;
- a rate limit keeps the range: the pool pauses and retries (Retry-After honoured), and when
  every endpoint still refuses the scanner waits longer before asking again;
- pruned history on every endpoint stops the scan with one line naming the blocks no endpoint
  serves and the `--from-block` that would work (found by bisecting single-block requests), or
  an archive endpoint.

Progress is handed to a checkpoint after every chunk, so an interrupted scan resumes where it
stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from chainwatch.errors import UnreadableError
from chainwatch.rpc import EndpointPool, RetryPolicy, RpcError
from chainwatch.rpc.errors import NoEndpointError, Refusal

INITIAL_SPAN = 10_000
MAX_SPAN = 2_000_000
GROW_AFTER = 3  # answered chunks in a row before the range doubles
# Seconds to wait, one after another, when every endpoint rate-limits eth_getLogs even after
# the pool's own retries; then the scan gives up.
RATE_LIMIT_PAUSES = (2.0, 4.0, 8.0, 16.0)


class LogScanError(RpcError, UnreadableError):
    """No node would answer eth_getLogs for a range, even a single block, or a rate limit
    never lifted."""


class PrunedHistoryError(LogScanError):
    """Every endpoint has pruned the blocks the scan needs."""


@dataclass(frozen=True)
class AccountLogs:
    """Event logs that name the accounts of a market, for discovering them from the chain.

    `address` emits the logs; `topics` is an eth_getLogs topic filter (topic 0 the event
    signature hash, None for any value); the account is the indexed address in topic
    `account_topic`. An account a log names may since have left: discovery finds candidates,
    the positions read at the pinned block decide.
    """

    address: str
    topics: tuple[str | None, ...]
    account_topic: int


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
# What a scan keeps of a getLogs answer (a list of logs): by default the accounts the filter's
# `account_topic` names; ValueError on an answer that is not a list of such logs.
Extract = Callable[[Any, AccountLogs], set[str]]


def account_topics(answer: Any, logs: AccountLogs) -> set[str]:
    return _accounts(answer, logs.account_topic)


class LogScanner:
    """eth_getLogs through an endpoint pool (retries and failover included), range adapting."""

    def __init__(self, pool: EndpointPool, extract: Extract = account_topics) -> None:
        self.pool = pool
        self.extract = extract

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
        streak = pauses = 0
        while start <= to_block:
            end = min(to_block, start + state.span - 1)
            try:
                found = self.accounts(logs, start, end)
            except NoEndpointError as exc:
                if exc.refused(Refusal.PRUNED):
                    raise self._pruned(logs, start, to_block, exc) from None
                if exc.refused(Refusal.RATE_LIMIT, Refusal.PRUNED):
                    if pauses == len(RATE_LIMIT_PAUSES):
                        raise LogScanError(
                            f"eth_getLogs for blocks {start}-{end} still rate-limited after waiting "
                            f"{sum(RATE_LIMIT_PAUSES):g} s: {exc}"
                        ) from None
                    RetryPolicy.wait(RATE_LIMIT_PAUSES[pauses])
                    pauses += 1
                    continue
                if end == start:
                    raise LogScanError(f"eth_getLogs failed for block {start}: {exc}") from None
                state.span = max(1, (end - start + 1) // 2)
                streak = 0
                continue
            pauses = 0
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
        return self.pool.batch([("eth_getLogs", [query])], parse=lambda answers: [self.extract(answers[0], logs)])[0]

    def _pruned(self, logs: AccountLogs, start: int, to_block: int, exc: NoEndpointError) -> PrunedHistoryError:
        """The one-line error for blocks no endpoint keeps: which, and where a scan could start."""
        first = self._first_served(logs, start, to_block)
        why = "; ".join(map(str, exc.failures))
        if first is None:
            return PrunedHistoryError(
                f"no endpoint serves eth_getLogs for blocks {start}-{to_block}, pruned history ({why}); "
                "give an archive endpoint with --rpc URL"
            )
        return PrunedHistoryError(
            f"no endpoint serves eth_getLogs for blocks {start}-{first - 1}, pruned history ({why}); "
            f"scan from --from-block {first} (accounts seen only before it are then missed) "
            "or give an archive endpoint with --rpc URL"
        )

    def _first_served(self, logs: AccountLogs, low: int, high: int) -> int | None:
        """The first block in `low`..`high` whose logs an endpoint serves, by bisecting
        single-block requests (pruning removes a node's oldest blocks, so served blocks follow
        pruned ones); None if not even `high` is served."""

        def served(block: int) -> bool:
            try:
                self.accounts(logs, block, block)
            except NoEndpointError as exc:
                if exc.refused(Refusal.PRUNED):
                    return False
                raise
            return True

        if not served(high):
            return None
        while low < high:
            middle = (low + high) // 2
            if served(middle):
                high = middle
            else:
                low = middle + 1
        return low

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
