"""A real webhook receiver on 127.0.0.1 that keeps every POST it gets, for alert deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Webhook:
    """Where the receiver listens and what it received: {"path": ..., "json": ...} per POST."""

    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts JSON to this receiver."""
        return f"json://127.0.0.1:{self.port}{path}"


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    """Listen on a free localhost port for the `with` block."""
    posts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
            length = int(self.headers.get("Content-Length", 0))
            posts.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Webhook(server.server_address[1], posts)
    finally:
        server.shutdown()
        server.server_close()
