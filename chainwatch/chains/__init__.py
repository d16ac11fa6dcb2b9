"""The address book: every chain-specific fact, as data.

Built-in chains live in the TOML files beside this module (mainnet and the local devnet). A
user's files add chains or override keys of built-in ones in the same format, so adding a chain
or a market is data, not code: first `address-book.toml` in the user's config directory (the
place for a private RPC endpoint), then the file given by `--address-book FILE` or
`CHAINWATCH_ADDRESS_BOOK`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import platformdirs

from chainwatch.adapters import adapter_class
from chainwatch.adapters.base import COMMON_SETTINGS
from chainwatch.addresses import AddressError, parse_address
from chainwatch.chain import BtcAsset, Chain, MarketConfig
from chainwatch.errors import ChainwatchError
from chainwatch.files import read_text
from chainwatch.tomlkeys import KeyPath, TomlFile, parse_toml

ADDRESS_BOOK_ENV = "CHAINWATCH_ADDRESS_BOOK"

# Keys of a market table that every adapter family shares; the rest belong to the adapter.
_MARKET_KEYS = {"protocol", "name"}
_CHAIN_KEYS = {
    "chain_id": int,
    "rpc": list,
    "multicall3": str,
    "btc_assets": list,
    "wbtc": str,
    "btc_usd_feed": str,
    "eth_usd_feed": str,
    "wbtc_btc_feed": str,
    "ens_registry": str,
    "weth": str,
    "stablecoins": list,
    "default": bool,
    "rollup": bool,
    "markets": list,
}
_CHAIN_ADDRESS_KEYS = ("multicall3", "btc_usd_feed", "eth_usd_feed", "ens_registry", "weth")
_REQUIRED_CHAIN_KEYS = ("chain_id", "rpc", "multicall3")
_BTC_ASSET_KEYS = {"address", "symbol", "btc_feed"}


class AddressBookError(ChainwatchError):
    """A malformed address book; the message names the file, the line and the key."""


def _builtin_files() -> list[TomlFile]:
    folder = resources.files("chainwatch.chains")
    return [
        parse_toml(entry.read_text(), f"built-in {entry.name}", AddressBookError)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


def user_address_book() -> Path:
    """The address book read on every run when it exists (~/.config/chainwatch on Linux)."""
    return Path(platformdirs.user_config_dir("chainwatch")) / "address-book.toml"


def _read_user_file(path: Path) -> TomlFile:
    return parse_toml(read_text(path, "address book", AddressBookError), str(path), AddressBookError)


# A chain's keys as merged from several files: key -> (the file that set it last, its value),
# so an error names the file and line the bad value really came from.
_Entries = dict[str, tuple[TomlFile, Any]]


def load_address_book(path: Path | str | None = None) -> dict[str, Chain]:
    """All chains: built-in ones, then the user's files merged over them key by key.

    A user's chain table replaces only the keys it names; its `markets`, when given, replace the
    built-in list, so a file can point mainnet at a private RPC without repeating the markets.
    """
    files = _builtin_files()
    if user_address_book().is_file():
        files.append(_read_user_file(user_address_book()))
    user_path = path or os.environ.get(ADDRESS_BOOK_ENV)
    if user_path:
        files.append(_read_user_file(Path(user_path)))
    merged: dict[str, _Entries] = {}
    headers: dict[str, TomlFile] = {}  # the last file with a table for the chain
    for file in files:
        for key in file.data:
            if key != "chains":
                raise AddressBookError(file.unknown_key((), key))
        chains = file.data.get("chains", {})
        if not isinstance(chains, dict):
            raise AddressBookError(f"{file.at(('chains',))}: must be a table")
        for name, table in chains.items():
            if not isinstance(table, dict):
                raise AddressBookError(f"{file.at(('chains', name))}: must be a table")
            merged.setdefault(name, {}).update((key, (file, value)) for key, value in table.items())
            headers[name] = file
    return {name: _parse_chain(name, entries, headers[name]) for name, entries in merged.items()}


def _parse_chain(name: str, entries: _Entries, header: TomlFile) -> Chain:
    table: KeyPath = ("chains", name)

    def at(key: str) -> str:
        return entries[key][0].at(table + (key,))

    for key, (file, value) in entries.items():
        expected = _CHAIN_KEYS.get(key)
        if expected is None:
            raise AddressBookError(file.unknown_key(table, key))
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise AddressBookError(f"{at(key)}: expected {expected.__name__}")
    for key in _REQUIRED_CHAIN_KEYS:
        if key not in entries:
            raise AddressBookError(f"{header.at(table)}: missing key {key!r}")
    values = {key: value for key, (_, value) in entries.items()}
    if not values["rpc"] or not all(isinstance(url, str) for url in values["rpc"]):
        raise AddressBookError(f"{at('rpc')}: expected a list of URLs")
    addresses = {key: _address(at(key), values[key]) for key in _CHAIN_ADDRESS_KEYS if key in values}
    stablecoins = tuple(_address(at("stablecoins"), value) for value in values.get("stablecoins", ()))
    btc_assets = _btc_assets(entries, table, header)
    markets: tuple[MarketConfig, ...] = ()
    if "markets" in entries:
        file = entries["markets"][0]
        markets = tuple(
            _parse_market(file, table + ("markets", i), market) for i, market in enumerate(values["markets"])
        )
    return Chain(
        name=name,
        chain_id=values["chain_id"],
        rpc=tuple(values["rpc"]),
        btc_assets=btc_assets,
        markets=markets,
        stablecoins=stablecoins,
        default=values.get("default", False),
        rollup=values.get("rollup", False),
        **addresses,
    )


def _btc_assets(entries: _Entries, table: KeyPath, header: TomlFile) -> tuple[BtcAsset, ...]:
    """The chain's BTC assets: its `btc_assets` list, then `wbtc` (with `wbtc_btc_feed`), the
    one-asset shorthand older books use, unless the list already names that address."""
    assets: list[BtcAsset] = []
    if "btc_assets" in entries:
        file, items = entries["btc_assets"]
        assets = [_btc_asset(file, table + ("btc_assets", i), item) for i, item in enumerate(items)]
    if "wbtc_btc_feed" in entries and "wbtc" not in entries:
        raise AddressBookError(f"{entries['wbtc_btc_feed'][0].at(table + ('wbtc_btc_feed',))}: needs `wbtc`")
    if "wbtc" in entries:
        file, value = entries["wbtc"]
        address = _address(file.at(table + ("wbtc",)), value)
        feed = None
        if "wbtc_btc_feed" in entries:
            feed_file, feed_value = entries["wbtc_btc_feed"]
            feed = _address(feed_file.at(table + ("wbtc_btc_feed",)), feed_value)
        if not any(a.address == address for a in assets):
            assets.insert(0, BtcAsset(address, "WBTC", feed))
    if not assets:
        raise AddressBookError(f"{header.at(table)}: missing key 'btc_assets' (or its shorthand 'wbtc')")
    seen: set[str] = set()
    for i, asset in enumerate(assets):
        if asset.address in seen:
            file = entries["btc_assets"][0]
            raise AddressBookError(f"{file.at(table + ('btc_assets', i))}: {asset.address} is listed twice")
        seen.add(asset.address)
    return tuple(assets)


def _btc_asset(file: TomlFile, path: KeyPath, item: Any) -> BtcAsset:
    if not isinstance(item, dict):
        raise AddressBookError(f"{file.at(path)}: must be a table with address, symbol and optionally btc_feed")
    for key in item:
        if key not in _BTC_ASSET_KEYS:
            raise AddressBookError(file.unknown_key(path, key))
    for key in ("address", "symbol"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise AddressBookError(f"{file.at(path + (key,))}: expected a string")
    feed = item.get("btc_feed")
    return BtcAsset(
        address=_address(file.at(path + ("address",)), item["address"]),
        symbol=item["symbol"],
        btc_feed=None if feed is None else _address(file.at(path + ("btc_feed",)), feed),
    )


def _parse_market(file: TomlFile, path: KeyPath, table: Any) -> MarketConfig:
    if not isinstance(table, dict):
        raise AddressBookError(f"{file.at(path)}: must be a table")
    for key in _MARKET_KEYS:
        if not isinstance(table.get(key), str):
            raise AddressBookError(f"{file.at(path + (key,))}: expected a string")
    try:
        adapter = adapter_class(table["protocol"])
    except KeyError as exc:
        raise AddressBookError(f"{file.at(path + ('protocol',))}: {exc.args[0]}") from None
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in _MARKET_KEYS:
            continue
        parse = adapter.settings_schema.get(key) or COMMON_SETTINGS.get(key)
        if parse is None:
            raise AddressBookError(f"{file.unknown_key(path, key)} for {table['protocol']}")
        try:
            settings[key] = parse(value)
        except (ValueError, TypeError) as exc:
            raise AddressBookError(f"{file.at(path + (key,))}: {exc}") from None
    for key in adapter.settings_schema:
        if key not in settings and key not in adapter.optional_settings:
            raise AddressBookError(f"{file.at(path)}: missing key {key!r}")
    return MarketConfig(table["protocol"], table["name"], MappingProxyType(settings))


def _address(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise AddressBookError(f"{where}: expected an address string")
    try:
        return parse_address(value)
    except AddressError as exc:
        raise AddressBookError(f"{where}: {exc}") from None


def get_chain(name: str, address_book: Path | str | None = None) -> Chain:
    (chain,) = get_chains([name], address_book)
    return chain


def get_chains(names: Sequence[str], address_book: Path | str | None = None) -> list[Chain]:
    """The chains named, in order and each once; no names: every chain marked `default = true`
    (the built-in mainnets). An unknown name is a one-line error naming it and the known ones."""
    chains = load_address_book(address_book)
    if not names:
        defaults = [chain for chain in chains.values() if chain.default]
        if not defaults:
            raise AddressBookError("no chain is marked `default = true` in the address book: give --chain NAME")
        return defaults
    unknown = [name for name in names if name not in chains]
    if unknown:
        raise AddressBookError(f"unknown chain {unknown[0]!r} (known: {', '.join(sorted(chains))})")
    return [chains[name] for name in dict.fromkeys(names)]
