"""CeFi loan offers from a TOML file the user can edit; a cited default ships with the package.

A lender's terms are a handful of numbers a user copies from a term sheet, so the file is checked
strictly: an unknown key (a typo such as `orgination_fee`) or a wrong type would otherwise turn
silently into a fee of zero. Every error names the file, the line, the offer and the key. Numbers
are read as Decimal straight from the TOML text, never through float.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from chainwatch.costs.interest import COMPOUNDINGS
from chainwatch.errors import ChainwatchError
from chainwatch.files import read_text
from chainwatch.tomlkeys import KeyPath, TomlFile, parse_toml

DEFAULT_OFFERS = "offers.toml"
ZERO = Decimal(0)


class OffersFileError(ChainwatchError):
    """A missing or malformed offers file; the message names the file, the line and the key."""


@dataclass(frozen=True)
class Offer:
    """One CeFi lender's terms. Fractions are fractions (0.08 is 8%)."""

    name: str
    apr: Decimal
    max_ltv: Decimal
    liquidation_ltv: Decimal
    compounding: str = "simple"
    origination_fee: Decimal = ZERO  # fraction of the loan, paid once
    monthly_fee_usd: Decimal = ZERO  # per month started
    withdrawal_fee_usd: Decimal = ZERO  # once, to get the collateral back
    source: str = ""


_REQUIRED = ("name", "apr", "max_ltv", "liquidation_ltv")
_TEXT_KEYS = ("name", "compounding", "source")
_NUMBER_KEYS = ("apr", "max_ltv", "liquidation_ltv", "origination_fee", "monthly_fee_usd", "withdrawal_fee_usd")


def load_offers(path: Path | None = None) -> list[Offer]:
    """The offers in `path`, or the default file shipped with chainwatch."""
    if path is None:
        text = resources.files("chainwatch.costs").joinpath(DEFAULT_OFFERS).read_text()
        return parse_offers(text, f"built-in {DEFAULT_OFFERS}")
    return parse_offers(read_text(Path(path), "offers file", OffersFileError), str(path))


def parse_offers(text: str, origin: str) -> list[Offer]:
    file = parse_toml(text, origin, OffersFileError, parse_float=Decimal)
    for key in file.data:
        if key != "offers":
            raise OffersFileError(file.unknown_key((), key))
    tables = file.data.get("offers")
    if not isinstance(tables, list) or not tables:
        raise OffersFileError(f"{file.place(('offers',))}: no offers (expected [[offers]] tables)")
    offers = [_parse_offer(file, ("offers", i), table) for i, table in enumerate(tables)]
    seen: set[str] = set()
    for i, offer in enumerate(offers):
        if offer.name in seen:
            raise OffersFileError(f"{file.at(('offers', i, 'name'))}: {offer.name!r} appears twice")
        seen.add(offer.name)
    return offers


def _parse_offer(file: TomlFile, path: KeyPath, table: Any) -> Offer:
    if not isinstance(table, dict):
        raise OffersFileError(f"{file.at(path)}: must be a table")
    for key, value in table.items():
        if key in _TEXT_KEYS:
            if not isinstance(value, str):
                raise OffersFileError(f"{file.at(path + (key,))}: expected a string")
        elif key in _NUMBER_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                raise OffersFileError(f"{file.at(path + (key,))}: expected a number")
        else:
            raise OffersFileError(file.unknown_key(path, key))
    for key in _REQUIRED:
        if key not in table:
            raise OffersFileError(f"{file.at(path)}: missing key {key!r}")
    values: dict[str, Any] = {k: Decimal(v) if k in _NUMBER_KEYS else v for k, v in table.items()}
    offer = Offer(**values)
    _check(lambda key: file.at(path + (key,)), offer)
    return offer


def _check(at: Callable[[str], str], offer: Offer) -> None:
    """Figures that cannot describe a loan: a percent typed as a fraction's place, say.

    `at(key)` is where the key is written (the offer's header for a default left out).
    """
    if not offer.name.strip():
        raise OffersFileError(f"{at('name')}: must not be empty")
    if offer.compounding not in COMPOUNDINGS:
        raise OffersFileError(f"{at('compounding')}: expected one of {', '.join(COMPOUNDINGS)}")
    if not 0 <= offer.apr < 1:
        raise OffersFileError(f"{at('apr')}: expected a fraction (0.08 for 8%), got {offer.apr}")
    if not 0 <= offer.origination_fee < 1:
        raise OffersFileError(f"{at('origination_fee')}: expected a fraction of the loan, got {offer.origination_fee}")
    for key in ("max_ltv", "liquidation_ltv"):
        if not 0 < getattr(offer, key) < 1:
            raise OffersFileError(f"{at(key)}: expected a fraction between 0 and 1")
    if offer.max_ltv > offer.liquidation_ltv:
        raise OffersFileError(f"{at('max_ltv')}: above liquidation_ltv {offer.liquidation_ltv}")
    for key in ("monthly_fee_usd", "withdrawal_fee_usd"):
        if getattr(offer, key) < 0:
            raise OffersFileError(f"{at(key)}: must be zero or more")
