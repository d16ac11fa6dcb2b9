"""The loan book: the user's config file of wallets, CeFi loans, chains, thresholds and notify URLs.

A borrower describes their loans once (`~/.config/chainwatch/config.toml`, or `--config FILE` /
`CHAINWATCH_CONFIG`) and `track`, `risk`, `check`, `watch` and `history` use it when no wallet is
named. A loan's terms become money figures, so the file is checked as strictly as the offers file:
an unknown key (a typo such as `liquidation_lvt`), a wrong type, an LTV outside (0, 1), a margin
call above the liquidation LTV or a start date in the future is one line naming the file, the
line and the key, before anything is read. Numbers are read as Decimal from the TOML text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs

from chainwatch.alerts.thresholds import Thresholds
from chainwatch.ens import parse_account
from chainwatch.errors import ChainwatchError
from chainwatch.files import read_text
from chainwatch.loanbook.cefi import CefiLoan
from chainwatch.model import MAX_BTC, MAX_LOAN_USD, Compounding
from chainwatch.tomlkeys import KeyPath, TomlFile, parse_toml

CONFIG_ENV = "CHAINWATCH_CONFIG"
CONFIG_FILE = "config.toml"
LOAN_COMPOUNDINGS = (Compounding.SIMPLE, Compounding.DAILY, Compounding.MONTHLY)  # what lenders quote


class ConfigError(ChainwatchError):
    """A config file that cannot be read or says something impossible; names file, line and key."""


@dataclass(frozen=True)
class Wallet:
    account: str  # a checksummed address or a normalised ENS name
    label: str = ""


@dataclass(frozen=True)
class LoanBook:
    """What the config file says; every part empty or None when the file does not exist."""

    origin: str | None = None  # the file read, for messages
    wallets: tuple[Wallet, ...] = ()
    loans: tuple[CefiLoan, ...] = ()
    chains: tuple[str, ...] = ()
    thresholds: Thresholds | None = None
    notify: tuple[str, ...] = ()
    db: str | None = None
    places: Mapping[str, str] = field(default_factory=dict)  # top-level key -> "file:line: key"

    @property
    def accounts(self) -> list[str]:
        return [wallet.account for wallet in self.wallets]

    def at(self, key: str) -> str:
        """Where an error about the top-level `key` points: `config.toml:3: notify`."""
        return self.places.get(key, self.origin or "the config file")

    @property
    def labels(self) -> dict[str, str]:
        """Each labelled wallet's label, by the account as written (an address or an ENS name)."""
        return {wallet.account: wallet.label for wallet in self.wallets if wallet.label}


def user_config_file() -> Path:
    """The config read on every run when it exists (~/.config/chainwatch/config.toml on Linux)."""
    return Path(platformdirs.user_config_dir("chainwatch")) / CONFIG_FILE


def load_loan_book(path: Path | str | None = None) -> LoanBook:
    """The config at `path`, else at $CHAINWATCH_CONFIG, else the user's default one.

    A file named by `--config` or the environment must exist; the default one is optional.
    """
    named = path or os.environ.get(CONFIG_ENV)
    if named:
        file = Path(named)
    else:
        file = user_config_file()
        if not file.exists():
            return LoanBook()
    return parse_loan_book(read_text(file, "config file", ConfigError), str(file))


def parse_loan_book(text: str, origin: str, now: datetime | None = None) -> LoanBook:
    """The loan book in `text`; `now` (default: the wall clock) is what a start date may not pass."""
    file = parse_toml(text, origin, ConfigError, parse_float=Decimal)
    data = file.data
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(file.unknown_key((), key))
    moment = now or datetime.now(UTC)
    loans = tuple(_loan(file, ("loans", i), table, moment) for i, table in enumerate(_tables(file, "loans")))
    _refuse_repeats(file, "loans", "name", [loan.name.casefold() for loan in loans])
    wallets = tuple(_wallet(file, ("wallets", i), table) for i, table in enumerate(_tables(file, "wallets")))
    _refuse_repeats(file, "wallets", "address", [wallet.account.lower() for wallet in wallets])
    return LoanBook(
        origin=origin,
        wallets=wallets,
        loans=loans,
        chains=tuple(_strings(file, "chains")),
        thresholds=_thresholds(file, data["thresholds"]) if "thresholds" in data else None,
        notify=tuple(_strings(file, "notify")),
        db=_typed(file, ("db",), data["db"], str) if "db" in data else None,
        places={key: file.at((key,)) for key in data},
    )


_TOP_KEYS = ("chains", "db", "notify", "thresholds", "wallets", "loans")
_WALLET_KEYS: dict[str, type] = {"address": str, "label": str}
_LOAN_KEYS: dict[str, type] = {
    "name": str,
    "label": str,
    "btc": Decimal,
    "debt_usd": Decimal,
    "apr": Decimal,
    "compounding": str,
    "since": date,
    "liquidation_ltv": Decimal,
    "margin_call_ltv": Decimal,
    "warn_ltv": list,
}
_LOAN_REQUIRED = ("name", "btc", "debt_usd", "apr", "compounding", "since", "liquidation_ltv")
_THRESHOLD_KEYS: dict[str, type] = {"warn": list, "ltv": list, "hysteresis": Decimal}
_TYPE_NAMES = {str: "a string", Decimal: "a number", date: "a date (2026-06-01)", list: "a list"}


def _typed(file: TomlFile, path: KeyPath, value: Any, expected: type) -> Any:
    """`value` if it is of the type the key takes (an integer is a number; true is not)."""
    if expected is Decimal and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ConfigError(f"{file.at(path)}: expected {_TYPE_NAMES[expected]}")
    return value


def _tables(file: TomlFile, key: str) -> list[dict[str, Any]]:
    tables = file.data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{file.at((key,))}: expected [[{key}]] tables")
    return tables


def _strings(file: TomlFile, key: str) -> list[str]:
    values = file.data.get(key, [])
    if not isinstance(values, list):
        raise ConfigError(f"{file.at((key,))}: expected a list of strings")
    return [_typed(file, (key, i), value, str) for i, value in enumerate(values)]


def _checked(file: TomlFile, path: KeyPath, table: dict[str, Any], schema: dict[str, type]) -> dict[str, Any]:
    """The table's values, each of its key's type; an unknown key is refused on its own line."""
    for key in table:
        if key not in schema:
            raise ConfigError(file.unknown_key(path, key))
    return {key: _typed(file, path + (key,), value, schema[key]) for key, value in table.items()}


def _refuse_repeats(file: TomlFile, table: str, key: str, values: list[str]) -> None:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise ConfigError(f"{file.at((table, i, key))}: appears twice")


def _wallet(file: TomlFile, path: KeyPath, table: dict[str, Any]) -> Wallet:
    values = _checked(file, path, table, _WALLET_KEYS)
    if "address" not in values:
        raise ConfigError(f"{file.at(path)}: missing key 'address'")
    try:
        account = parse_account(values["address"])
    except ChainwatchError as exc:
        raise ConfigError(f"{file.at(path + ('address',))}: {exc}") from None
    return Wallet(account, values.get("label", ""))


def _loan(file: TomlFile, path: KeyPath, table: dict[str, Any], now: datetime) -> CefiLoan:
    values = _checked(file, path, table, _LOAN_KEYS)
    for key in _LOAN_REQUIRED:
        if key not in values:
            raise ConfigError(f"{file.at(path)}: missing key {key!r}")

    def at(key: str | int, *more: int) -> str:
        return file.at(path + (key, *more))

    name = values["name"].strip()
    if not name:
        raise ConfigError(f"{at('name')}: must not be empty")
    _require(at("btc"), 0 < values["btc"] <= MAX_BTC, f"expected BTC more than 0 and at most {MAX_BTC:,}")
    debt = values["debt_usd"]
    _require(at("debt_usd"), 0 < debt <= MAX_LOAN_USD, f"expected USD more than 0 and at most {MAX_LOAN_USD:,f}")
    _require(at("apr"), 0 <= values["apr"] < 1, f"expected a fraction (0.08 for 8%), got {values['apr']}")
    if values["compounding"] not in {c.value for c in LOAN_COMPOUNDINGS}:
        raise ConfigError(f"{at('compounding')}: expected one of {', '.join(c.value for c in LOAN_COMPOUNDINGS)}")
    since = _start(at("since"), values["since"], now)
    liquidation = _fraction(at("liquidation_ltv"), values["liquidation_ltv"])
    margin_call = None
    if "margin_call_ltv" in values:
        margin_call = _fraction(at("margin_call_ltv"), values["margin_call_ltv"])
        _require(at("margin_call_ltv"), margin_call <= liquidation, f"above liquidation_ltv {liquidation}")
    warn = []
    for i, value in enumerate(values.get("warn_ltv", [])):
        line = _fraction(at("warn_ltv", i), _typed(file, path + ("warn_ltv", i), value, Decimal))
        _require(at("warn_ltv", i), line < liquidation, f"not below liquidation_ltv {liquidation}")
        warn.append(line)
    return CefiLoan(
        name=name,
        btc=values["btc"],
        debt_usd=debt,
        apr=values["apr"],
        compounding=Compounding(values["compounding"]),
        since=since,
        liquidation_ltv=liquidation,
        margin_call_ltv=margin_call,
        warn_ltv=tuple(warn),
        label=values.get("label", ""),
    )


def _require(where: str, holds: bool, problem: str) -> None:
    if not holds:
        raise ConfigError(f"{where}: {problem}")


def _fraction(where: str, value: Decimal) -> Decimal:
    _require(where, 0 < value < 1, f"expected an LTV between 0 and 1 (0.75 for 75%), got {value}")
    return value


def _start(where: str, value: date, now: datetime) -> datetime:
    """A TOML date (midnight UTC) or a date-time with its offset, not after `now`."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigError(f"{where}: a time needs its offset (2026-06-01T09:00:00Z), or give a date")
        moment = value.astimezone(UTC)
    else:
        moment = datetime.combine(value, time(), UTC)
    _require(where, moment <= now, f"{value} is in the future")
    return moment


def _thresholds(file: TomlFile, table: Any) -> Thresholds:
    """`warn` (fractions of the liquidation LTV) or `ltv` (absolute LTVs), and `hysteresis`."""
    path: KeyPath = ("thresholds",)
    if not isinstance(table, dict):
        raise ConfigError(f"{file.at(path)}: expected a table")
    values = _checked(file, path, table, _THRESHOLD_KEYS)
    if "warn" in values and "ltv" in values:
        raise ConfigError(f"{file.at(path + ('ltv',))}: give either warn or ltv, not both")
    kind = "ltv" if "ltv" in values else "warn"
    levels = [
        _fraction(file.at(path + (kind, i)), _typed(file, path + (kind, i), value, Decimal))
        for i, value in enumerate(values.get(kind, Thresholds().levels))
    ]
    try:
        return Thresholds.build(
            levels, relative=kind == "warn", hysteresis=values.get("hysteresis", Thresholds().hysteresis)
        )
    except ChainwatchError as exc:
        raise ConfigError(f"{file.at(path + (kind,) if kind in values else path)}: {exc}") from None
