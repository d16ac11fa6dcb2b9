"""Contract interfaces from the JSON ABIs shipped in the package, encoded with eth-abi directly.

Reads go through Multicall3 in large batches, so encoding and decoding stay on the cheap path
of eth-abi rather than web3's Contract objects, whose per-call formatting dominates the cost of
reading thousands of positions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address


def _canonical_type(param: dict[str, Any]) -> str:
    """The ABI type string of a parameter, with tuples spelled out as `(t1,t2)[]`."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@dataclass(frozen=True)
class AbiFunction:
    """One contract function: its selector and how to encode arguments and decode results."""

    name: str
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.input_types)})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]

    def encode_call(self, *args: Any) -> bytes:
        return self.selector + encode(list(self.input_types), list(args))

    def decode_result(self, data: bytes) -> tuple[Any, ...]:
        """Decoded outputs; addresses come back checksummed, as everywhere else in chainwatch."""
        values = tuple(decode(list(self.output_types), data))
        if any("address" in t for t in self.output_types):
            return _checksummed(values)
        return values


def _checksummed(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_checksummed(v) for v in value)
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return to_checksum_address(value)
    return value


@cache
def load_abi(contract: str) -> tuple[dict[str, Any], ...]:
    """The ABI entries of `chainwatch/abis/<contract>.json`, read once from the installed package."""
    text = resources.files("chainwatch.abis").joinpath(f"{contract}.json").read_text()
    return tuple(json.loads(text))


@cache
def function(contract: str, name: str) -> AbiFunction:
    """Look up a function of a shipped ABI by name (names are unique in our ABI files)."""
    for entry in load_abi(contract):
        if entry.get("type") == "function" and entry["name"] == name:
            return AbiFunction(
                name=name,
                input_types=tuple(_canonical_type(p) for p in entry["inputs"]),
                output_types=tuple(_canonical_type(p) for p in entry["outputs"]),
            )
    raise KeyError(f"{contract} ABI has no function {name}")
