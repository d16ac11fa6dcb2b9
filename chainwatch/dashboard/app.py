"""The dashboard's web application: pages and the JSON API, answered from the last reading.

GET is the only method (no request changes anything); every answer carries a Content Security
Policy that allows nothing but this server, so the page works offline and fetches nothing else.
Documents under /api/ are the CLI's JSON (`track`, `risk`, `compare`, `history`), built by the
same functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from chainwatch.addresses import parse_address
from chainwatch.context import RunContext
from chainwatch.costs.compare import Loan as CostLoan
from chainwatch.costs.report import CompareSettings, price_comparison
from chainwatch.dashboard import access
from chainwatch.dashboard.charts import dollars, ltv_bar, ltv_curve, percent, time_chart
from chainwatch.dashboard.history import HistorySource
from chainwatch.dashboard.reading import Reading, Target, risk_document
from chainwatch.dashboard.state import LiveState, Status
from chainwatch.dashboard.views import FILTERS, find_loan, loan_key, loan_view, portfolio_view
from chainwatch.errors import ChainwatchError
from chainwatch.history.report import history_document
from chainwatch.risk.hypothetical import with_btc_added, with_debt_repaid
from chainwatch.risk.targets import what_if

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The page asks the server this often (a cheap local request), so a new reading shows within
# seconds of its end, whatever the interval between readings.
PAGE_POLL_SECONDS = 5.0
# Sizes a form takes: beyond them the input is a typo, not a loan (as the CLI's options).
MAX_LOAN_USD = Decimal("1e12")
MAX_BTC = Decimal(21_000_000)
MAX_DAYS = 36_500


class QueryError(ChainwatchError):
    """A form field that is not the number it must be."""


def query_decimal(query: Mapping[str, str], name: str, maximum: Decimal, *, zero: bool = False) -> Decimal | None:
    """A form field as an exact Decimal in (0, maximum] ([0, maximum] with `zero`); None when empty."""
    text = query.get(name, "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise QueryError(f"{name}: {text!r} is not a number") from None
    if not value.is_finite() or not (0 <= value if zero else 0 < value) or value > maximum:
        raise QueryError(f"{name} must be {'zero' if zero else 'more than zero'} to {maximum:,f}, got {text}")
    return value


@dataclass(frozen=True)
class Dashboard:
    """Everything a request is answered from."""

    target: Target
    state: LiveState
    history: HistorySource
    token: str | None  # required on every request when set (a non-loopback address)


def create_app(dashboard: Dashboard) -> Starlette:
    environment = Environment(
        loader=PackageLoader("chainwatch.dashboard", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    templates = Jinja2Templates(env=environment)

    def page(request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
        status = dashboard.state.status()
        every = dashboard.state.every.total_seconds()
        context = {"status": status, "target": dashboard.target, "every": every, "poll": min(every, PAGE_POLL_SECONDS)}
        return templates.TemplateResponse(request, name, {**context, **values}, status_code=status_code)

    async def index(request: Request) -> Response:
        status = dashboard.state.status()
        reading = status.good
        positions = reading.positions if reading else ()
        loans = [loan_view(p, dashboard.target.bands) for p in positions]
        bars = {loan.key: _bar(loan) for loan in loans}
        portfolio = portfolio_view(positions)
        worst_key = loan_key(portfolio.worst) if portfolio else None
        return page(request, "index.html", loans=loans, bars=bars, portfolio=portfolio, worst_key=worst_key)

    async def loan_page(request: Request) -> Response:
        status = dashboard.state.status()
        reading = status.good
        position = find_loan(reading.positions, request.path_params["key"]) if reading else None
        if reading is None or position is None:
            return page(request, "missing.html", 404, key=request.path_params["key"])
        loan = loan_view(position, dashboard.target.bands)
        query = request.query_params
        scenario, scenario_error = _what_if(position, query)
        history_rows, history_error = _history(dashboard, position.account, position.chain)
        rows = [
            r for r in history_rows if (r.protocol, r.market.lower()) == (position.protocol, position.market.lower())
        ]
        alerts, alerts_error = _alerts(dashboard, position)
        return page(
            request,
            "loan.html",
            loan=loan,
            report=reading.position_report(position),
            risk_error=reading.risk_error,
            bar=_bar(loan),
            curve=ltv_curve(position, loan.margin_call_ltv),
            ltv_history=time_chart([(r.timestamp, r.ltv) for r in rows if r.ltv is not None], percent, "LTV"),
            btc_history=time_chart(
                [(r.timestamp, r.btc_price_usd) for r in rows if r.btc_price_usd is not None],
                dollars,
                "BTC price",
                "history-btc",
            ),
            history_count=len(rows),
            history_error=history_error,
            alerts=alerts,
            alerts_error=alerts_error,
            query=query,
            scenario=scenario,
            scenario_error=scenario_error,
        )

    async def compare_page(request: Request) -> Response:
        document, error = _compare(dashboard, request.query_params)
        return page(request, "compare.html", document=document, error=error, query=request.query_params)

    async def api_track(request: Request) -> Response:
        reading = _reading_or_none(dashboard)
        if reading is None:
            return _unavailable(dashboard.state.status())
        return _json(reading.track_document())

    async def api_risk(request: Request) -> Response:
        reading = _reading_or_none(dashboard)
        if reading is None:
            return _unavailable(dashboard.state.status())
        query = request.query_params
        try:
            target_ltv = query_decimal(query, "target_ltv", Decimal(1))
            positions = [
                p
                for p in reading.positions
                if all(query.get(k, v).lower() == v.lower() for k, v in _position_keys(p).items())
            ]
            if target_ltv is None and len(positions) == len(reading.positions) and reading.risk is not None:
                return _json(reading.risk)
            if not positions:
                raise QueryError("no position matches account, protocol and market")
            if reading.volatility is None or reading.snapshot is None:
                raise QueryError(reading.risk_error or "the risk report is not available")
            context = RunContext.of(reading.snapshot)
            return _json(risk_document(dashboard.target, positions, context, reading.volatility, target_ltv))
        except ChainwatchError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    async def api_compare(request: Request) -> Response:
        document, error = _compare(dashboard, request.query_params)
        if document is None:
            return JSONResponse({"error": error}, status_code=400 if error else 503)
        return _json(document)

    async def api_history(request: Request) -> Response:
        try:
            account = parse_address(request.query_params.get("account", ""))
        except ChainwatchError as exc:
            return JSONResponse({"error": f"give ?account=0x…: {exc}"}, status_code=400)
        chain = dashboard.target.chain.name
        rows, error = _history(dashboard, account, chain)
        if error:
            return JSONResponse({"error": error}, status_code=503)
        return _json(history_document(account, chain, rows))

    async def api_status(request: Request) -> Response:
        status = dashboard.state.status()
        good = status.good
        return _json(
            {
                **(RunContext.of(good.snapshot).json() if good and good.snapshot else _no_context(dashboard)),
                "read_at": good.finished.isoformat() if good else None,
                "age_seconds": None if status.age is None else round(status.age.total_seconds(), 1),
                "stale": status.stale,
                "reading": status.reading_since is not None,
                "error": status.failing,
                "every_seconds": status.every.total_seconds(),
            }
        )

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask for one; answering spares a 404 in the log

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
        Route("/loans/{key:path}", loan_page, methods=["GET"]),
        Route("/compare", compare_page, methods=["GET"]),
        Route("/api/track", api_track, methods=["GET"]),
        Route("/api/risk", api_risk, methods=["GET"]),
        Route("/api/compare", api_compare, methods=["GET"]),
        Route("/api/history", api_history, methods=["GET"]),
        Route("/api/status", api_status, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(files("chainwatch.dashboard") / "static")), name="static"),
    ]
    guard = Middleware(BaseHTTPMiddleware, dispatch=_guard(dashboard.token))
    return Starlette(routes=routes, middleware=[guard])


def _guard(token: str | None) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Refuse what may not read the dashboard, and put the security headers on every answer."""

    async def dispatch(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await _checked(request, call_next, token)
        response.headers.update(SECURITY_HEADERS)
        return response

    return dispatch


async def _checked(
    request: Request, call_next: Callable[[Request], Awaitable[Response]], token: str | None
) -> Response:
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


def _json(document: Any) -> Response:
    return JSONResponse(document)


def _no_context(dashboard: Dashboard) -> dict[str, Any]:
    chain = dashboard.target.chain
    return {"chain": chain.name, "chain_id": chain.chain_id, "block": None, "timestamp": None}


def _reading_or_none(dashboard: Dashboard) -> Reading | None:
    return dashboard.state.status().good


def _unavailable(status: Status) -> Response:
    """503 until a first reading succeeded, saying why (reading, or the chain's error)."""
    reason = status.failing or ("the first reading is in progress" if status.reading_since else "no reading yet")
    return JSONResponse({"error": reason}, status_code=503, headers={"Retry-After": "5"})


def _position_keys(position: Any) -> dict[str, str]:
    return {"account": position.account, "protocol": position.protocol, "market": position.market}


def _bar(loan: Any) -> str | None:
    position = loan.position
    if position.ltv is None or not position.liquidation_ltv:
        return None
    return ltv_bar(position.ltv, loan.warning_ltv, loan.margin_call_ltv, position.liquidation_ltv)


def _what_if(position: Any, query: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """The form's questions answered by the risk engine: a target LTV (as `risk --target-ltv`),
    or a repayment and BTC added (the position after them)."""
    try:
        target_ltv = query_decimal(query, "target_ltv", Decimal(1))
        repay = query_decimal(query, "repay", MAX_LOAN_USD, zero=True)
        add_btc = query_decimal(query, "add_btc", MAX_BTC, zero=True)
        if target_ltv is None and repay is None and add_btc is None:
            return None, None
        result: dict[str, Any] = {"target": None, "after": None, "repay": repay, "add_btc": add_btc}
        if target_ltv is not None:
            result["target"] = what_if(position, target_ltv)
        if repay is not None or add_btc is not None:
            after = with_debt_repaid(position, repay or Decimal(0))
            if add_btc:
                after = with_btc_added(after, add_btc)
            result["after"] = after
        return result, None
    except ChainwatchError as exc:
        return None, str(exc)


def _history(dashboard: Dashboard, account: str, chain: str) -> tuple[list[Any], str | None]:
    try:
        return dashboard.history.readings(account, chain), None
    except ChainwatchError as exc:
        return [], str(exc)


def _alerts(dashboard: Dashboard, position: Any) -> tuple[list[dict[str, Any]], str | None]:
    try:
        rows = dashboard.history.alerts(position.account)
    except ChainwatchError as exc:
        return [], str(exc)
    return [
        row
        for row in rows
        if (row["chain"], row["protocol"], row["market"].lower())
        == (position.chain, position.protocol, position.market.lower())
    ], None


def _compare(dashboard: Dashboard, query: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """`compare --loan L --days D [--btc B] --chain C` priced from the reading's chain terms."""
    reading = _reading_or_none(dashboard)
    try:
        loan = query_decimal(query, "loan", MAX_LOAN_USD)
        if loan is None:
            return None, None
        days = query_decimal(query, "days", Decimal(MAX_DAYS)) or Decimal(365)
        if days != days.to_integral_value():
            raise QueryError(f"days must be a whole number, got {days}")
        btc = query_decimal(query, "btc", MAX_BTC)
        if reading is None or reading.terms is None:
            raise QueryError((reading.terms_error if reading else None) or "the chain's lending terms are not read yet")
        settings = CompareSettings(
            loan=CostLoan(loan, int(days), btc),
            chain=dashboard.target.chain.name,
            address_book=dashboard.target.address_book,
        )
        return price_comparison(settings, reading.terms)[1], None
    except ChainwatchError as exc:
        return None, str(exc)
