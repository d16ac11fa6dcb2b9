"""The gate every request passes: this machine only by name, or the token; security headers.

Every answer carries a Content Security Policy that allows nothing but this server, so a page
works offline and can fetch nothing else; nothing is cached, and no referrer leaves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from chainwatch.dashboard import access

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Next = Callable[[Request], Awaitable[Response]]


def guard(token: str | None) -> Middleware:
    """Without a token (a loopback address): only requests addressed to this machine by name.
    With one: only requests that carry it."""

    async def dispatch(request: Request, call_next: Next) -> Response:
        response = await _checked(request, call_next, token)
        response.headers.update(SECURITY_HEADERS)
        return response

    return Middleware(BaseHTTPMiddleware, dispatch=dispatch)


async def _checked(request: Request, call_next: Next, token: str | None) -> Response:
    if token is None:
        if not access.is_loopback(access.host_name(request.headers.get("host", ""))):
            return PlainTextResponse("403: this dashboard answers only at 127.0.0.1 or localhost\n", 403)
        return await call_next(request)
    given = request.query_params.get("token")
    if access.same_token(given, token):  # once from the printed address: keep it in a cookie, not the URL
        query = access.without_token(request.url.query)
        response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), status_code=303)
        response.set_cookie(access.TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response
    bearer = request.headers.get("authorization", "")
    if access.same_token(request.cookies.get(access.TOKEN_COOKIE), token) or (
        bearer.startswith("Bearer ") and access.same_token(bearer[7:], token)
    ):
        return await call_next(request)
    return PlainTextResponse(
        "401: this dashboard needs its token: open the address `chainwatch serve` printed\n",
        401,
        headers={"WWW-Authenticate": "Bearer"},
    )
