"""Alert text: what a borrower reads on a phone, so it must stand on its own.

Every message names the wallet, the market, the LTV against the liquidation LTV, the
liquidation price and, for a warning, what to repay or add to get back to a safe LTV
(chainwatch.risk.targets does that arithmetic; the safe LTV sits under the lowest threshold
by the hysteresis band, so following the advice clears the alert).
"""

from __future__ import annotations

from dataclasses import dataclass

from chainwatch.alerts.tracker import Alert, AlertKind
from chainwatch.errors import ChainwatchError
from chainwatch.model import Position
from chainwatch.render import money, percent
from chainwatch.risk.targets import what_if


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def advice(alert: Alert) -> str | None:
    """ "Repay $X or add Y BTC to get back to LTV Z", or None when no safe target applies."""
    position = alert.position
    target = alert.thresholds.safe_ltv(position)
    if target is None or not position.debt_usd:
        return None
    try:
        plan = what_if(position, target)
    except ChainwatchError:  # e.g. an absolute threshold above this market's liquidation LTV
        return None
    if not plan.repay:
        return None
    add = f", or add {plan.add_btc:,.8f} BTC of collateral" if plan.add_btc is not None else ""
    return f"To get back to a safe LTV of {percent(target)}: repay {money(plan.repay)} of debt{add}."


def _figures(position: Position) -> list[str]:
    health = position.health_factor
    return [
        f"LTV {percent(position.ltv)} (liquidation at {percent(position.liquidation_ltv)}, "
        f"health factor {'∞' if health is None else f'{health:.3f}'})",
        f"Debt {money(position.debt_usd)} against collateral {money(position.collateral_usd)}",
        f"BTC price {money(position.btc_price_usd)}, liquidation price {money(position.liquidation_price_btc)}",
        f"Read at block {position.block_number}, {position.timestamp:%Y-%m-%d %H:%M:%S} UTC, on {position.chain}",
    ]


def compose(alert: Alert) -> Message:
    """Title and body for one alert."""
    position = alert.position
    where = f"{position.account} on {position.protocol}"
    thresholds = alert.thresholds
    if alert.kind is AlertKind.warning:
        headline = f"crossed {thresholds.describe(alert.level)}"
        title = f"chainwatch WARNING: {where} {headline} (LTV {percent(position.ltv)})"
    elif alert.closed:
        headline = "no longer has an open loan"
        title = f"chainwatch: {where} {headline}"
    else:
        headline = f"is back below {thresholds.describe(alert.previous)}"
        if alert.level:
            headline += f", still past {thresholds.describe(alert.level)}"
        title = f"chainwatch recovery: {where} {headline}"
    lines = [f"Wallet {position.account} on {position.protocol} (market {position.market}) {headline}."]
    if not alert.closed:
        lines += _figures(position)
        tip = advice(alert) if alert.kind is AlertKind.warning or alert.level else None
        if tip:
            lines.append(tip)
    return Message(title=title, body="\n".join(lines))
