"""ENS names wherever a wallet address is asked for: `chainwatch track vitalik.eth`.

A name is looked up as ENSIP-1 says, through the chain's own contracts: normalise it (ENSIP-15),
namehash it, ask the registry for the name's resolver, ask that resolver for the address. Both
steps go through a BlockReader, the one that reads the positions, so a name resolves at the very
block its positions are read at (`--block N` follows the wallet the name named then), and any
number of names costs two multicalls. The registry is chain data (`ens_registry` in the address
book): a chain without one has no names. Wildcard (ENSIP-10) and offchain (CCIP-Read) resolution
are not done: a name that exists only through them is reported as not resolving.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from eth_utils import is_hex_address, keccak

from chainwatch.abi import function
from chainwatch.addresses import AddressError, parse_address
from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError
from chainwatch.rpc import BlockReader, Call

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")


class EnsError(ChainwatchError):
    """A name that cannot be used: not a valid ENS name, no registry on the chain, or no address."""


def parse_account(text: str) -> str:
    """A wallet as typed: its checksummed address, or its normalised ENS name.

    Hex text is an address and must be a valid one, so a mistyped address is reported as such
    and never looked up as a name; other text with a dot in it is a name.
    """
    candidate = text.strip()
    if _HEX.fullmatch(candidate):
        return parse_address(text)
    if "." not in candidate:
        raise AddressError(f"not an Ethereum address or ENS name: {text!r}")
    return normalize(candidate)


def is_name(account: str) -> bool:
    """Whether a parsed account is an ENS name (anything that is not an address)."""
    return not is_hex_address(account)


def normalize(name: str) -> str:
    """The ENSIP-15 normal form (`Vitalik.ETH` -> `vitalik.eth`), the only form that hashes right."""
    from ens_normalize import DisallowedSequence, ens_normalize  # 0.2 s to load: only for names

    try:
        return ens_normalize(name)
    except DisallowedSequence as exc:
        raise EnsError(f"not a valid ENS name: {name!r} ({exc})") from None


def namehash(name: str) -> bytes:
    """ENSIP-1 namehash of a normalised name: the `node` the registry and resolvers key on."""
    node = bytes(32)
    if name:
        for label in reversed(name.split(".")):
            node = keccak(node + keccak(text=label))
    return node


def resolve_accounts(chain: Chain, accounts: Sequence[str], reader: Callable[[], BlockReader]) -> list[str]:
    """`accounts` (addresses, or names as typed) as addresses, in the same order.

    Addresses pass as given (callers parse them: parse_account), so thousands of wallets are not
    checksummed twice. `reader` gives the BlockReader to look names up with; it is not called
    when every account is an address, so addresses alone never cost a request.
    """
    parsed = [account if is_hex_address(account) else parse_account(account) for account in accounts]
    names = list(dict.fromkeys(a for a in parsed if is_name(a)))
    if not names:
        return parsed
    if chain.ens_registry is None:
        raise EnsError(
            f"{names[0]}: chain {chain.name} has no ENS registry (ens_registry in the address book); "
            "give the wallet's 0x address"
        )
    found = lookup(reader(), chain.ens_registry, names, chain.name)
    return [found.get(account, account) for account in parsed]


def lookup(reader: BlockReader, registry: str, names: Sequence[str], chain_name: str) -> dict[str, str]:
    """Each of `names` -> its address at the reader's block; EnsError naming those without one."""
    nodes = [namehash(name) for name in names]
    resolvers = [
        answer[0] if answer else ZERO_ADDRESS
        for answer in reader.read([Call(registry, function("ENSRegistry", "resolver"), (node,)) for node in nodes])
    ]
    asked = [i for i, resolver in enumerate(resolvers) if resolver != ZERO_ADDRESS]
    answers = reader.read([Call(resolvers[i], function("ENSResolver", "addr"), (nodes[i],)) for i in asked])
    found = {names[i]: answer[0] for i, answer in zip(asked, answers) if answer and answer[0] != ZERO_ADDRESS}
    missing = [
        f"{name} ({'its resolver has no address for it' if resolver != ZERO_ADDRESS else 'no resolver set'})"
        for name, resolver in zip(names, resolvers)
        if name not in found
    ]
    if missing:
        subject = "ENS name does" if len(missing) == 1 else "ENS names do"
        raise EnsError(f"{subject} not resolve on {chain_name} at block {reader.block.number}: {', '.join(missing)}")
    return found
