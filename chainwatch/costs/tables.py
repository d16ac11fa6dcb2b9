"""The comparison as rich tables, drawn from the same dict the JSON carries so the two never
disagree; only here are its figures rounded."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.text import Text

from chainwatch.costs.lifecycle import PUBLISHED
from chainwatch.render import money, percent
from chainwatch.tablefit import Column, fitted_table


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _gas(option: dict[str, Any]) -> str:
    if option["kind"] == "cefi":
        return "-"
    low, median, high = (_d(option[k]) for k in ("gas_usd_low", "gas_usd", "gas_usd_high"))
    text = money(median) if low == high else f"{money(median)} ({money(low)}–{money(high)})"
    return text + ("*" if option["gas_source"] == PUBLISHED else "")


def _compounding(option: dict[str, Any]) -> str:
    """How the option compounds, marked where --compounding overrode the market's own."""
    return option["compounding"] + (" (given)" if option["compounding_source"] == "given" else "")


OVER_MAX_LOAN = "†"


def _option_name(option: dict[str, Any], cheapest: str | None) -> str:
    """The option's name, starred where cheapest, marked † where the collateral does not allow
    the loan: a mark and not words, so the name column leaves room for the costs at 80 columns."""
    name = option["name"] + (" ★" if option["name"] == cheapest else "")
    return name if option["fits"] else f"{name} {OVER_MAX_LOAN}"


def _options_table(report: dict[str, Any], width: int) -> RenderableType:
    where = f" · {report['chain']} block {report['block']}" if report.get("chain") else ""  # one chain
    btc = f" against {report['btc']} BTC" if report["btc"] else ""
    title = f"${Decimal(report['loan_usd']):,.2f} for {report['days']} days{btc}{where}"
    columns: list[Column[dict[str, Any]]] = [
        Column("option", lambda o: escape(_option_name(o, report["cheapest"])), keep=9, justify="left"),
        Column("kind", lambda o: o["kind"], keep=2, justify="left"),
        Column("compounding", _compounding, keep=2, justify="left"),
        Column("APR", lambda o: percent(_d(o["apr"])), keep=6),
        Column("interest", lambda o: money(_d(o["interest_usd"])), keep=4),
        Column("fees", lambda o: money(_d(o["fees_usd"])), keep=3),
        Column("gas", _gas, keep=5),
        Column("total", lambda o: money(_d(o["total_usd"])), keep=8),
        Column("eff. APR", lambda o: percent(_d(o["effective_apr"])), keep=7),
        Column("max loan", lambda o: money(_d(o["max_loan_usd"])), keep=1),
        Column("liq. BTC price", lambda o: money(_d(o["liquidation_price_btc"])), keep=0),
    ]
    return fitted_table(title, columns, report["options"], width)


_SIDES = {"above": "above {size}", "below": "below {size}", "always": "of any size", "never": "of no size"}


def _break_even_table(report: dict[str, Any], width: int) -> RenderableType:
    """One row per DeFi market, one column per CeFi offer: the loan sizes at which the market
    beats the offer. A grid and not a row per pair, so a market is read across in one line
    (seven markets and three offers are seven rows, not twenty-one)."""
    pairs = {(row["defi"], row["cefi"]): row for row in report["break_even"]}
    markets = list(dict.fromkeys(row["defi"] for row in report["break_even"]))
    offers = list(dict.fromkeys(row["cefi"] for row in report["break_even"]))

    def side(offer: str) -> Callable[[str], str]:
        def cell(market: str) -> str:
            row = pairs.get((market, offer))
            return "-" if row is None else _SIDES[row["defi_cheaper"]].format(size=money(_d(row["loan_usd"])))

        return cell

    columns: list[Column[str]] = [Column("DeFi market", escape, keep=len(offers) + 1, justify="left")]
    columns += [
        Column(escape(offer), side(offer), keep=len(offers) - i, justify="left") for i, offer in enumerate(offers)
    ]
    title = "break-even: DeFi cheaper than CeFi for loans"
    return fitted_table(title, columns, markets, width)


def comparison_tables(report: dict[str, Any], width: int = 80) -> Group:
    """The options table, the break-even table, and notes on where figures came from, within
    `width` columns."""
    parts: list[Any] = [_options_table(report, width)]
    if report["break_even"]:
        parts.append(_break_even_table(report, width))
    notes = [Text(f"cheapest: {report['cheapest'] or 'none the collateral allows'}")]
    if not all(o["fits"] for o in report["options"]):
        notes.append(Text(f"{OVER_MAX_LOAN} the collateral does not allow this loan there (over its max loan)"))
    if any(o["compounding_source"] == "given" for o in report["options"]):
        notes.append(Text("(given): --compounding overrides the market's own compounding"))
    if any(o["gas_source"] == PUBLISHED for o in report["options"]):
        notes.append(Text("* gas from published figures, not measured on real bytecode"))
    several = len(report["chains"]) > 1
    notes += [note for chain in report["chains"] if (note := _chain_note(chain, several))]
    if report["btc"] and report["btc_price_chain"]:
        notes.append(
            Text(
                f"CeFi max loans at BTC ${Decimal(report['btc_price_usd']):,.2f}, "
                f"{report['btc_price_chain']}'s BTC/USD feed"
            )
        )
    notes += [
        Text(f"skipped {chain['chain'] + ' · ' if several else ''}{line}")
        for chain in report["chains"]
        for line in chain["skipped"]
    ]
    parts.append(Text("\n").join(notes))
    return Group(*parts)


def _gwei(text: str) -> str:
    """A gas price to three decimals, or to four significant figures where that shows more (a
    rollup's gas costs thousandths of a gwei)."""
    value = Decimal(text)
    decimals = 3 if value == 0 else max(3, 3 - value.adjusted())
    return f"{value:.{decimals}f}"


def _chain_note(chain: dict[str, Any], several: bool) -> Text | None:
    """Where one chain was read and the gas price it was priced at, or why it could not be read."""
    if chain["error"]:
        return Text(f"{chain['chain']}: could not be read: {chain['error']}", style="red")
    where = f"{chain['chain']} block {chain['block']}: " if several else ""
    gas = chain["gas_price_gwei"]
    if gas is None:  # gas given as USD: no price read
        return Text(where.removesuffix(": ")) if several else None
    l1_fee = (
        "; execution gas only, the rollup's L1 data fee is not counted" if chain["gas_excludes_l1_data_fee"] else ""
    )
    low, median, high = (_gwei(gas[k]) for k in ("low", "median", "high"))
    price = f"{median} gwei" if low == high else f"{low} / {median} / {high} gwei (low / median / high)"
    return Text(f"{where}gas price {price}, ETH ${Decimal(chain['eth_price_usd']):,.2f}{l1_fee}")
