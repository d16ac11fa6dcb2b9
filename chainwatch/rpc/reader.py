"""Contract reads at one pinned block, packed into Multicall3 `aggregate3` batches.

Failures are isolated per call (allowFailure), and several multicalls travel in one JSON-RPC
batch, so a snapshot of hundreds of wallets costs a handful of HTTP requests, not thousands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from chainwatch.abi import AbiFunction, function

if TYPE_CHECKING:
    from chainwatch.rpc.pool import EndpointPool

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
CALLS_PER_MULTICALL = 400
MULTICALLS_PER_HTTP_BATCH = 20


@dataclass(frozen=True)
class Call:
    """One contract read: which contract, which function, which arguments."""

    target: str
    fn: AbiFunction
    args: tuple[Any, ...] = ()

    def calldata(self) -> bytes:
        return self.fn.encode_call(*self.args)


@dataclass(frozen=True)
class Block:
    number: int
    timestamp: datetime


class BlockReader:
    """Contract reads at one pinned block, batched through Multicall3."""

    def __init__(self, pool: EndpointPool, block: Block, multicall3: str) -> None:
        self.pool = pool
        self.block = block
        self.multicall3 = multicall3
        self._aggregate3 = function("Multicall3", "aggregate3")

    def read(self, calls: Sequence[Call]) -> list[tuple[Any, ...] | None]:
        """Decoded results in call order; None where a call reverted or returned garbage."""
        chunks = [
            list(calls[i : i + CALLS_PER_MULTICALL])
            for i in range(0, len(calls), CALLS_PER_MULTICALL)
        ]
        results: list[tuple[Any, ...] | None] = []
        for group in _groups(chunks, MULTICALLS_PER_HTTP_BATCH):
            for chunk, raw in zip(group, self._aggregate_many(group)):
                results.extend(_decode(call, ok, data) for call, (ok, data) in zip(chunk, raw))
        return results

    def _aggregate_many(self, chunks: list[list[Call]]) -> list[list[tuple[bool, bytes]]]:
        requests_ = [
            (
                "eth_call",
                [
                    {
                        "to": self.multicall3,
                        "data": "0x"
                        + self._aggregate3.encode_call(
                            [(c.target, True, c.calldata()) for c in chunk]
                        ).hex(),
                    },
                    hex(self.block.number),
                ],
            )
            for chunk in chunks
        ]
        sizes = [len(chunk) for chunk in chunks]
        return self.pool.batch(requests_, parse=lambda answers: self._decode_all(answers, sizes))

    def _decode_all(self, answers: list[Any], sizes: list[int]) -> list[list[tuple[bool, bytes]]]:
        """aggregate3 answers, one result per call; ValueError otherwise, so the pool asks
        another node rather than hand back a shifted or truncated list."""
        decoded = []
        for answer, size in zip(answers, sizes, strict=True):
            if not isinstance(answer, str) or not answer.startswith("0x"):
                raise ValueError("eth_call result is not hex data")
            try:
                raw = list(self._aggregate3.decode_result(bytes.fromhex(answer[2:]))[0])
            except Exception as exc:  # eth-abi raises several types for short or malformed data
                raise ValueError(f"not an aggregate3 answer: {type(exc).__name__}") from None
            if len(raw) != size:
                raise ValueError(f"aggregate3 answered {len(raw)} results for {size} calls")
            decoded.append(raw)
        return decoded


def _decode(call: Call, ok: bool, data: bytes) -> tuple[Any, ...] | None:
    if not ok:
        return None
    try:
        return call.fn.decode_result(data)
    except Exception:  # eth-abi raises several types for short or malformed return data
        return None


def _groups(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
