"""Who may read the dashboard: this machine by default; anyone else only with the token.

On a loopback address the server answers only requests whose Host names this machine, so a web
page elsewhere cannot read the portfolio through DNS rebinding. On any other address every
request must carry the token printed when the server started: as `?token=` once (the answer
then sets a cookie and drops it from the address bar), as that cookie, or as a Bearer header.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import parse_qsl, urlencode

TOKEN_COOKIE = "chainwatch_token"
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; a name that is not an address is not loopback."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same_token(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def host_name(host_header: str) -> str:
    """The name part of a Host header (`[::1]:8787` → `[::1]`, `localhost:8787` → `localhost`)."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def without_token(query: str) -> str:
    """The query string with `token` removed, for the redirect that hides it."""
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"])
