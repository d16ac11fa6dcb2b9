"""The risk report as rich tables, drawn from the same dict the JSON carries so the two never
disagree; only here are its figures rounded."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chainwatch.render import health, money, percent, short_address
from chainwatch.risk.scenarios import Status

_STATUS_COLOURS = {
    Status.HEALTHY: "green",
    Status.WARNING: "yellow",
    Status.MARGIN_CALL: "dark_orange",
    Status.LIQUIDATION: "red",
}


def _status(status: Status) -> str:
    return f"[{_STATUS_COLOURS[status]}]{status.value}[/]"


def _facts(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _scenario_table(
    title: str, label: str, scenarios: list[dict[str, Any]], name: Callable[[dict[str, Any]], str]
) -> Table:
    table = Table(label, "BTC price", "LTV", "health", "status", title=title, title_justify="left")
    for s in scenarios:
        table.add_row(
            name(s),
            money(s["btc_price_usd"]),
            percent(s["ltv"]),
            health(s["health_factor"]),
            _status(s["status"]),
        )
    return table


def _summary(p: dict[str, Any]) -> Table:
    margin, survive = p["margin_of_safety_usd"], p["max_loan_for_drop"]
    rows = [
        ("collateral / debt", f"{money(p['collateral_usd'])} / {money(p['debt_usd'])}"),
        ("BTC price", money(p["btc_price_usd"])),
        ("LTV", f"{percent(p['ltv'])} (max {percent(p['max_ltv'])})"),
        ("liquidation LTV", percent(p["liquidation_ltv"])),
        ("health factor", f"{health(p['health_factor'])}  {_status(p['status'])}"),
        ("liquidation price", money(p["liquidation_price_btc"])),
        (
            "margin of safety",
            "-" if margin is None else f"{money(margin)} ({percent(p['margin_of_safety_fraction'])})",
        ),
        (f"max loan surviving a {percent(survive['drop'])} fall", money(survive["max_loan"])),
    ]
    w = p["what_if"]
    if w:
        after = w["liquidation_price_after_repay"]
        rows.append(
            (
                f"to {percent(w['target_ltv'])} LTV: repay",
                f"{money(w['repay'])} → liq. {money(after)}",
            )
        )
        if w["add_btc"] is not None:
            after = w["liquidation_price_after_add_btc"]
            rows.append(("… or add BTC", f"{w['add_btc']:,.8f} BTC → liq. {money(after)}"))
    chain = ""
    if p["chain_id"] is not None:  # read from a chain, not typed in by hand: the title names it
        chain = p["chain"]
        rows.insert(0, ("read at", f"block {p['block']} · {p['timestamp']:%Y-%m-%d %H:%M:%S} UTC"))
    name = "" if p["market"].startswith("0x") else p["market"]  # a CeFi loan's name tells loans apart
    return _facts(" · ".join(part for part in (chain, p["protocol"], name, p["account"]) if part), rows)


def _interest(p: dict[str, Any], compounding: str) -> Table:
    table = Table(
        "days",
        "simple",
        "daily",
        compounding,
        "LTV",
        title="interest at today's price",
        title_justify="left",
    )
    for t in p["time_scenarios"]:
        table.add_row(
            str(t["days"]),
            money(t["interest_simple"]),
            money(t["interest_daily"]),
            money(t["interest"]),
            percent(t["ltv"]),
        )
    return table


def _odds(p: dict[str, Any], source: str) -> str:
    odds = p["liquidation_probability"]
    if odds is None:
        return "no BTC price liquidates this position"
    return (
        f"chance BTC touches the liquidation price within {odds['horizon_days']} days: "
        f"{percent(odds['probability'])} ± {percent(2 * odds['standard_error'])} "
        f"(Monte Carlo, {odds['paths']:,} paths), {percent(odds['probability_closed_form'])} "
        f"(closed form); volatility {percent(odds['volatility_annual'])} a year ({source})"
    )


def _position(p: dict[str, Any], report: dict[str, Any]) -> Group:
    outlook = p["outlook"]
    return Group(
        _summary(p),
        _scenario_table(
            "price scenarios",
            "BTC move",
            p["price_scenarios"],
            lambda s: f"{s['change'] * 100:+.0f}%",
        ),
        _interest(p, p["compounding"].value + (" (given)" if p["compounding_source"] == "--compounding" else "")),
        _scenario_table(
            f"{outlook['horizon_days']}-day outlook",
            "scenario",
            outlook["scenarios"],
            lambda s: s["name"],
        ),
        _odds(p, report["volatility_source"]),
        "",
    )


def _portfolio(report: dict[str, Any]) -> Table:
    """The totals, titled with how much of the portfolio they cover: every position of every
    chain, or (partial) only those read, with one red row per chain or position left out."""
    portfolio, count = report["portfolio"], report["portfolio"]["positions"]
    worst = portfolio["worst_position"]
    read = [c["chain"] for c in report["chains"] if c["error"] is None]
    where = f" on {', '.join(read)}" if len(report["chains"]) > 1 else ""
    if report["partial"]:
        title = f"[red]partial: only the {count} position{'s' * (count != 1)} read{where}, not the whole portfolio[/]"
    else:
        title = f"all {count} positions{where}"
    # the address short: the position's own title above spells it in full
    worst_name = " · ".join(
        [worst["chain"]] * (worst["chain_id"] is not None) + [worst["protocol"], short_address(worst["account"])]
    )
    rows = [
        ("collateral / debt", f"{money(portfolio['collateral_usd'])} / {money(portfolio['debt_usd'])}"),
        ("LTV", percent(portfolio["ltv"])),
        ("worst position", escape(worst_name)),
        ("its health factor", health(worst["health_factor"])),
        ("first liquidation at BTC", money(portfolio["first_liquidation_price_btc"])),
        ("last liquidation at BTC", money(portfolio["last_liquidation_price_btc"])),
    ]
    rows += [("[red]left out[/]", f"[red]{escape(error['message'])}[/]") for error in report["errors"]]
    return _facts(title, rows)


def _warnings(report: dict[str, Any]) -> list[Text]:
    """Each chain's doubts about the prices its positions were valued at (a stale oracle, a depeg)."""
    return [
        Text(f"⚠ {chain['chain']}: {warning}", style="yellow")
        for chain in report["chains"]
        for warning in chain["warnings"]
    ]


def risk_tables(report: dict[str, Any]) -> Group:
    """Per position: summary, price scenarios, interest, outlook; then the portfolio if several,
    or if anything could not be read (so the gap shows beside the figures)."""
    parts: list[Any] = [_position(p, report) for p in report["positions"]]
    if len(report["positions"]) > 1 or report["partial"]:
        parts.append(_portfolio(report))
    return Group(*parts, *_warnings(report))
