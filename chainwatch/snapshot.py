"""Read every configured market of a chain for a list of accounts, at one pinned block.

This is the library entry point the CLI, the demo and later the watcher call: resolve the
chain and its endpoints, pin one block, look up any ENS names at that block, let each market's
adapter read its positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from chainwatch.adapters import adapter_class
from chainwatch.chain import Chain, MarketConfig
from chainwatch.ens import resolve_accounts
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.model import Snapshot
from chainwatch.rpc import BlockReader, EndpointPool
from chainwatch.rpc.urls import rpc_urls
from chainwatch.sanity import snapshot_warnings


class UnknownProtocolError(ChainwatchError):
    """A `--protocol` filter that names no market of the chain."""


class PartialSnapshotError(UnreadableError):
    """Some positions could not be read (exit 4); the rest were shown, and these are named."""


def raise_if_partial(snapshot: Snapshot) -> None:
    """After a command has shown what it read: exit 4 with one line if any position was left
    unreadable, so a script sees a partial read even when the output looks complete."""
    if snapshot.unreadable:
        count = len(snapshot.unreadable)
        more = f" (and {count - 1} more; see the output)" if count > 1 else ""
        raise PartialSnapshotError(f"{snapshot.unreadable[0]}{more}")


def select_markets(chain: Chain, protocols: Sequence[str]) -> list[MarketConfig]:
    """The markets of `chain` a `--protocol` filter names, by adapter family or market name
    (`aave-v3`, `spark`); all of them for no filter. A filter naming nothing is an error."""
    markets = list(chain.markets)
    if not protocols:
        return markets
    known = {m.protocol for m in markets} | {m.name for m in markets}
    unknown = [p for p in protocols if p not in known]
    if unknown:
        raise UnknownProtocolError(
            f"unknown protocol {unknown[0]!r} on {chain.name} (known: {', '.join(sorted(known))})"
        )
    return [m for m in markets if m.protocol in protocols or m.name in protocols]


def open_reader(chain: Chain, rpc: Sequence[str] = (), block: int | None = None) -> BlockReader:
    """Reads of `chain` pinned to `block` (default: the latest block its endpoints agree on)."""
    pool = EndpointPool(rpc_urls(chain, rpc), expected_chain_id=chain.chain_id)
    return BlockReader.at(pool, block, multicall3=chain.multicall3)


def resolve_wallets(
    chain: Chain, accounts: Sequence[str], *, rpc: Sequence[str] = (), block: int | None = None
) -> list[str]:
    """`accounts` (addresses or ENS names) as addresses, names looked up at `block` (latest).

    For commands that must follow one wallet over many blocks (watch, backfill) or read none
    (history): they resolve a name once, up front. No endpoint is asked when all are addresses.
    """
    return resolve_accounts(chain, accounts, lambda: open_reader(chain, rpc, block))


def read_snapshot(
    chain: Chain,
    accounts: Sequence[str],
    *,
    rpc: Sequence[str] = (),
    block: int | None = None,
    protocols: Sequence[str] = (),
) -> Snapshot:
    """All non-empty positions of `accounts` on `chain`, every read at the same block.

    A position one of whose reads failed (a reverting oracle, feed or balance) is not in
    `positions` but in `unreadable`, naming the call; the other positions are read whole.

    `accounts` are addresses or ENS names; a name resolves at that same block, through the same
    endpoints. `protocols` filters markets by adapter family or by market name (`aave-v3`, `spark`).
    """
    markets = select_markets(chain, protocols)
    reader = open_reader(chain, rpc, block)
    wallets = list(dict.fromkeys(resolve_accounts(chain, accounts, lambda: reader)))
    adapters = [adapter_class(market.protocol)(chain, market) for market in markets]
    # Markets are read side by side, so their rounds of reads share HTTP requests.
    per_market = reader.gather([partial(adapter.read_positions, reader, wallets) for adapter in adapters])
    positions = [position for reading in per_market for position in reading.positions]
    return Snapshot(
        chain=chain.name,
        chain_id=chain.chain_id,
        block_number=reader.block.number,
        timestamp=reader.block.timestamp,
        positions=tuple(positions),
        warnings=snapshot_warnings(reader, chain, positions),
        unreadable=tuple(u for reading in per_market for u in reading.unreadable),
    )
