"""A scan end to end: pin a block, discover each market's accounts, read all their positions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from chainwatch.adapters import Adapter, adapter_class
from chainwatch.chain import Chain
from chainwatch.errors import UnreadableError
from chainwatch.model import Position
from chainwatch.rpc import Block, BlockReader
from chainwatch.scan.discover import discover_accounts
from chainwatch.scan.liqmap import asset_amount
from chainwatch.snapshot import open_reader, select_markets

# Called with a market's name, the last block its scan has covered and the pinned block.
ScanProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScanResult:
    block: Block
    markets: tuple[str, ...]
    accounts: int  # accounts discovered, over all markets
    positions: tuple[Position, ...]  # those holding a BTC asset of the chain as collateral


def scan_markets(
    chain: Chain,
    names: Sequence[str],
    cache_dir: Path,
    *,
    rpc: Sequence[str] = (),
    block: int | None = None,
    from_block: int | None = None,
    progress: ScanProgress | None = None,
) -> ScanResult:
    """Every position with one of the chain's BTC assets as collateral in the named markets
    (when none: all those whose adapter can discover accounts); each market's accounts are
    discovered for each BTC asset, their union read once."""
    if names:
        adapters = [adapter_class(m.protocol)(chain, m) for m in select_markets(chain, names)]
    else:  # every market whose adapter can discover accounts; a named one that cannot is an error
        adapters = [a for a in (adapter_class(m.protocol)(chain, m) for m in chain.markets) if can_discover(a)]
    markets = [a.market for a in adapters]
    reader = open_reader(chain, rpc, block)
    btc = [a.address for a in chain.btc_assets]
    found = [
        sorted(
            {
                account
                for asset in chain.btc_assets
                for account in discover_accounts(
                    adapter,
                    reader,
                    asset.address,
                    cache_dir,
                    from_block=from_block,
                    progress=_market_progress(progress, f"{adapter.market.name} {asset.symbol}", reader),
                )
            }
        )
        for adapter in adapters
    ]
    per_market = reader.gather(
        [partial(_read, adapter, reader, accounts) for adapter, accounts in zip(adapters, found)]
    )
    positions = tuple(p for market_positions in per_market for p in market_positions if asset_amount(p, btc) > 0)
    return ScanResult(reader.block, tuple(m.name for m in markets), sum(len(a) for a in found), positions)


def can_discover(adapter: Adapter) -> bool:
    return type(adapter).collateral_account_logs is not Adapter.collateral_account_logs


def _read(adapter: Adapter, reader: BlockReader, accounts: list[str]) -> list[Position]:
    """The market's positions; a position a failed read kept out would leave the market-wide
    totals short, so it stops the scan (exit 4) rather than yield a map from a partial read."""
    if not accounts:
        return []
    reading = adapter.read_positions(reader, accounts)
    if reading.unreadable:
        more = len(reading.unreadable) - 1
        raise UnreadableError(f"{reading.unreadable[0]}" + (f" (and {more} more positions)" if more else ""))
    return reading.positions


def _market_progress(progress: ScanProgress | None, name: str, reader: BlockReader) -> Callable[[int], None] | None:
    if progress is None:
        return None
    total = reader.block.number
    return lambda last: progress(name, last, total)
