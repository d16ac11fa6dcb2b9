"""Alert thresholds: the user's warning lines, and every line one position is judged against.

Thresholds are either fractions of the position's own liquidation LTV (the default: 80%, 90%
and 95% of the way to liquidation, so one setting fits markets with different parameters) or
absolute LTVs (0.60, 0.65, 0.70) for a borrower who thinks in LTV. Every position is also judged
against the liquidation line (health factor below 1) and against the lines it brings itself
(a CeFi loan's margin call and its own warning LTVs, given by the loan book).

Hysteresis: a line is crossed as soon as the position reaches it, but clears only once the
position is `hysteresis` or more below it (chainwatch.alerts.lines), so a value hovering on a
line alerts once, not on every reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.alerts.lines import LIQUIDATION, Line, LineKind, position_lines, severity
from chainwatch.model import Position
from chainwatch.risk.errors import RiskInputError, require_fraction, require_non_negative

DEFAULT_LEVELS = (Decimal("0.80"), Decimal("0.90"), Decimal("0.95"))
DEFAULT_HYSTERESIS = Decimal("0.02")


@dataclass(frozen=True)
class Thresholds:
    """The user's ascending warning levels, their kind and the hysteresis band."""

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

    @property
    def lines(self) -> tuple[Line, ...]:
        """The user's thresholds as lines, lowest first."""
        kind = LineKind.share if self.relative else LineKind.ltv
        return tuple(Line(kind, level) for level in self.levels)

    def lines_for(self, position: Position, own: Sequence[Line] = ()) -> list[Line]:
        """Every line `position` is judged against, least severe first: the user's, the
        position's own (those it carries, `Position.margin_call_ltv` and `warn_ltvs`, and any
        `own` given), and liquidation."""
        unique = {line.key: line for line in (*self.lines, *position_lines(position), *own, LIQUIDATION)}
        return sorted(unique.values(), key=lambda line: severity(line, position))

    def crossed(self, position: Position, own: Sequence[Line] = ()) -> list[Line]:
        """The lines `position` is past on this reading alone (no history: `check`)."""
        return [line for line in self.lines_for(position, own) if line.is_crossed(position)]

    def safe_ltv(self, position: Position, own: Sequence[Line] = ()) -> Decimal | None:
        """The LTV to get back to: under the lowest warning line by the band, so every alert
        clears once the borrower gets there."""
        targets = [
            ltv - (self.hysteresis * (position.liquidation_ltv or 0) if line.relative else self.hysteresis)
            for line in self.lines_for(position, own)
            if line.kind is not LineKind.liquidation and (ltv := line.as_ltv(position)) is not None
        ]
        return min(targets) if targets else None
