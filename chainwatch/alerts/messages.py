"""Alert text: what a borrower reads on a phone, so it must stand on its own.

Every position message names the wallet, the market, the LTV against the liquidation LTV, the
liquidation price and what to do: for a warning, what to repay or add to get back to a safe
LTV (chainwatch.risk.targets; the safe LTV sits under the lowest line by the hysteresis band,
so following the advice clears every alert); when the position is liquidatable, first what
restores a health factor of 1.0, then the safe target. Watch events (cannot read, oracle,
stopped, heartbeat) name the chain and what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from chainwatch.alerts.events import Event, EventKind
from chainwatch.alerts.lines import LineKind
from chainwatch.errors import ChainwatchError
from chainwatch.model import Position
from chainwatch.render import money, percent
from chainwatch.risk.targets import what_if

CENT = Decimal("0.01")
SATOSHI = Decimal("0.00000001")


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    # what the borrower can do, each a line of the body too (repay or add to get back to safety):
    # for a reader that shows the title and the actions alone (`check`)
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Restore:
    """Either action alone brings the health factor back to 1.0 (rounded up, so it does)."""

    repay: Decimal
    add_btc: Decimal | None


def restore_health(position: Position) -> Restore:
    """Repay: debt − liquidation-weighted collateral (repaying leaves the collateral as it is).
    Add: that shortfall over what one more BTC of the first BTC collateral counts for
    (its price times its liquidation threshold), as risk.hypothetical.with_btc_added adds it."""
    shortfall = max(position.debt_usd - position.liquidation_weighted_collateral_usd, Decimal(0))
    btc = next((h for h in position.collateral if h.tracks_btc and h.liquidation_threshold), None)
    add = None
    if btc is not None and btc.liquidation_threshold:
        add = (shortfall / (btc.price_usd * btc.liquidation_threshold)).quantize(SATOSHI, ROUND_UP)
    return Restore(repay=shortfall.quantize(CENT, ROUND_UP), add_btc=add)


def advice(position: Position, target: Decimal | None) -> str | None:
    """ "Repay $X or add Y BTC to get back to LTV Z", or None when no safe target applies."""
    if target is None or target <= 0 or not position.debt_usd:
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


def _position_message(event: Event, position: Position) -> Message:
    # which chain: a watch reads several (ASCII only: titles become e-mail subjects and SMS); a
    # CeFi loan without a label goes by its name
    where = f"{position.account or position.market} on {position.protocol} ({position.chain})"
    line = event.line.describe() if event.line else ""
    tip = advice(position, event.target_ltv)
    if event.kind is EventKind.liquidatable:
        health = position.health_factor
        headline = f"is LIQUIDATABLE NOW (health factor {health:.3f})" if health is not None else "is LIQUIDATABLE NOW"
        title = f"chainwatch LIQUIDATABLE: {where}, health factor {'-' if health is None else f'{health:.3f}'}"
        restore = restore_health(position)
        add = f", or add {restore.add_btc:,.8f} BTC of collateral" if restore.add_btc is not None else ""
        extra = [f"To restore health factor 1.0: repay {money(restore.repay)} of debt{add}."]
        extra += [tip] if tip else []
    elif event.kind is EventKind.crossed:
        headline = f"crossed {line}"
        title = f"chainwatch WARNING: {where} {headline} (LTV {percent(position.ltv)})"
        extra = [tip] if tip else []
    elif event.closed:
        headline = "no longer has an open loan"
        title = f"chainwatch: {where} {headline}"
        extra = []
    else:
        headline = (
            f"is back below {line}"
            if event.line and event.line.kind is not LineKind.liquidation
            else "is no longer liquidatable"
        )
        if event.held:
            headline += f", still past {event.held.describe()}"
        title = f"chainwatch recovered: {where} {headline}"
        extra = [tip] if tip and event.held else []
    owner = f"Wallet {position.account} on" if position.account else "The loan on"  # a CeFi loan may have no label
    lines = [f"{owner} {position.protocol} (market {position.market}) {headline}."]
    if not event.closed:
        lines += _figures(position) + extra
    return Message(title=title, body="\n".join(lines), actions=tuple(extra) if not event.closed else ())


_WATCH_TITLES = {
    EventKind.unreadable: "chainwatch CANNOT READ {chain}: the watch is blind",
    EventKind.reading_again: "chainwatch is reading {chain} again",
    EventKind.oracle: "chainwatch PRICE WARNING on {chain}",
    EventKind.oracle_cleared: "chainwatch: the price warnings on {chain} are gone",
    EventKind.stopped: "chainwatch STOPPED watching {chain}",
    EventKind.heartbeat: "chainwatch is still watching {chain}",
}
_WATCH_BODIES = {
    EventKind.unreadable: "Positions on {chain} could not be read, so no alert can be sent for them until "
    "readings succeed again.",
    EventKind.reading_again: "Positions on {chain} are read again; alerts resume.",
    EventKind.oracle: "The prices the positions on {chain} are valued at may be wrong:",
    EventKind.oracle_cleared: "The oracle warnings on {chain} no longer apply.",
    EventKind.stopped: "The watch of {chain} was stopped: no alert will be sent until it runs again.",
    EventKind.heartbeat: "The watch of {chain} is running.",
}


def compose(event: Event) -> Message:
    """Title and body for one event."""
    if event.position is not None:
        return _position_message(event, event.position)
    title = _WATCH_TITLES[event.kind].format(chain=event.chain)
    body = [_WATCH_BODIES[event.kind].format(chain=event.chain), *event.details]
    return Message(title=title, body="\n".join(body))
