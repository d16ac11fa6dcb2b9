"""Alert thresholds: where the warning levels of a position lie, and which level it is at.

Thresholds are either fractions of the position's own liquidation LTV (the default: 80%, 90%
and 95% of the way to liquidation, so one setting fits markets with different parameters) or
absolute LTVs (0.60, 0.65, 0.70) for a borrower who thinks in LTV. Both are compared on one
`measure` of the position, so the level logic below does not care which kind it is.

Hysteresis: a position climbs to a level as soon as its measure reaches that level, but only
falls back once the measure is `hysteresis` or more below it (in the thresholds' own unit).
A value hovering on a threshold therefore changes level once, not on every reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.model import Position
from chainwatch.risk.errors import RiskInputError, require_fraction, require_non_negative

DEFAULT_LEVELS = (Decimal("0.80"), Decimal("0.90"), Decimal("0.95"))
DEFAULT_HYSTERESIS = Decimal("0.02")


@dataclass(frozen=True)
class Thresholds:
    """Ascending warning levels; level 0 is "below every threshold"."""

    levels: tuple[Decimal, ...] = DEFAULT_LEVELS
    relative: bool = True  # fractions of the liquidation LTV; False: absolute LTVs
    hysteresis: Decimal = DEFAULT_HYSTERESIS

    @classmethod
    def build(
        cls,
        levels: Sequence[Decimal],
        *,
        relative: bool,
        hysteresis: Decimal = DEFAULT_HYSTERESIS,
    ) -> Thresholds:
        """Validated thresholds: each a fraction in (0, 1), distinct, the band below the lowest."""
        name = "threshold (fraction of the liquidation LTV)" if relative else "LTV threshold"
        checked = sorted(require_fraction(name, Decimal(level)) for level in levels)
        if not checked:
            raise RiskInputError("give at least one threshold")
        if len(set(checked)) != len(checked):
            raise RiskInputError(f"thresholds repeat: {', '.join(map(str, checked))}")
        require_non_negative("hysteresis", hysteresis)
        if hysteresis >= checked[0]:
            raise RiskInputError(f"hysteresis {hysteresis} must be below the lowest threshold {checked[0]}")
        return cls(levels=tuple(checked), relative=relative, hysteresis=hysteresis)

    def measure(self, position: Position) -> Decimal | None:
        """The figure compared with the levels; None when there is nothing at risk (no debt).

        Debt with no collateral to measure against counts as past every level.
        """
        if not position.debt_usd:
            return None
        ltv, liquidation_ltv = position.ltv, position.liquidation_ltv
        if ltv is None:
            return Decimal(1)
        if not self.relative:
            return ltv
        return ltv / liquidation_ltv if liquidation_ltv else Decimal(1)

    def level(self, measure: Decimal | None, current: int = 0) -> int:
        """The level a position at `measure` is at, given it was at `current` before.

        Rising is immediate; leaving level i needs the measure at or under levels[i-1] minus
        the hysteresis band (so the safe LTV below clears every alert).
        """
        if measure is None:
            return 0
        reached = sum(1 for level in self.levels if measure >= level)
        if reached >= current:
            return reached
        held = sum(1 for level in self.levels[:current] if measure > level - self.hysteresis)
        return max(reached, held)

    def absolute(self, level: int, position: Position) -> Decimal | None:
        """Threshold `level` (1-based) as an LTV for this position."""
        value = self.levels[level - 1]
        if not self.relative:
            return value
        liquidation_ltv = position.liquidation_ltv
        return value * liquidation_ltv if liquidation_ltv else None

    def safe_ltv(self, position: Position) -> Decimal | None:
        """The LTV to get back to: under the lowest threshold by the band, so the alert clears."""
        value = self.levels[0] - self.hysteresis
        if not self.relative:
            return value
        liquidation_ltv = position.liquidation_ltv
        return value * liquidation_ltv if liquidation_ltv else None

    def describe(self, level: int) -> str:
        """Level `level` in words: "90% of liquidation LTV" or "LTV 65%"."""
        percent = percent_text(self.levels[level - 1])
        return f"{percent} of liquidation LTV" if self.relative else f"LTV {percent}"


def percent_text(fraction: Decimal) -> str:
    """0.80 as "80%", 0.655 as "65.5%": thresholds are shown as the user typed them."""
    text = format(fraction * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
