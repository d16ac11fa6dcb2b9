"""A DeFi loan's life as the transactions a user sends, and the gas units each one takes.

Gas is the one cost of a DeFi loan that does not grow with its size, so it decides which small
loans CeFi wins. The units come from `gas_units.json`, shipped with the package: measured on the
devnet's real bytecode by scripts/measure_gas.py (receipt gasUsed) where the bytecode can be run
here, published figures with their source where it cannot. Both say how they were obtained.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from chainwatch.errors import ChainwatchError

GAS_UNITS_FILE = "gas_units.json"
ACTIONS = ("approve", "supply", "borrow", "repay", "withdraw")
# Open: approve the collateral, supply it, borrow. Close: approve the loan asset, repay, withdraw.
DEFAULT_LIFECYCLE = ("approve", "supply", "borrow", "approve", "repay", "withdraw")
MEASURED = "measured"
PUBLISHED = "published"


class GasDataError(ChainwatchError):
    """A lifecycle naming an unknown action, or no gas figures for a protocol."""


@dataclass(frozen=True)
class GasUnits:
    """Gas units per action for one protocol family, and how they were obtained."""

    protocol: str
    kind: str  # MEASURED or PUBLISHED
    how: str
    units: Mapping[str, int]

    def total(self, lifecycle: Sequence[str]) -> int:
        return sum(self.units[action] for action in lifecycle)


def parse_lifecycle(text: str) -> tuple[str, ...]:
    """`approve,supply,borrow` -> its actions, each checked against the known ones."""
    actions = tuple(part.strip() for part in text.split(",") if part.strip())
    if not actions:
        raise GasDataError("--lifecycle: name at least one action")
    for action in actions:
        if action not in ACTIONS:
            raise GasDataError(f"--lifecycle: unknown action {action!r} (known: {', '.join(ACTIONS)})")
    return actions


def read_gas_document() -> dict[str, Any]:
    """The shipped data file as JSON (scripts/measure_gas.py rewrites it)."""
    return json.loads(resources.files("chainwatch.costs").joinpath(GAS_UNITS_FILE).read_text())


def load_gas_units(document: Mapping[str, Any] | None = None) -> dict[str, GasUnits]:
    """Gas units per protocol family (the adapters' `protocol`), from the shipped file."""
    document = read_gas_document() if document is None else document
    table = {}
    for protocol, entry in document["protocols"].items():
        units = entry["units"]
        if entry["kind"] not in (MEASURED, PUBLISHED) or set(units) != set(ACTIONS):
            raise GasDataError(f"{GAS_UNITS_FILE}: protocols.{protocol} is malformed")
        table[protocol] = GasUnits(protocol, entry["kind"], entry["how"], dict(units))
    return table


def gas_units_for(table: Mapping[str, GasUnits], protocol: str) -> GasUnits:
    try:
        return table[protocol]
    except KeyError:
        raise GasDataError(
            f"no gas figures for {protocol} in {GAS_UNITS_FILE}: run scripts/measure_gas.py, or give --gas-usd"
        ) from None
