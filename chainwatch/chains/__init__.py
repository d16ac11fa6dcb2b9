"""The address book: every chain-specific fact, as data.

Built-in chains live in the TOML files beside this module (mainnet and the local devnet); a
user's file (`--address-book FILE` or `CHAINWATCH_ADDRESS_BOOK`) adds chains or overrides keys
of built-in ones in the same format, so adding a chain or a market is data, not code.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from chainwatch.addresses import AddressError, parse_address
from chainwatch.errors import ChainwatchError

ADDRESS_BOOK_ENV = "CHAINWATCH_ADDRESS_BOOK"

# Keys of a market table that every adapter family shares; the rest belong to the adapter.
_MARKET_KEYS = {"protocol", "name"}
_CHAIN_KEYS = {
    "chain_id": int,
    "rpc": list,
    "multicall3": str,
    "wbtc": str,
    "btc_usd_feed": str,
    "eth_usd_feed": str,
    "wbtc_btc_feed": str,
    "markets": list,
}
_CHAIN_ADDRESS_KEYS = ("multicall3", "wbtc", "btc_usd_feed", "eth_usd_feed", "wbtc_btc_feed")
_REQUIRED_CHAIN_KEYS = ("chain_id", "rpc", "multicall3", "wbtc")


class AddressBookError(ChainwatchError):
    """A malformed address book; the message names the file and the key."""


@dataclass(frozen=True)
class MarketConfig:
    """One lending market: its adapter family, its label, and the adapter's own settings."""

    protocol: str
    name: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Chain:
    name: str
    chain_id: int
    rpc: tuple[str, ...]
    multicall3: str
    wbtc: str
    markets: tuple[MarketConfig, ...]
    btc_usd_feed: str | None = None
    eth_usd_feed: str | None = None
    wbtc_btc_feed: str | None = None


def _builtin_tables() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files("chainwatch.chains")
    return [
        (f"built-in {entry.name}", tomllib.loads(entry.read_text()))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


def _read_user_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise AddressBookError(f"{path}: address book not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise AddressBookError(f"{path}: not valid TOML: {exc}") from None


def load_address_book(path: Path | str | None = None) -> dict[str, Chain]:
    """All chains: built-in ones, then the user's file merged over them key by key.

    A user's chain table replaces only the keys it names; its `markets`, when given, replace the
    built-in list, so a file can point mainnet at a private RPC without repeating the markets.
    """
    sources = _builtin_tables()
    user_path = path or os.environ.get(ADDRESS_BOOK_ENV)
    if user_path:
        sources.append((str(user_path), _read_user_file(Path(user_path))))
    merged: dict[str, tuple[str, dict[str, Any]]] = {}
    for origin, document in sources:
        unknown = set(document) - {"chains"}
        if unknown:
            raise AddressBookError(f"{origin}: unknown top-level key {sorted(unknown)[0]!r}")
        for name, table in document.get("chains", {}).items():
            if not isinstance(table, dict):
                raise AddressBookError(f"{origin}: chains.{name} must be a table")
            base = merged.get(name, (origin, {}))[1]
            merged[name] = (origin, {**base, **table})
    return {name: _parse_chain(origin, name, table) for name, (origin, table) in merged.items()}


def _parse_chain(origin: str, name: str, table: dict[str, Any]) -> Chain:
    where = f"{origin}: chains.{name}"
    for key, value in table.items():
        expected = _CHAIN_KEYS.get(key)
        if expected is None:
            raise AddressBookError(f"{where}: unknown key {key!r}")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise AddressBookError(f"{where}.{key}: expected {expected.__name__}")
    for key in _REQUIRED_CHAIN_KEYS:
        if key not in table:
            raise AddressBookError(f"{where}: missing key {key!r}")
    if not table["rpc"] or not all(isinstance(url, str) for url in table["rpc"]):
        raise AddressBookError(f"{where}.rpc: expected a list of URLs")
    addresses = {
        key: _address(f"{where}.{key}", table[key]) for key in _CHAIN_ADDRESS_KEYS if key in table
    }
    markets = tuple(
        _parse_market(f"{where}.markets[{i}]", market)
        for i, market in enumerate(table.get("markets", []))
    )
    return Chain(
        name=name,
        chain_id=table["chain_id"],
        rpc=tuple(table["rpc"]),
        markets=markets,
        **addresses,
    )


def _parse_market(where: str, table: Any) -> MarketConfig:
    from chainwatch.adapters import adapter_class  # the adapters define their own keys

    if not isinstance(table, dict):
        raise AddressBookError(f"{where}: must be a table")
    for key in _MARKET_KEYS:
        if not isinstance(table.get(key), str):
            raise AddressBookError(f"{where}.{key}: expected a string")
    try:
        adapter = adapter_class(table["protocol"])
    except KeyError as exc:
        raise AddressBookError(f"{where}.protocol: {exc.args[0]}") from None
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in _MARKET_KEYS:
            continue
        parse = adapter.settings_schema.get(key)
        if parse is None:
            raise AddressBookError(f"{where}: unknown key {key!r} for {table['protocol']}")
        try:
            settings[key] = parse(value)
        except (ValueError, TypeError) as exc:
            raise AddressBookError(f"{where}.{key}: {exc}") from None
    for key in adapter.settings_schema:
        if key not in settings:
            raise AddressBookError(f"{where}: missing key {key!r}")
    return MarketConfig(table["protocol"], table["name"], MappingProxyType(settings))


def _address(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise AddressBookError(f"{where}: expected an address string")
    try:
        return parse_address(value)
    except AddressError as exc:
        raise AddressBookError(f"{where}: {exc}") from None


def get_chain(name: str, address_book: Path | str | None = None) -> Chain:
    chains = load_address_book(address_book)
    try:
        return chains[name]
    except KeyError:
        raise AddressBookError(
            f"unknown chain {name!r} (known: {', '.join(sorted(chains))})"
        ) from None
