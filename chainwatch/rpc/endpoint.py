"""One JSON-RPC endpoint over HTTP: one attempt per call, every failure classified.

The endpoint never retries or fails over itself (the pool decides that); it only tells a
transient failure (worth another try here) from one that means "ask somebody else", and learns
how large a JSON-RPC batch the node takes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import requests

from chainwatch.rpc.errors import HTTP_TOO_MANY, EndpointError, Refusal, refusal
from chainwatch.rpc.redact import redact, scrub
from chainwatch.rpc.retry import parse_retry_after

Request = tuple[str, list[Any]]

TRANSIENT_HTTP = frozenset({408, 425, HTTP_TOO_MANY, 500, 502, 503, 504})
# JSON-RPC codes worth a retry: "slow down" (EIP-1474 -32005; others seen on public nodes) and
# -32603 "internal error", which overloaded public nodes answer for requests that succeed later.
TRANSIENT_CODES = frozenset({-32005, -32007, -32016, -32090, -32603, 429})
# What a node says when a batch, not one of its requests, is the problem.
_BATCH_SIZE = (Refusal.BATCH, Refusal.TOO_LARGE)


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
        # The largest batch this node is known to take; None until it refuses one.
        self.batch_limit: int | None = None
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def batch(self, requests_: Sequence[Request]) -> list[Any]:
        """Results in request order, sent in JSON-RPC batches this node accepts.

        Nodes refuse a batch that is too large in four ways: one error object for the whole
        batch (Flashbots takes no batches at all), errors on the requests past their limit
        (geth answers "batch too large" for the first and nothing for the rest, or "response
        too large" for those past its response cap), HTTP 413, or a closed connection. Each
        sends what was not answered again in smaller batches, down to single requests, and the
        size the node took is kept for the rest of the run: a batch refusal never costs the
        endpoint its place in the pool.
        """
        results: dict[int, Any] = {}
        waiting = list(range(len(requests_)))
        while waiting:
            size = min(len(waiting), self.batch_limit or len(waiting))
            chunk = waiting[:size]
            try:
                outcomes = self.round_trip([requests_[i] for i in chunk])
            except EndpointError as exc:
                if size == 1 or not (exc.refusal in _BATCH_SIZE or isinstance(exc, DroppedError)):
                    raise
                self.batch_limit = size // 2
                continue
            refused = [i for i, outcome in zip(chunk, outcomes) if isinstance(outcome, EndpointError)]
            for i, outcome in zip(chunk, outcomes):
                if not isinstance(outcome, EndpointError):
                    results[i] = outcome
            if refused:
                self._refused_in_batch(requests_, chunk, outcomes, results)
            waiting = [i for i in refused if i not in results] + waiting[size:]
        return [results[i] for i in range(len(requests_))]

    def _refused_in_batch(
        self, requests_: Sequence[Request], chunk: list[int], outcomes: list[Any], results: dict[int, Any]
    ) -> None:
        """Some requests of a batch came back with errors or not at all: learn a smaller batch
        where that was the batch's size, raise where it was the requests' own.

        Errors that name the batch or a size (geth's "batch too large", "response too large")
        lower the limit at once. Rate limits, and transient errors on every request, are raised
        for the pool to pause on. Other errors (a provider's own wording for its limit) are
        settled by asking each such request alone: an error it keeps alone is its own and is
        raised; if alone they are answered, the batch was too large. A batch with answers
        missing and no error at all is a garbled answer (transient)."""
        size = len(chunk)
        failed = [(i, o) for i, o in zip(chunk, outcomes) if isinstance(o, EndpointError)]
        answered = size - len(failed)
        said = [o for _, o in failed if not isinstance(o, UnansweredError)]
        if size == 1 or not said:
            raise failed[0][1]
        if any(o.refusal is Refusal.RATE_LIMIT for o in said) or (not answered and all(o.transient for o in said)):
            raise said[0]  # slow down, or an overloaded node: the pool pauses and asks again
        if not any(o.refusal in _BATCH_SIZE for o in said):
            for i, _ in failed:
                results[i] = self.round_trip([requests_[i]])[0]
        # Keep the size the node answered in full (geth and dRPC answer the first ones).
        self.batch_limit = max(1, answered or size // 2)

    def round_trip(self, requests_: Sequence[Request]) -> list[Any]:
        """One HTTP round trip: each request's result, or the EndpointError it met (a batch's
        errors are returned for `batch` to sort out; a single request's error is raised).
        A node may answer a batch in any order: answers match by id."""
        ids = [next(self._ids) for _ in requests_]
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in zip(ids, requests_)
        ]
        batched = len(payload) > 1
        answer = self._post(payload if batched else payload[0], None if batched else requests_[0][0])
        if batched and isinstance(answer, dict):
            if "error" in answer:
                error = self._error_object(f"a batch of {len(payload)}", answer["error"])
                # One error for the whole batch: unless a rate limit, it refuses the batch.
                if error.refusal is None:
                    error.refusal = Refusal.BATCH
                raise error
            raise self._fail("answered a batch with a single object", transient=True)
        items = answer if isinstance(answer, list) else [answer]
        by_id = {item.get("id"): item for item in items if isinstance(item, dict)}
        outcomes: list[Any] = []
        for i, (method, _) in zip(ids, requests_):
            item = by_id.get(i)
            if item is None:
                outcome: Any = UnansweredError(f"{self.label} left {method} (id {i}) unanswered", transient=True)
            elif item.get("error") is not None:
                outcome = self._error_object(method, item["error"])
            elif "result" not in item:
                outcome = self._fail(f"answered {method} with neither result nor error", transient=True)
            else:
                outcome = item["result"]
            if not batched and isinstance(outcome, EndpointError):
                raise outcome
            outcomes.append(outcome)
        return outcomes

    def _post(self, payload: Any, method: str | None) -> Any:
        try:
            response = self._session.post(self.url, json=payload, timeout=self.timeout)
        except requests.Timeout:
            raise self._fail(f"timed out after {self.timeout:g} s", transient=True) from None
        except requests.ConnectionError as exc:
            text = str(exc).lower()
            if "reset" in text:  # urllib3 buries the errno inside its message
                raise DroppedError(f"{self.label} connection reset", transient=True) from None
            if "aborted" in text or "closed" in text:
                raise DroppedError(f"{self.label} closed the connection", transient=True) from None
            raise self._fail("cannot connect", transient=True) from None
        except requests.RequestException as exc:
            raise self._fail(type(exc).__name__, transient=False) from None
        if response.status_code != 200:
            raise self._http_error(response, method)
        try:
            return response.json()
        except ValueError:
            raise self._fail("answered malformed JSON", transient=True) from None

    def _http_error(self, response: requests.Response, method: str | None) -> EndpointError:
        """An HTTP error status, with the JSON-RPC error a provider may put in its body (HTTP 413
        with "eth_getLogs is limited to a 10,000 range" is a range refusal, not a size cap)."""
        status = response.status_code
        try:
            body = response.json()
            error = body.get("error") if isinstance(body, dict) else None
        except ValueError:
            error = None
        code, message = _code_and_message(error) if error is not None else (None, "")
        said = scrub(f": {message}", self.url) if message else ""
        return self._fail(
            f"answered HTTP {status}{said}",
            transient=status in TRANSIENT_HTTP,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            refusal=refusal(method, code, message, status),
        )

    def _error_object(self, method: str, error: Any) -> EndpointError:
        code, message = _code_and_message(error)
        why = refusal(method, code, message)
        # anvil sends OutOfGas as -32603; a refusal other than a rate limit is final here too.
        transient = why is Refusal.RATE_LIMIT or (why is None and code in TRANSIENT_CODES)
        text = scrub(
            f"{method} error {code}: {message}" if code is not None else f"{method} error: {message}", self.url
        )
        return self._fail(text, transient=transient, refusal=why)

    def _fail(
        self,
        reason: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        refusal: Refusal | None = None,
    ) -> EndpointError:
        return EndpointError(f"{self.label} {reason}", transient=transient, retry_after=retry_after, refusal=refusal)


class UnansweredError(EndpointError):
    """A batch came back without the answer to one of its requests."""


class DroppedError(EndpointError):
    """The node closed the connection instead of answering: overloaded, or a batch too big."""


def _code_and_message(error: Any) -> tuple[Any, str]:
    if isinstance(error, dict):
        return error.get("code"), str(error.get("message", ""))
    return None, str(error)
