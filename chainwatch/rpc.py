"""The one place that talks to Ethereum nodes.

An `EndpointPool` holds the endpoints of a chain and fails over between them; a `BlockReader`
pins every read of one snapshot to one block and packs contract reads into Multicall3
`aggregate3` batches (failures isolated per call), several batches per JSON-RPC batch request.
A snapshot of hundreds of wallets therefore costs a handful of HTTP requests, not thousands.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

import requests

from chainwatch.abi import AbiFunction, function
from chainwatch.errors import ChainwatchError

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
CALLS_PER_MULTICALL = 400
MULTICALLS_PER_HTTP_BATCH = 20


class RpcError(ChainwatchError):
    """A node could not answer, or answered something unusable; the message is one line."""


class ChainMismatchError(RpcError):
    """The endpoint serves a different chain than the address book says."""


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


def redact(url: str) -> str:
    """Show an endpoint by scheme and host only: paths and queries often carry API keys."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


class Endpoint:
    """One JSON-RPC HTTP endpoint."""

    def __init__(self, url: str, timeout: float = 15.0) -> None:
        self.url = url
        self.timeout = timeout
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def _post(self, payload: Any) -> Any:
        try:
            response = self._session.post(self.url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RpcError(f"cannot reach {redact(self.url)}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise RpcError(f"{redact(self.url)} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise RpcError(f"{redact(self.url)} answered malformed JSON") from None

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def batch(self, requests_: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Send requests as one JSON-RPC batch; answers come back in request order.

        A node may answer a batch in any order, so answers are matched by id. An error object
        for any item fails the whole batch: a half-answered snapshot is never returned.
        """
        ids = [next(self._ids) for _ in requests_]
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in zip(ids, requests_)
        ]
        answer = self._post(payload if len(payload) > 1 else payload[0])
        items = answer if isinstance(answer, list) else [answer]
        by_id = {item.get("id"): item for item in items if isinstance(item, dict)}
        results = []
        for i in ids:
            item = by_id.get(i)
            if item is None:
                raise RpcError(f"{redact(self.url)} left request {i} of a batch unanswered")
            if "error" in item:
                error = item["error"] or {}
                raise RpcError(f"{redact(self.url)}: {error.get('message', error)}")
            results.append(item.get("result"))
        return results


class EndpointPool:
    """The endpoints of one chain, tried in order until one answers.

    The chain id is checked on first use so a misconfigured URL can never report another
    chain's balances.
    """

    def __init__(self, urls: Sequence[str], expected_chain_id: int | None = None) -> None:
        if not urls:
            raise RpcError("no RPC endpoint configured")
        self.endpoints = [Endpoint(url) for url in urls]
        self.expected_chain_id = expected_chain_id
        self._checked: set[str] = set()

    def batch(self, requests_: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        failures = []
        for endpoint in self.endpoints:
            try:
                self._check_chain(endpoint)
                return endpoint.batch(requests_)
            except ChainMismatchError:
                raise
            except RpcError as exc:
                failures.append(str(exc))
        raise RpcError("; ".join(failures))

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def _check_chain(self, endpoint: Endpoint) -> None:
        if self.expected_chain_id is None or endpoint.url in self._checked:
            return
        chain_id = int(endpoint.request("eth_chainId", []), 16)
        if chain_id != self.expected_chain_id:
            raise ChainMismatchError(
                f"{redact(endpoint.url)} serves chain id {chain_id}, "
                f"expected {self.expected_chain_id}"
            )
        self._checked.add(endpoint.url)

    def block(self, number: int | None = None) -> Block:
        tag = hex(number) if number is not None else "latest"
        header = self.request("eth_getBlockByNumber", [tag, False])
        if header is None:
            raise RpcError(f"block {number} does not exist yet")
        return Block(
            number=int(header["number"], 16),
            timestamp=datetime.fromtimestamp(int(header["timestamp"], 16), tz=timezone.utc),
        )

    def reader(self, number: int | None = None, multicall3: str = MULTICALL3) -> BlockReader:
        """A reader pinned to block `number` (the latest block when None)."""
        return BlockReader(self, self.block(number), multicall3)


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
        answers = self.pool.batch(requests_)
        return [
            list(self._aggregate3.decode_result(bytes.fromhex(answer[2:]))[0]) for answer in answers
        ]


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
