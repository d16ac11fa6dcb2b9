"""The comparison as rich tables, drawn from the same dict the JSON carries so the two never
disagree; only here are its figures rounded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group
from rich.table import Table

from chainwatch.costs.lifecycle import PUBLISHED
from chainwatch.render import money, percent


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _gas(option: dict[str, Any]) -> str:
    if option["kind"] == "cefi":
        return "-"
    low, median, high = (_d(option[k]) for k in ("gas_usd_low", "gas_usd", "gas_usd_high"))
    text = money(median) if low == high else f"{money(median)} ({money(low)}–{money(high)})"
    return text + ("*" if option["gas_source"] == PUBLISHED else "")


def _options_table(report: dict[str, Any]) -> Table:
    where = f" · {report['chain']} block {report['block']}" if report.get("chain") else ""
    btc = f" against {report['btc']} BTC" if report["btc"] else ""
    table = Table(
        title=f"${Decimal(report['loan_usd']):,.2f} for {report['days']} days{btc}{where}",
        title_justify="left",
    )
    table.add_column("option")
    table.add_column("kind")
    for header in ("APR", "interest", "fees", "gas", "total", "eff. APR", "max loan", "liq. BTC price"):
        table.add_column(header, justify="right")
    for option in report["options"]:
        name = option["name"] + (" ★" if option["name"] == report["cheapest"] else "")
        if not option["fits"]:
            name += " (over max loan)"
        table.add_row(
            name,
            option["kind"],
            percent(_d(option["apr"])),
            money(_d(option["interest_usd"])),
            money(_d(option["fees_usd"])),
            _gas(option),
            money(_d(option["total_usd"])),
            percent(_d(option["effective_apr"])),
            money(_d(option["max_loan_usd"])),
            money(_d(option["liquidation_price_btc"])),
        )
    return table


_SIDES = {
    "above": "DeFi cheaper above {size}",
    "below": "DeFi cheaper below {size}",
    "always": "DeFi cheaper at any size",
    "never": "CeFi cheaper at any size",
}


def _break_even_table(report: dict[str, Any]) -> Table:
    table = Table(title="break-even loan size", title_justify="left")
    table.add_column("DeFi market")
    table.add_column("CeFi offer")
    table.add_column("")
    for row in report["break_even"]:
        size = money(_d(row["loan_usd"]))
        table.add_row(row["defi"], row["cefi"], _SIDES[row["defi_cheaper"]].format(size=size))
    return table


def comparison_tables(report: dict[str, Any]) -> Group:
    """The options table, the break-even table, and notes on where figures came from."""
    parts: list[Any] = [_options_table(report)]
    if report["break_even"]:
        parts.append(_break_even_table(report))
    notes = [f"cheapest: {report['cheapest'] or 'none the collateral allows'}"]
    if any(o["gas_source"] == PUBLISHED for o in report["options"]):
        notes.append("* gas from published figures, not measured on real bytecode")
    gas_price = report.get("gas_price_gwei")
    if gas_price:
        notes.append(
            f"gas price {Decimal(gas_price['low']):.3f} / {Decimal(gas_price['median']):.3f} / "
            f"{Decimal(gas_price['high']):.3f} gwei (low / median / high), "
            f"ETH ${Decimal(report['eth_price_usd']):,.2f}"
        )
    notes += [f"skipped {line}" for line in report.get("skipped", [])]
    parts.append("\n".join(notes))
    return Group(*parts)
