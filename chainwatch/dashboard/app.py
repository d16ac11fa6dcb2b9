"""The dashboard's web application: pages and the JSON API, answered from the last reading.

GET is the only method (no request changes anything); `guard` decides who may ask. Documents
under /api/ are the CLI's JSON (`track`, `risk`, `compare`, `history`), built by the same
functions. Handlers are plain functions: Starlette runs them in its thread pool, so a database
read or a what-if never holds up other requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from chainwatch.addresses import parse_address
from chainwatch.context import iso_time
from chainwatch.dashboard.charts import dollars, ltv_bar, ltv_curve, percent, time_chart
from chainwatch.dashboard.guard import guard
from chainwatch.dashboard.history import HistorySource
from chainwatch.dashboard.questions import NotReadYetError, compare_answer, risk_answer, what_if_answer
from chainwatch.dashboard.reading import Target, volatility_source
from chainwatch.dashboard.state import ChainStatus, LiveState, Status
from chainwatch.dashboard.views import FILTERS, Loan, find_loan, loan_view, portfolio_view
from chainwatch.errors import ChainwatchError
from chainwatch.history.alerts_report import alerts_document
from chainwatch.history.report import history_document
from chainwatch.model import Position

# The page asks the server this often (a cheap local request), so a new reading shows within
# seconds of its end, whatever the interval between readings.
PAGE_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Dashboard:
    """Everything a request is answered from."""

    target: Target
    state: LiveState
    history: HistorySource
    token: str | None  # required on every request when set (a non-loopback address)
    from_watch: bool = False  # figures from a running watch's database, no chain read

    @property
    def mode(self) -> str:
        return "from-watch" if self.from_watch else "live"

    def chosen(self, query: Mapping[str, str]) -> str:
        """The chain a question names (`?chain=`), else the first one shown."""
        return query.get("chain") or self.target.chains[0].name


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
        context = {
            "status": status,
            "chains": {c.chain: c for c in status.chains},
            "target": dashboard.target,
            "mode": dashboard.mode,
            "every": every,
            "stale_after": dashboard.state.stale_after.total_seconds(),
            "history_location": dashboard.history.location,
            "poll": min(every, PAGE_POLL_SECONDS),
            "labels": dashboard.target.labels,
        }
        return templates.TemplateResponse(request, name, {**context, **values}, status_code=status_code)

    def index(request: Request) -> Response:
        status = dashboard.state.status()
        loans = [loan_view(p, dashboard.target.bands) for p in status.positions]
        bars = {loan.key: _bar(loan) for loan in loans}
        portfolio = portfolio_view(status.positions)
        worst = loan_view(portfolio.worst, dashboard.target.bands) if portfolio else None
        return page(
            request,
            "index.html",
            loans=loans,
            bars=bars,
            portfolio=portfolio,
            worst_key=worst.key if worst else None,
            worst_title=worst.title if worst else None,
        )

    def loan_page(request: Request) -> Response:
        status = dashboard.state.status()
        key = request.path_params["key"]
        found = next(
            ((c, p) for c in status.chains if c.good for p in (find_loan(c.positions, key),) if p is not None), None
        )
        if found is None:
            return page(request, "missing.html", 404, key=key)
        chain, position = found
        assert chain.good is not None
        loan = loan_view(position, dashboard.target.bands)
        query = request.query_params
        scenario, scenario_error = what_if_answer(position, query)
        history_rows, history_error = _history(dashboard, position.account, position.chain)
        rows = [
            r for r in history_rows if (r.protocol, r.market.lower()) == (position.protocol, position.market.lower())
        ]
        alerts, alerts_error = _alerts(dashboard, position)
        return page(
            request,
            "loan.html",
            loan=loan,
            chain=chain,
            report=chain.good.position_report(position),
            report_source=volatility_source(dashboard.target, chain.chain),
            risk_error=chain.good.risk_error,
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

    def compare_answer_of(query: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
        chain = dashboard.state.status().chain(dashboard.chosen(query))
        if chain is None:
            return None, f"no chain {dashboard.chosen(query)!r} on this dashboard"
        return compare_answer(chain.good, dashboard.target.address_book, query)

    def compare_page(request: Request) -> Response:
        document, error = compare_answer_of(request.query_params)
        return page(
            request,
            "compare.html",
            document=document,
            error=error,
            query=request.query_params,
            chosen=dashboard.chosen(request.query_params),
        )

    def api_track(request: Request) -> Response:
        """`track --format json` of the last round: a chain that failed carries its error; when
        every chain failed, as `track` on one chain, the error is the whole answer (503)."""
        status = dashboard.state.status()
        if status.last is None or not any(part.snapshot for part in status.last.parts):
            errors = "; ".join(f"{p.chain}: {p.error}" for p in status.last.parts) if status.last else None
            return _unavailable(status, errors)
        return _json(status.last.track_document())

    def api_risk(request: Request) -> Response:
        """`risk --chain C --format json [--target-ltv T]`: ?chain= (default the first), ?account=,
        ?protocol=, ?market=, ?target_ltv=."""
        status = dashboard.state.status()
        chain = status.chain(dashboard.chosen(request.query_params))
        if chain is None:
            return JSONResponse({"error": f"no chain {dashboard.chosen(request.query_params)!r} here"}, 400)
        if chain.good is None:
            return _unavailable(status, chain.failing)
        try:
            return _json(risk_answer(dashboard.target, chain.good, request.query_params))
        except NotReadYetError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except ChainwatchError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    def api_compare(request: Request) -> Response:
        document, error = compare_answer_of(request.query_params)
        if document is None:
            return JSONResponse({"error": error or "give ?loan=USD"}, status_code=400)
        return _json(document)

    def api_history(request: Request) -> Response:
        try:
            account = parse_address(request.query_params.get("account", ""))
        except ChainwatchError as exc:
            return JSONResponse({"error": f"give ?account=0x…: {exc}"}, status_code=400)
        chain = dashboard.chosen(request.query_params)
        rows, error = _history(dashboard, account, chain)
        if error:
            return JSONResponse({"error": error}, status_code=503)
        return _json(history_document(account, chain, rows))

    def api_alerts(request: Request) -> Response:
        """`history --alerts --format json [ACCOUNT] --chain C`: the outbox, sent and pending."""
        text = request.query_params.get("account", "")
        try:
            account = parse_address(text) if text else None
        except ChainwatchError as exc:
            return JSONResponse({"error": f"?account=0x…: {exc}"}, status_code=400)
        chain = dashboard.chosen(request.query_params)
        try:
            rows = dashboard.history.alerts(account, chain)
        except ChainwatchError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return _json(alerts_document(account, chain, rows))

    def api_status(request: Request) -> Response:
        """How current every chain's figures are (status.schema.json)."""
        status = dashboard.state.status()
        watch = status.watch
        return _json(
            {
                "mode": dashboard.mode,
                "every_seconds": status.every.total_seconds(),
                "stale_after_seconds": dashboard.state.stale_after.total_seconds(),
                "reading": status.reading_since is not None,
                "read_at": iso_time(status.last.finished) if status.last else None,
                "error": status.failing,
                "chains": [_chain_status(c) for c in status.chains],
                "watch": None
                if not dashboard.from_watch
                else {"db": dashboard.history.location, "running": watch.running if watch else None},
            }
        )

    def no_icon(request: Request) -> Response:
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
        Route("/api/alerts", api_alerts, methods=["GET"]),
        Route("/api/status", api_status, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(files("chainwatch.dashboard") / "static")), name="static"),
    ]
    return Starlette(routes=routes, middleware=[guard(dashboard.token)])


def _json(document: Any) -> Response:
    return JSONResponse(document)


def _chain_status(chain: ChainStatus) -> dict[str, Any]:
    snapshot = chain.good.snapshot if chain.good else None
    return {
        "chain": chain.chain,
        "chain_id": chain.chain_id,
        "block": snapshot.block_number if snapshot else None,
        "timestamp": iso_time(snapshot.timestamp) if snapshot else None,
        "read_at": iso_time(chain.good.finished) if chain.good else None,
        "age_seconds": None if chain.age is None else round(chain.age.total_seconds(), 1),
        "stale": chain.stale,
        "error": chain.failing,
        "positions": len(chain.positions),
        "partial": bool(snapshot and snapshot.unreadable),
    }


def _unavailable(status: Status, reason: str | None = None) -> Response:
    """503 until a reading succeeded, saying why (reading, or the error)."""
    reason = (
        reason or status.failing or ("the first reading is in progress" if status.reading_since else "no reading yet")
    )
    return JSONResponse({"error": reason}, status_code=503, headers={"Retry-After": "5"})


def _bar(loan: Loan) -> str | None:
    position = loan.position
    if position.ltv is None or not position.liquidation_ltv:
        return None
    return ltv_bar(position.ltv, loan.warning_ltv, loan.margin_call_ltv, position.liquidation_ltv)


def _history(dashboard: Dashboard, account: str, chain: str) -> tuple[list[Any], str | None]:
    try:
        return dashboard.history.readings(account, chain), None
    except ChainwatchError as exc:
        return [], str(exc)


def _alerts(dashboard: Dashboard, position: Position) -> tuple[list[dict[str, Any]], str | None]:
    try:
        rows = dashboard.history.alerts(position.account, position.chain)
    except ChainwatchError as exc:
        return [], str(exc)
    return [
        row
        for row in rows
        if (row["protocol"], (row["market"] or "").lower()) == (position.protocol, position.market.lower())
    ], None
