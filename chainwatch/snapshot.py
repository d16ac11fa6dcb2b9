"""Read every configured market of a chain for a list of accounts, at one pinned block.

This is the library entry point the CLI, the demo and later the watcher call: resolve the
chain and its endpoints, pin one block, let each market's adapter read its positions.
"""

from __future__ import annotations

import os
from typing import Sequence

from chainwatch.adapters import adapter_class
from chainwatch.chains import Chain
from chainwatch.errors import ChainwatchError
from chainwatch.model import Snapshot
from chainwatch.rpc import EndpointPool
from chainwatch.sanity import snapshot_warnings

RPC_ENV_VARS = ("CHAINWATCH_RPC_URL", "ETH_RPC_URL")


class UnknownProtocolError(ChainwatchError):
    """A `--protocol` filter that names no market of the chain."""


def rpc_urls(chain: Chain, given: Sequence[str] = ()) -> list[str]:
    """Endpoints in priority order: given URLs, then the environment, then the address book."""
    if given:
        return list(given)
    for var in RPC_ENV_VARS:
        if os.environ.get(var):
            return [url.strip() for url in os.environ[var].split(",") if url.strip()]
    return list(chain.rpc)


def read_snapshot(
    chain: Chain,
    accounts: Sequence[str],
    *,
    rpc: Sequence[str] = (),
    block: int | None = None,
    protocols: Sequence[str] = (),
) -> Snapshot:
    """All non-empty positions of `accounts` on `chain`, every read at the same block.

    `protocols` filters markets by adapter family or by market name (`aave-v3`, `spark`).
    """
    markets = list(chain.markets)
    if protocols:
        known = {m.protocol for m in markets} | {m.name for m in markets}
        unknown = [p for p in protocols if p not in known]
        if unknown:
            raise UnknownProtocolError(
                f"unknown protocol {unknown[0]!r} on {chain.name} (known: {', '.join(sorted(known))})"
            )
        markets = [m for m in markets if m.protocol in protocols or m.name in protocols]
    pool = EndpointPool(rpc_urls(chain, rpc), expected_chain_id=chain.chain_id)
    reader = pool.reader(block, multicall3=chain.multicall3)
    positions = []
    for market in markets:
        adapter = adapter_class(market.protocol)(chain, market)
        positions.extend(adapter.read_positions(reader, accounts))
    return Snapshot(
        chain=chain.name,
        chain_id=chain.chain_id,
        block_number=reader.block.number,
        timestamp=reader.block.timestamp,
        positions=tuple(positions),
        warnings=snapshot_warnings(reader, chain, positions),
    )
