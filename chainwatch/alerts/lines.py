"""Alert lines: one value a position's risk is compared with, identified by that value.

A line is what an alert is about ("crossed 90% of liquidation LTV", "crossed the lender's margin
call at LTV 71.4%", "liquidatable now"). Its `key` is its kind and value, never its place in a
list, so the alert state a watch keeps survives the user changing, adding or reordering
thresholds between runs: a line keeps its state while it is watched, and a new line is
judged from the current reading.

Kinds and what they are measured on:
- share: a fraction of the position's own liquidation LTV (LTV / liquidation LTV);
- ltv: an absolute LTV (the user's `--ltv`, or a loan's own `warn_ltv` lines);
- margin_call: an absolute LTV at which a lender calls for more collateral (CeFi loans);
- liquidation: the health factor below 1, i.e. LTV / liquidation LTV above 1 (strictly: a
  health factor of exactly 1 is not liquidatable on any supported protocol).

Hysteresis: a line is crossed as soon as its measure reaches the value, but clears only once
the measure is `band` or more below it, in the line's own unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from chainwatch.model import Position

PAST_EVERY_LINE = Decimal("Infinity")  # debt against no collateral: beyond any line


class LineKind(str, Enum):
    share = "share"
    ltv = "ltv"
    margin_call = "margin_call"
    liquidation = "liquidation"


@dataclass(frozen=True)
class Line:
    kind: LineKind
    value: Decimal

    @property
    def key(self) -> str:
        """ "share:0.8", "ltv:0.45", "liquidation:1": what the alert state is stored under."""
        return f"{self.kind.value}:{_plain(self.value)}"

    @property
    def relative(self) -> bool:
        return self.kind in (LineKind.share, LineKind.liquidation)

    def measure(self, position: Position) -> Decimal | None:
        """The figure compared with `value`; None when nothing is at risk (no debt)."""
        if not position.debt_usd:
            return None
        ltv = position.ltv
        if ltv is None:
            return PAST_EVERY_LINE
        if not self.relative:
            return ltv
        liquidation_ltv = position.liquidation_ltv
        return ltv / liquidation_ltv if liquidation_ltv else PAST_EVERY_LINE

    def is_crossed(self, position: Position, was_crossed: bool = False, band: Decimal = Decimal(0)) -> bool:
        """Whether the position is past this line, given whether it was at the last reading."""
        measure = self.measure(position)
        if measure is None:
            return False
        if was_crossed and measure > self.value - band:
            return True
        return measure > self.value if self.kind is LineKind.liquidation else measure >= self.value

    def as_ltv(self, position: Position) -> Decimal | None:
        """The line as an LTV for this position (relative lines scale its liquidation LTV)."""
        if not self.relative:
            return self.value
        liquidation_ltv = position.liquidation_ltv
        return self.value * liquidation_ltv if liquidation_ltv else None

    def describe(self) -> str:
        """The line in words, as the user typed its value."""
        if self.kind is LineKind.liquidation:
            return "liquidation (health factor below 1)"
        if self.kind is LineKind.share:
            return f"{percent_text(self.value)} of liquidation LTV"
        if self.kind is LineKind.margin_call:
            return f"the margin call at LTV {percent_text(self.value)}"
        return f"LTV {percent_text(self.value)}"


LIQUIDATION = Line(LineKind.liquidation, Decimal(1))


def position_lines(position: Position) -> list[Line]:
    """The lines a position carries itself (a CeFi loan's, from the loan book): its lender's
    margin call and its own warning LTVs. Read from any position alike, whatever the protocol."""
    lines = [Line(LineKind.ltv, value) for value in position.warn_ltvs]
    if position.margin_call_ltv is not None:
        lines.append(Line(LineKind.margin_call, position.margin_call_ltv))
    return lines


def severity(line: Line, position: Position) -> tuple[int, Decimal]:
    """Sort key: liquidation above everything, the others by the LTV they stand for."""
    if line.kind is LineKind.liquidation:
        return (1, Decimal(0))
    ltv = line.as_ltv(position)
    return (0, ltv if ltv is not None else line.value)


def percent_text(fraction: Decimal) -> str:
    """0.80 as "80%", 0.655 as "65.5%": thresholds are shown as the user typed them."""
    return f"{_plain(fraction * 100)}%"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
