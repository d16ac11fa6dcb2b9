"""A fault-injecting JSON-RPC proxy on localhost, to stand between chainwatch and the devnet.

It forwards every request to the upstream node unchanged, except that it misbehaves on
schedule the way public endpoints do: `schedule(...)` queues one-shot faults, each spoiling the
next request, and `always(...)` sets a fault for every request after the queue is empty (a
"persona" such as a node on the wrong chain or one that lags). Its URL carries a fake API key in
the path so tests can check that no message ever shows it.

The documented limits of the public endpoints in the address book are personas too, each with
its limit as a constructor argument (scaled down where the devnet's answers are small):

- `batch-items`: batches of at most `batch_limit` (dRPC's free tier: 3); the requests past the
  limit get an error each. dRPC documents the limit, not its error text: the wording here is
  deliberately generic, so chainwatch must learn the limit without reading it.
- `batch-whole`: no batches at all, one error object for the whole batch (Flashbots Protect
  RPC takes no batch requests: flashbots/flashbots-docs#284).
- `batch-too-large`: geth's `--rpc.batch-request-limit` answer (rpc/handler.go
  respondWithBatchTooLarge): a list of one error, -32600 "batch too large", with the first id.
- `batch-close`: the connection closed without an answer for batches over `batch_limit`.
- `request-413`: HTTP 413 for request bodies over `max_request_bytes` (1RPC: 2 MB).
- `response-cap`: answers over `max_response_bytes` (1RPC: 2 MB) refused as geth does past its
  batch response cap (rpc/handler.go): -32003 "response too large" for each request past it.
- `gas-cap`: EIP-7825's per-transaction cap (2^24) applied to eth_call; a call without `gas`
  takes geth's default of 50M and is refused: "transaction gas limit too high (cap: 16777216,
  tx: 50000000)", geth's ErrGasLimitTooHigh wording.
- `gas-allowance`: geth's `--rpc.gascap`: eth_call gas silently capped at `gas_allowance`.
- `log-range`: eth_getLogs over `log_range` blocks refused with `log_range_error` (HTTP status,
  code, message), by default Infura's live answer (INFURA/infura#237).
- `log-rate`: the next `log_rate_limits` eth_getLogs refused as a rate limit, Infura's
  -32005 "project ID request rate exceeded".
- `pruned`: eth_getLogs reaching below `pruned_before` refused with geth's 4444 "pruned history
  unavailable" (core/history PrunedHistoryError).
- `no-archive`: a full node, state older than 128 blocks gone ("missing trie node"), so no
  deployment block can be found by bisecting eth_getCode.

`persona(...)` combines several for every request (e.g. a pruned node with a log range cap).

    python tests/helpers/fault_proxy.py http://127.0.0.1:8545 --port 8600 --always lagging --schedule 429,500
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

FAKE_KEY = "sk-FAKE-0123456789abcdef"
LAG_BLOCKS = 300


class FaultProxy:
    """A proxy in a background thread; use as a context manager or call `close()`."""

    def __init__(
        self,
        upstream: str,
        *,
        port: int = 0,
        hang_seconds: float = 3.0,
        retry_after: int = 1,
        batch_limit: int = 3,
        max_request_bytes: int = 2_000_000,
        max_response_bytes: int = 2_000_000,
        gas_allowance: int = 50_000_000,
        log_range: int = 10_000,
        log_range_error: tuple[int, int, str] = (200, -32602, "range {asked} exceeds limit of {limit}"),
        log_rate_limits: int = 2,
        pruned_before: int = 0,
    ) -> None:
        self.upstream = upstream
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.batch_limit = batch_limit
        self.max_request_bytes = max_request_bytes
        self.max_response_bytes = max_response_bytes
        self.gas_allowance = gas_allowance
        self.log_range = log_range
        self.log_range_error = log_range_error
        self.log_rate_limits = log_rate_limits
        self.pruned_before = pruned_before
        self.served: list[str] = []  # the fault (or "pass") each request met, in order
        self.sizes: list[int] = []  # each request's batch size (1: a single request)
        self.refused: list[str] = []  # what each refusal was, in order
        self.log_ranges: list[tuple[int, int]] = []  # each eth_getLogs block range a persona met
        self._persona: tuple[str, ...] = ()
        self._queue: deque[str] = deque()
        self._always: str | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v2/{FAKE_KEY}"

    def schedule(self, *faults: str) -> FaultProxy:
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
        with self._lock:
            self._queue.extend(faults)
        return self

    def always(self, fault: str | None) -> FaultProxy:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        self._always = fault
        return self

    def persona(self, *faults: str) -> FaultProxy:
        """Apply each of `faults` (per-request refusals such as log-range, pruned) to every request."""
        for fault in faults:
            if fault not in (*REFUSERS, "gas-allowance"):
                raise ValueError(f"not a per-request fault: {fault!r} (known: {', '.join(REFUSERS)})")
        self._persona = faults
        return self.always("persona")

    def next_fault(self) -> str:
        with self._lock:
            fault = self._queue.popleft() if self._queue else (self._always or "pass")
            self.served.append(fault)
            return fault

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- upstream helpers used by the faults ----------------------------------------------

    def forward(self, body: Any) -> Any:
        return requests.post(self.upstream, json=body, timeout=30).json()

    def head(self) -> int:
        return int(self.forward({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})["result"], 16)


# A fault takes the proxy, the parsed request and the handler, and answers (or not).
Fault = Callable[[FaultProxy, Any, "BaseHTTPRequestHandler"], None]


def _items(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else [body]


def _reply(handler: BaseHTTPRequestHandler, status: int, text: str, headers: dict[str, str] | None = None) -> None:
    data = text.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


def _json(handler: BaseHTTPRequestHandler, answer: Any) -> None:
    _reply(handler, 200, json.dumps(answer))


def passthrough(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    _json(handler, proxy.forward(body))


def http_status(status: int) -> Fault:
    def fault(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
        headers = {"Retry-After": str(proxy.retry_after)} if status == 429 else {}
        _reply(handler, status, f"<html>{status}</html>", headers)

    return fault


def hang(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """Answer correctly, but only after the client has given up waiting."""
    time.sleep(proxy.hang_seconds)
    passthrough(proxy, body, handler)


def malformed(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    _reply(handler, 200, '{"jsonrpc": "2.0", "id": 1, "result": "0x')


def rpc_error(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    errors = [
        {"jsonrpc": "2.0", "id": item.get("id"), "error": {"code": -32603, "message": "internal error"}}
        for item in _items(body)
    ]
    _json(handler, errors if isinstance(body, list) else errors[0])


def rate_limited(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    errors = [
        {"jsonrpc": "2.0", "id": item.get("id"), "error": {"code": -32005, "message": "limit exceeded"}}
        for item in _items(body)
    ]
    _json(handler, errors if isinstance(body, list) else errors[0])


def missing_ids(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """Drop the last answer of a batch; a single answer comes back under another id."""
    answer = proxy.forward(body)
    if isinstance(answer, list):
        _json(handler, answer[:-1])
    else:
        _json(handler, {**answer, "id": (answer.get("id") or 0) + 1000})


def reordered(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    answer = proxy.forward(body)
    _json(handler, list(reversed(answer)) if isinstance(answer, list) else answer)


def wrong_chain(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """A node of another chain (here: mainnet) that is otherwise perfectly healthy."""
    answer = proxy.forward(body)
    methods = {item.get("id"): item.get("method") for item in _items(body)}
    for item in _items(answer):
        if methods.get(item.get("id")) == "eth_chainId":
            item["result"] = "0x1"
    _json(handler, answer)


def lagging(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """A node LAG_BLOCKS behind: an older head, "latest" means that head, newer blocks unknown."""
    fake_head = proxy.head() - LAG_BLOCKS
    answers: dict[Any, Any] = {}
    forwarded = []
    for item in _items(body):
        method, params = item.get("method"), list(item.get("params") or [])
        if method == "eth_blockNumber":
            answers[item.get("id")] = {"jsonrpc": "2.0", "id": item.get("id"), "result": hex(fake_head)}
            continue
        tag_index = {"eth_getBlockByNumber": 0, "eth_call": 1, "eth_getBalance": 1}.get(method)
        if tag_index is not None and len(params) > tag_index:
            tag = params[tag_index]
            if tag in ("latest", "pending", "safe", "finalized"):
                params[tag_index] = hex(fake_head)
            elif isinstance(tag, str) and tag.startswith("0x") and int(tag, 16) > fake_head:
                answers[item.get("id")] = {
                    "jsonrpc": "2.0", "id": item.get("id"),
                    "error": {"code": -32000, "message": "header not found"},
                }  # fmt: skip
                continue
        forwarded.append({**item, "params": params})
    if forwarded:
        for answer in _items(proxy.forward(forwarded)):
            answers[answer.get("id")] = answer
    ordered = [answers[item.get("id")] for item in _items(body)]
    _json(handler, ordered if isinstance(body, list) else ordered[0])


def advance(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """Let the chain move on a block (interest accrues), then fail: a failover from here must
    keep reading the block the snapshot pinned, not the new head."""
    proxy.forward({"jsonrpc": "2.0", "id": 0, "method": "evm_mine", "params": []})
    _reply(handler, 503, "<html>503</html>")


def reset(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    """Close the TCP connection with RST instead of answering."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


FAULTS: dict[str, Fault] = {
    "pass": passthrough,
    "429": http_status(429),
    "500": http_status(500),
    "502": http_status(502),
    "503": http_status(503),
    "hang": hang,
    "malformed": malformed,
    "rpc-error": rpc_error,
    "rate-limited": rate_limited,
    "missing-ids": missing_ids,
    "reordered": reordered,
    "wrong-chain": wrong_chain,
    "lagging": lagging,
    "reset": reset,
    "advance": advance,
}


# -- the documented limits of public endpoints -------------------------------------------


def _error(item: dict[str, Any], code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": item.get("id"), "error": {"code": code, "message": message}}


def _refuse_batches_over(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler, refuse: Fault) -> None:
    if isinstance(body, list) and len(body) > proxy.batch_limit:
        proxy.refused.append(f"batch of {len(body)}")
        refuse(proxy, body, handler)
    else:
        passthrough(proxy, body, handler)


def batch_items(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    def refuse(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
        head, tail = body[: proxy.batch_limit], body[proxy.batch_limit :]
        answers = _items(proxy.forward(head)) + [_error(i, -32000, "request not served on this plan") for i in tail]
        _json(handler, answers)

    _refuse_batches_over(proxy, body, handler, refuse)


def batch_whole(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    if isinstance(body, list):
        proxy.refused.append(f"batch of {len(body)}")
        _json(handler, {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}})
    else:
        passthrough(proxy, body, handler)


def batch_too_large(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    _refuse_batches_over(proxy, body, handler, lambda p, b, h: _json(h, [_error(b[0], -32600, "batch too large")]))


def batch_close(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    _refuse_batches_over(proxy, body, handler, reset)


def request_413(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    if len(json.dumps(body)) > proxy.max_request_bytes:
        proxy.refused.append(f"request of {len(json.dumps(body))} bytes")
        _reply(handler, 413, "<html>413 Request Entity Too Large</html>")
    else:
        passthrough(proxy, body, handler)


def response_cap(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    answers, total = [], 0
    for answer in _items(proxy.forward(body)):
        total += len(json.dumps(answer.get("result")))
        if total > proxy.max_response_bytes:
            proxy.refused.append(f"response past {proxy.max_response_bytes} bytes")
            answer = _error(answer, -32003, "response too large")
        answers.append(answer)
    _json(handler, answers if isinstance(body, list) else answers[0])


EIP_7825_CAP = 2**24
GETH_DEFAULT_CALL_GAS = 50_000_000  # geth's --rpc.gascap default, what a call without gas gets


def _call_gas(item: dict[str, Any]) -> int:
    return int(item["params"][0].get("gas", hex(GETH_DEFAULT_CALL_GAS)), 16)


def refuse_gas_over_cap(proxy: FaultProxy, item: dict[str, Any]) -> dict[str, Any] | None:
    if item.get("method") != "eth_call" or _call_gas(item) <= EIP_7825_CAP:
        return None
    return _error(item, -32000, f"transaction gas limit too high (cap: {EIP_7825_CAP}, tx: {_call_gas(item)})")


def _log_range(item: dict[str, Any]) -> tuple[int, int] | None:
    if item.get("method") != "eth_getLogs":
        return None
    query = item["params"][0]
    return int(query["fromBlock"], 16), int(query["toBlock"], 16)


def refuse_log_range(proxy: FaultProxy, item: dict[str, Any]) -> dict[str, Any] | None:
    blocks = _log_range(item)
    if blocks is None or blocks[1] - blocks[0] + 1 <= proxy.log_range:
        return None
    _, code, message = proxy.log_range_error
    return _error(item, code, message.format(asked=blocks[1] - blocks[0] + 1, limit=proxy.log_range))


def refuse_log_rate(proxy: FaultProxy, item: dict[str, Any]) -> dict[str, Any] | None:
    if _log_range(item) is None or proxy.log_rate_limits <= 0:
        return None
    proxy.log_rate_limits -= 1
    return _error(item, -32005, "project ID request rate exceeded")


def refuse_pruned(proxy: FaultProxy, item: dict[str, Any]) -> dict[str, Any] | None:
    blocks = _log_range(item)
    if blocks is None or blocks[0] >= proxy.pruned_before:
        return None
    return _error(item, 4444, "pruned history unavailable")


STATE_KEPT = 128  # blocks of state a full (non-archive) geth node keeps


def refuse_old_state(proxy: FaultProxy, item: dict[str, Any]) -> dict[str, Any] | None:
    """A full node: state older than STATE_KEPT blocks is gone (geth: "missing trie node")."""
    if item.get("method") not in ("eth_getCode", "eth_call", "eth_getBalance"):
        return None
    tag = item["params"][1] if len(item["params"]) > 1 else "latest"
    if not tag.startswith("0x") or int(tag, 16) >= proxy.head() - STATE_KEPT:
        return None
    return _error(item, -32000, "missing trie node")


Refuser = Callable[[FaultProxy, dict[str, Any]], "dict[str, Any] | None"]
REFUSERS: dict[str, Refuser] = {
    "gas-cap": refuse_gas_over_cap,
    "log-range": refuse_log_range,
    "log-rate": refuse_log_rate,
    "pruned": refuse_pruned,
    "no-archive": refuse_old_state,
}


def _refusing(names: tuple[str, ...]) -> Fault:
    """Forward every request, except those one of `names` refuses, which get its error."""

    def fault(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
        answers: dict[Any, Any] = {}
        forwarded = []
        for item in _items(body):
            if (blocks := _log_range(item)) is not None:
                proxy.log_ranges.append(blocks)
            if item.get("method") == "eth_call" and "gas-allowance" in names:
                call = {**item["params"][0]}
                call["gas"] = hex(min(_call_gas(item), proxy.gas_allowance))
                item = {**item, "params": [call, *item["params"][1:]]}
            error = next((e for n in names if n in REFUSERS and (e := REFUSERS[n](proxy, item))), None)
            if error is None:
                forwarded.append(item)
            else:
                proxy.refused.append(error["error"]["message"])
                answers[item.get("id")] = error
        if forwarded:
            for answer in _items(proxy.forward(forwarded if isinstance(body, list) else forwarded[0])):
                answers[answer.get("id")] = answer
        ordered = [answers[item.get("id")] for item in _items(body)]
        status = proxy.log_range_error[0] if "log-range" in names else 200
        if status != 200 and not isinstance(body, list) and "error" in ordered[0]:
            _reply(handler, status, json.dumps(ordered[0]))  # e.g. HTTP 413 with the JSON-RPC error
        else:
            _json(handler, ordered if isinstance(body, list) else ordered[0])

    return fault


def persona(proxy: FaultProxy, body: Any, handler: BaseHTTPRequestHandler) -> None:
    _refusing(proxy._persona)(proxy, body, handler)


FAULTS.update(
    {
        "batch-items": batch_items,
        "batch-whole": batch_whole,
        "batch-too-large": batch_too_large,
        "batch-close": batch_close,
        "request-413": request_413,
        "response-cap": response_cap,
        "gas-allowance": _refusing(("gas-allowance",)),
        **{name: _refusing((name,)) for name in REFUSERS},
        "persona": persona,
    }
)


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            proxy.sizes.append(len(body) if isinstance(body, list) else 1)
            try:
                FAULTS[proxy.next_fault()](proxy, body, self)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass  # the client gave up (after a hang) or we reset it on purpose

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--always", choices=list(FAULTS))
    parser.add_argument("--schedule", default="", help="comma-separated one-shot faults")
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, port=args.port).always(args.always)
    proxy.schedule(*[f for f in args.schedule.split(",") if f])
    print(proxy.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.close()


if __name__ == "__main__":
    main()
