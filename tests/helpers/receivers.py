"""A real webhook receiver on 127.0.0.1 that keeps every POST it gets, for alert deliveries.

It can also play a webhook that is down (`status = 500`) and run a hook after reading a POST
and before answering it (`on_post`, once), e.g. to kill the sender mid-delivery.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Webhook:
    """Where the receiver listens and what it received, per POST: {"path", "json", "headers",
    "accepted"} (accepted: answered with a success and kept)."""

    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    on_post: Callable[[], bool] | None = None  # returns whether the receiver keeps the post

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts JSON to this receiver."""
        return f"json://127.0.0.1:{self.port}{path}"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [post["json"] for post in self.posts]

    def ids(self) -> list[int]:
        """The outbox id each accepted post carried in its X-Chainwatch-Alert-Id header."""
        return [int(post["headers"]["X-Chainwatch-Alert-Id"]) for post in self.posts if post["accepted"]]


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    """Listen on a free localhost port for the `with` block."""
    hook = Webhook(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
            length = int(self.headers.get("Content-Length", 0))
            status = hook.status
            post = {
                "path": self.path,
                "json": json.loads(self.rfile.read(length)),
                "headers": dict(self.headers),
                "accepted": status < 300,
            }
            hook.posts.append(post)
            if hook.on_post is not None:
                run, hook.on_post = hook.on_post, None
                post["accepted"] = run()
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
