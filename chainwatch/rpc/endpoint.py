"""One JSON-RPC endpoint over HTTP: one attempt per call, every failure classified.

The endpoint never retries or fails over itself (the pool decides that); it only tells a
transient failure (worth another try here) from one that means "ask somebody else".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import requests

from chainwatch.rpc.errors import EndpointError, says_out_of_gas
from chainwatch.rpc.redact import redact, scrub
from chainwatch.rpc.retry import parse_retry_after

Request = tuple[str, list[Any]]

TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})
# JSON-RPC codes worth a retry: "slow down" (EIP-1474 -32005; others seen on public nodes) and
# -32603 "internal error", which overloaded public nodes answer for requests that succeed later.
TRANSIENT_CODES = frozenset({-32005, -32007, -32016, -32090, -32603, 429})
_RATE_LIMIT_WORDS = ("rate limit", "too many requests", "exceeded", "throttl")


class Endpoint:
    """One HTTP JSON-RPC endpoint. `label` is its redacted name, the only one ever shown.

    Garbled answers (malformed JSON, ids missing from a batch) count as transient: on public
    endpoints they come from overloaded proxies in front of the node and pass; error objects
    other than rate limits and internal errors are the node's considered answer, so the pool
    asks the next endpoint instead of asking this one again.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.label = redact(url)
        self.timeout = timeout
        # None: batches of any size; a node that refuses batches drops this to 1.
        self.batch_limit: int | None = None
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def batch(self, requests_: Sequence[Request]) -> list[Any]:
        """Results in request order, sent as JSON-RPC batches this node accepts."""
        size = self.batch_limit or len(requests_) or 1
        results: list[Any] = []
        for start in range(0, len(requests_), size):
            chunk = requests_[start : start + size]
            try:
                results.extend(self.round_trip(chunk))
            except BatchRefusedError:
                self.batch_limit = 1
                results.extend(self.round_trip([r])[0] for r in chunk)
        return results

    def round_trip(self, requests_: Sequence[Request]) -> list[Any]:
        """One HTTP round trip. A node may answer a batch in any order: answers match by id."""
        ids = [next(self._ids) for _ in requests_]
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in zip(ids, requests_)
        ]
        batched = len(payload) > 1
        answer = self._post(payload if batched else payload[0])
        if batched and isinstance(answer, dict):
            if "error" in answer:
                message = scrub(str(answer["error"]), self.url)
                raise BatchRefusedError(f"{self.label} refused a batch of {len(payload)}: {message}", transient=False)
            raise self._fail("answered a batch with a single object", transient=True)
        items = answer if isinstance(answer, list) else [answer]
        by_id = {item.get("id"): item for item in items if isinstance(item, dict)}
        results = []
        for i, (method, _) in zip(ids, requests_):
            item = by_id.get(i)
            if item is None:
                raise self._fail(f"left {method} (id {i}) unanswered", transient=True)
            if item.get("error") is not None:
                raise self._error_object(method, item["error"])
            if "result" not in item:
                raise self._fail(f"answered {method} with neither result nor error", transient=True)
            results.append(item["result"])
        return results

    def _post(self, payload: Any) -> Any:
        try:
            response = self._session.post(self.url, json=payload, timeout=self.timeout)
        except requests.Timeout:
            raise self._fail(f"timed out after {self.timeout:g} s", transient=True) from None
        except requests.ConnectionError as exc:
            reason = "connection reset" if _is_reset(exc) else "cannot connect"
            raise self._fail(reason, transient=True) from None
        except requests.RequestException as exc:
            raise self._fail(type(exc).__name__, transient=False) from None
        if response.status_code != 200:
            raise self._fail(
                f"answered HTTP {response.status_code}",
                transient=response.status_code in TRANSIENT_HTTP,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        try:
            return response.json()
        except ValueError:
            raise self._fail("answered malformed JSON", transient=True) from None

    def _error_object(self, method: str, error: Any) -> EndpointError:
        if isinstance(error, dict):
            code, message = error.get("code"), str(error.get("message", ""))
        else:
            code, message = None, str(error)
        limited = code in TRANSIENT_CODES or any(w in message.lower() for w in _RATE_LIMIT_WORDS)
        limited = limited and not says_out_of_gas(message)  # anvil sends OutOfGas as -32603
        text = scrub(
            f"{method} error {code}: {message}" if code is not None else f"{method} error: {message}", self.url
        )
        return self._fail(text, transient=limited)

    def _fail(self, reason: str, *, transient: bool, retry_after: float | None = None) -> EndpointError:
        return EndpointError(f"{self.label} {reason}", transient=transient, retry_after=retry_after)


class BatchRefusedError(EndpointError):
    """The node answered a batch with one error object: it takes no batches of this size."""


def _is_reset(exc: requests.ConnectionError) -> bool:
    """Whether the peer reset the connection (urllib3 buries the errno inside its message)."""
    return "reset" in str(exc).lower()
