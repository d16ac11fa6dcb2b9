"""Ethereum address parsing: one strict rule for every address a user or a file gives us."""

from __future__ import annotations

from eth_utils import is_hex_address, to_checksum_address

from chainwatch.errors import ChainwatchError


class AddressError(ChainwatchError, ValueError):
    """An address that is not 20 hex bytes, or whose mixed case fails its EIP-55 checksum."""


def parse_address(text: str) -> str:
    """The checksummed form of `text`.

    All-lowercase and all-uppercase hex carry no checksum and are accepted; mixed case is an
    EIP-55 checksum and must be right, because a mistyped character then shows up as a wrong
    checksum instead of silently naming somebody else's wallet.
    """
    candidate = text.strip()
    if not is_hex_address(candidate):
        raise AddressError(f"not an Ethereum address: {text!r}")
    checksummed = to_checksum_address(candidate)
    body = candidate[2:]
    if body != body.lower() and body != body.upper() and candidate != checksummed:
        raise AddressError(f"address checksum mismatch (mistyped?): {text}")
    return checksummed


def parse_address_setting(value: object) -> str:
    """An address read from a config file: a string, checked like any user-given address."""
    if not isinstance(value, str):
        raise AddressError("expected an address string")
    return parse_address(value)


def parse_bytes32_list_setting(value: object) -> tuple[str, ...]:
    """A non-empty list of 32-byte hex ids (Morpho Blue market ids) from a config file, each
    returned lowercase with its 0x prefix, duplicates refused (a market read twice would show
    its positions twice)."""
    if not isinstance(value, list) or not value:
        raise ValueError("expected a non-empty list of 0x-prefixed 32-byte hex ids")
    ids = []
    for item in value:
        text = item.strip().lower() if isinstance(item, str) else ""
        body = text[2:] if text.startswith("0x") else ""
        if len(body) != 64 or any(c not in "0123456789abcdef" for c in body):
            raise ValueError(f"not a 32-byte hex id: {item!r}")
        if text in ids:
            raise ValueError(f"listed twice: {item}")
        ids.append(text)
    return tuple(ids)
