"""ABI coding on the reader's hot path: Multicall3's aggregate3 envelope and one-word values.

A snapshot of thousands of wallets encodes and decodes tens of thousands of small calls
(`balanceOf(address) -> uint256`, flags, prices). eth-abi's generic coders validate and dispatch
per value and cost more than the node takes to run the calls, so the fixed layouts are coded
here by hand: aggregate3's arrays, and every function whose inputs or outputs are static
one-word types (address, uintN, intN, bool, bytes32) or tuples of them. Anything else (strings,
bytes, arrays) goes to eth-abi unchanged. Decoding is as strict as eth-abi's: a word with dirty
padding or an out-of-range bool is garbage, not a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from eth_abi import encode
from eth_utils import to_checksum_address

from chainwatch.abi import AbiFunction

Encoder = Callable[[tuple[Any, ...]], bytes]
Decoder = Callable[[bytes], tuple[Any, ...]]

_UINT = re.compile(r"uint(\d*)")
_INT = re.compile(r"int(\d*)")


class Garbage(ValueError):
    """Return data that is not a value of the declared types."""


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


_TRUE = word(1)
_OFFSET_32 = word(32)
_OFFSET_96 = word(96)


def encode_aggregate3(selector: bytes, targets: Sequence[bytes], calldatas: Sequence[bytes]) -> bytes:
    """aggregate3((address target, bool allowFailure, bytes callData)[]) calldata, every call
    allowed to fail; `targets` are 32-byte address words."""
    count = len(calldatas)
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = 32 * count
    for target, data in zip(targets, calldatas, strict=True):
        tail = b"".join((target, _TRUE, _OFFSET_96, word(len(data)), data, bytes(-len(data) % 32)))
        heads.append(word(offset))
        tails.append(tail)
        offset += len(tail)
    return b"".join((selector, _OFFSET_32, word(count), *heads, *tails))


def decode_aggregate3(data: bytes) -> list[tuple[bool, bytes]]:
    """(bool success, bytes returnData)[] from aggregate3's return data, bounds-checked."""

    def at(position: int) -> int:
        if position + 32 > len(data):
            raise ValueError("not an aggregate3 answer: truncated")
        return int.from_bytes(data[position : position + 32], "big")

    base = at(0)
    count = at(base)
    items = base + 32
    if count > (len(data) - items) // 32:
        raise ValueError("not an aggregate3 answer: bad length")
    results = []
    for k in range(count):
        start = items + at(items + 32 * k)
        success = at(start)
        data_at = start + at(start + 32)
        end = data_at + 32 + at(data_at)
        if success > 1 or end > len(data):
            raise ValueError("not an aggregate3 answer: bad entry")
        results.append((success == 1, data[data_at + 32 : end]))
    return results


def address_word(address: str) -> bytes:
    raw = bytes.fromhex(address[2:] if address.startswith("0x") else address)
    if len(raw) != 20:
        raise ValueError(f"not an address: {address!r}")
    return bytes(12) + raw


@cache
def encoder(fn: AbiFunction) -> Encoder:
    """Calldata for `fn`'s arguments: by hand when every input is one static word."""
    selector = fn.selector
    coders = [_word_encoder(t) for t in fn.input_types]
    if all(coders):
        return lambda args: b"".join([selector, *(c(a) for c, a in zip(coders, args, strict=True))])  # type: ignore[misc]
    types = list(fn.input_types)
    return lambda args: selector + encode(types, list(args))


@cache
def decoder(fn: AbiFunction) -> Decoder:
    """Decoded outputs of `fn`, as `AbiFunction.decode_result` gives them (addresses checksummed)."""
    parsed = [p for p in (_static(t) for t in fn.output_types) if p is not None]
    if len(parsed) == len(fn.output_types):
        size = sum(_words(p) for p in parsed)

        def fast(data: bytes) -> tuple[Any, ...]:
            if len(data) < 32 * size:
                raise Garbage("short return data")
            values, _ = _decode_words(parsed, data, 0)
            return values

        return fast
    return fn.decode_result


def _word_encoder(kind: str) -> Callable[[Any], bytes] | None:
    if kind == "address":
        return _address_arg
    if kind == "bool":
        return lambda value: word(1 if value else 0)
    if kind == "bytes32":
        return _bytes32_arg
    if _UINT.fullmatch(kind):
        return _uint_arg
    return None


def _address_arg(value: Any) -> bytes:
    if isinstance(value, bytes) and len(value) == 20:
        return bytes(12) + value
    return address_word(value)


def _bytes32_arg(value: Any) -> bytes:
    raw = bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
    if len(raw) != 32:
        raise ValueError(f"not 32 bytes: {value!r}")
    return raw


def _uint_arg(value: Any) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not an unsigned integer: {value!r}")
    return word(value)


# A parsed static type: a base type name with its bit size, or a tuple of parsed types.
Static = tuple[str, int] | list[Any]


def _static(kind: str) -> Static | None:
    """`kind` parsed if it is static and made of one-word types; None otherwise."""
    if kind.startswith("(") and kind.endswith(")"):
        parts = _split(kind[1:-1])
        inner = [_static(p) for p in parts]
        return inner if parts and all(p is not None for p in inner) else None
    if kind in ("address", "bool", "bytes32"):
        return (kind, 256)
    for pattern, name in ((_UINT, "uint"), (_INT, "int")):
        match = pattern.fullmatch(kind)
        if match:
            return (name, int(match.group(1) or 256))
    return None


def _split(inner: str) -> list[str]:
    """Top-level comma-separated parts of a tuple's inside."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p for p in parts if p]


def _words(parsed: Static) -> int:
    return sum(_words(p) for p in parsed) if isinstance(parsed, list) else 1


def _decode_words(parsed: Sequence[Static], data: bytes, offset: int) -> tuple[tuple[Any, ...], int]:
    values = []
    for kind in parsed:
        if isinstance(kind, list):
            value, offset = _decode_words(kind, data, offset)
        else:
            value = _decode_word(kind, data[offset : offset + 32])
            offset += 32
        values.append(value)
    return tuple(values), offset


def _decode_word(kind: tuple[str, int], chunk: bytes) -> Any:
    name, bits = kind
    value = int.from_bytes(chunk, "big")
    if name == "uint":
        if value >> bits:
            raise Garbage("dirty padding")
        return value
    if name == "int":
        signed = value - (1 << 256) if value >> 255 else value
        if not -(1 << (bits - 1)) <= signed < (1 << (bits - 1)):
            raise Garbage("dirty padding")
        return signed
    if name == "address":
        if value >> 160:
            raise Garbage("dirty padding")
        return _checksummed(chunk[12:])
    if name == "bool":
        if value > 1:
            raise Garbage("not a bool")
        return value == 1
    return chunk  # bytes32


@lru_cache(maxsize=65536)
def _checksummed(raw: bytes) -> str:
    """Checksumming hashes the address; a snapshot sees the same few contracts again and again."""
    return to_checksum_address(raw)
