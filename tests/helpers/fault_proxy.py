"""A fault-injecting JSON-RPC proxy on localhost, to stand between chainwatch and the devnet.

It forwards every request to the upstream node unchanged, except that it misbehaves on
schedule the way public endpoints do: `schedule(...)` queues one-shot faults, each spoiling the
next request, and `always(...)` sets a fault for every request after the queue is empty (a
"persona" such as a node on the wrong chain or one that lags). Its URL carries a fake API key in
the path so tests can check that no message ever shows it.

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

    def __init__(self, upstream: str, *, port: int = 0, hang_seconds: float = 3.0, retry_after: int = 1) -> None:
        self.upstream = upstream
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.served: list[str] = []  # the fault (or "pass") each request met, in order
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


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
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
