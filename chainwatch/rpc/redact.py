"""Endpoint URLs as they may appear in messages: scheme, host and port, nothing else.

Keyed providers put the key in the path (`/v2/KEY`), the query (`?apikey=KEY`) or the user
part (`https://KEY@host`); every error, log line and stored record names an endpoint through
`redact`, and text a node sent back goes through `scrub` in case it echoes the URL.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
MAX_NODE_TEXT = 200


def redact(url: str) -> str:
    """`scheme://host:port` of `url`, with `/…` appended when a path or query was cut off.

    Parsed by hand rather than with urlsplit, which raises on a bad port and would then take
    the whole URL, key included, into the error message.
    """
    scheme, _, rest = url.strip().partition("://")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = netloc.rpartition("@")[2]  # drop user:password@
    cut = rest[len(netloc) :] not in ("", "/")
    return f"{scheme or 'http'}://{host}{'/…' if cut else ''}"


def scrub(text: str, url: str) -> str:
    """Node-supplied text made safe for one line: no URL secrets, no control characters."""
    rest = url.partition("://")[2]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, tail = netloc.rpartition("@")[0], rest[len(netloc) :]
    pieces = {url, rest, tail, userinfo, *re.split(r"[/?#&=:]", f"{tail}/{userinfo}")}
    for piece in sorted((p for p in pieces if len(p) > 3), key=len, reverse=True):
        text = text.replace(piece, "…")
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= MAX_NODE_TEXT else text[: MAX_NODE_TEXT - 1] + "…"
