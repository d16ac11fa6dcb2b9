"""Every account that has put an asset up as collateral in a market, found in its event logs.

The adapter says which logs name such accounts (`Adapter.collateral_account_logs`); this module
scans them from the market's deployment to the pinned block, through the cache, so a later run
only reads the blocks since the last one.
"""

from __future__ import annotations

from pathlib import Path

from chainwatch.adapters.base import Adapter
from chainwatch.errors import ChainwatchError
from chainwatch.rpc import BlockReader
from chainwatch.rpc.logs import LogScanner, Progress, ScanState
from chainwatch.scan.cache import DiscoveryCache


class DiscoveryUnsupportedError(ChainwatchError):
    """A market whose adapter cannot name its accounts from logs."""


class ScanRangeError(ChainwatchError):
    """A block range to scan that the chain does not have."""


def discover_accounts(
    adapter: Adapter,
    reader: BlockReader,
    asset: str,
    cache_dir: Path,
    *,
    from_block: int | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Accounts the market's logs name as `asset` collateral up to `reader.block`, sorted.

    `from_block` defaults to where a cached scan started, else the market's `deployment_block`
    in the address book, else the block the log-emitting contract was deployed in (bisected with
    eth_getCode, which needs an archive node: 0 without one); a cached scan that started after
    `from_block` is done again.
    """
    filters = adapter.collateral_account_logs(reader, asset)
    if filters is None:
        raise DiscoveryUnsupportedError(
            f"{adapter.market.name}: {adapter.protocol} cannot discover accounts from logs yet"
        )
    scanner = LogScanner(reader.pool)
    head = reader.block.number
    if from_block is not None and from_block > head:
        raise ScanRangeError(f"--from-block {from_block} is past the block read ({head})")
    deployed: int | None = adapter.market.settings.get("deployment_block")
    found: set[str] = set()
    for logs in filters:
        cache = DiscoveryCache(cache_dir, adapter.chain.chain_id, logs)
        state = cache.load()
        if state is None or (from_block is not None and state.first > from_block):
            first = from_block if from_block is not None else deployed
            if first is None:
                first = scanner.first_block_with_code(logs.address, head)
            state = ScanState(first, first - 1, set())
        try:
            scanner.scan(logs, state, head, checkpoint=lambda s: cache.save(s, head), progress=progress)
        finally:
            cache.save(state, head, force=True)
        found |= state.accounts
    return sorted(found)
