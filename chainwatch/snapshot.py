"""Read every configured market of a chain for a list of accounts, at one pinned block; or of
several chains at once, each pinned to its own block.

This is the library entry point the CLI, the demo and the watcher call: resolve the chain and
its endpoints, pin one block, look up any ENS names at that block, let each market's adapter
read its positions. Several chains are read side by side (one thread each, so a slow chain
costs its own time only); a chain that cannot be read is carried with its error, never dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

from chainwatch.adapters import adapter_class
from chainwatch.chain import Chain, MarketConfig
from chainwatch.ens import resolve_accounts
from chainwatch.errors import ChainwatchError, UnreadableError
from chainwatch.loanbook.cefi import CEFI, CefiLoan, read_cefi_positions
from chainwatch.model import ChainReading, Position, Snapshot, Unreadable
from chainwatch.rpc import BlockReader, EndpointPool
from chainwatch.rpc.concurrent import each
from chainwatch.rpc.reader import read_progress
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


def open_reader(
    chain: Chain, rpc: Sequence[str] = (), block: int | None = None, *, alongside_book: bool = False
) -> BlockReader:
    """Reads of `chain` pinned to `block` (default: the latest block its endpoints agree on).
    `alongside_book`: see rpc_urls (a run over several chains)."""
    pool = EndpointPool(rpc_urls(chain, rpc, alongside_book=alongside_book), expected_chain_id=chain.chain_id)
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
    alongside_book: bool = False,
    loans: Sequence[CefiLoan] = (),
) -> Snapshot:
    """All non-empty positions of `accounts` on `chain`, every read at the same block.

    A position one of whose reads failed (a reverting oracle, feed or balance) is not in
    `positions` but in `unreadable`, naming the call; the other positions are read whole.

    `accounts` are addresses or ENS names; a name resolves at that same block, through the same
    endpoints. `protocols` filters markets by adapter family or by market name (`aave-v3`, `spark`).
    CeFi `loans` (from the loan book) join as positions valued at the chain's BTC/USD feed there;
    a filter keeps them when it names `cefi`.
    """
    on_chain = [p for p in protocols if p != CEFI]
    markets = select_markets(chain, on_chain) if on_chain or not protocols else []
    loans = loans if not protocols or CEFI in protocols else ()
    reader = open_reader(chain, rpc, block, alongside_book=alongside_book)
    wallets = list(dict.fromkeys(resolve_accounts(chain, accounts, lambda: reader)))
    adapters = [adapter_class(market.protocol)(chain, market) for market in markets]
    # Markets are read side by side, so their rounds of reads share HTTP requests.
    per_market = reader.gather(
        [partial(adapter.read_positions, reader, wallets) for adapter in adapters]
        + ([partial(read_cefi_positions, reader, chain, loans)] if loans else [])
    )
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


def read_chains(
    chains: Sequence[Chain],
    accounts: Sequence[str],
    *,
    rpc: Mapping[str, Sequence[str]] | None = None,
    block: int | None = None,
    protocols: Sequence[str] = (),
    loans: Sequence[CefiLoan] = (),
) -> list[ChainReading]:
    """Every chain's positions of `accounts`, the chains read concurrently, each at its own block.

    `rpc` gives endpoints per chain name (else the environment and the address book). `block`
    pins every chain to that number (meant for a run over one chain: block numbers differ from
    chain to chain). `protocols` filters markets across the chains: a filter no chain knows is an
    error, and a chain without a matching market is not read. ENS names are looked up once, on
    the first chain with a registry, and the addresses read on every chain. A chain that cannot
    be read (no endpoint answers, an endpoint on another chain, a failed read) comes back with
    its `error` set; bad input (an unknown protocol, a name that does not resolve) raises.
    CeFi `loans` are valued once, on the first chain (at its BTC/USD feed and block); when that
    chain cannot be read, on the next one that was (see `_value_loans_elsewhere`).
    """
    chosen = chains_with_markets(chains, protocols)
    several = len(chosen) > 1
    if several:
        accounts = _resolve_names_once(chosen, accounts, rpc or {})

    progress = _summed_progress(read_progress.get()) if several else None

    def read(chain: Chain) -> ChainReading:
        if progress:
            read_progress.set(progress(chain.name))
        try:
            snapshot = read_snapshot(
                chain,
                accounts,
                rpc=(rpc or {}).get(chain.name, ()),
                block=block,
                protocols=chain_protocols(chain, protocols),
                alongside_book=several,
                loans=loans if chain is chosen[0] else (),
            )
        except UnreadableError as exc:
            return ChainReading(chain.name, chain.chain_id, error=str(exc))
        return ChainReading(chain.name, chain.chain_id, snapshot=snapshot)

    if not several:
        return [read(chain) for chain in chosen]
    # Daemon threads (rpc.concurrent): a Ctrl-C never waits on a chain's silent endpoint.
    readings = each(read, chosen)
    if loans and readings[0].error and (not protocols or CEFI in protocols):
        readings = _value_loans_elsewhere(readings, chosen, loans, rpc or {})
    return readings


def _value_loans_elsewhere(
    readings: list[ChainReading], chains: Sequence[Chain], loans: Sequence[CefiLoan], rpc: Mapping[str, Sequence[str]]
) -> list[ChainReading]:
    """The readings with the CeFi `loans`, which the first chain could not value (it could not
    be read), valued on the first other chain that was read, at the block it was read at. A
    BTC price is a BTC price on any chain; a loan missing because one endpoint is down would be
    a loan the user does not see. Where no chain can value them they are named unreadable."""
    read = [index for index, reading in enumerate(readings) if reading.snapshot is not None]
    if not read:
        return readings  # nothing was read: every chain's error already says so
    failures = []
    for index in read:
        chain, snapshot = chains[index], readings[index].snapshot
        assert snapshot is not None
        try:
            reader = open_reader(chain, rpc.get(chain.name, ()), snapshot.block_number, alongside_book=True)
            cefi = read_cefi_positions(reader, chain, loans)
        except UnreadableError as exc:
            failures.append(f"{chain.name}: {exc}")
            continue
        return _with_added(readings, index, cefi.positions, cefi.unreadable)
    why = "; ".join(failures)
    missing = [Unreadable(CEFI, loan.name, loan.label, f"BTC/USD feed ({why})") for loan in loans]
    return _with_added(readings, read[0], [], missing)


def _with_added(
    readings: list[ChainReading], index: int, positions: Sequence[Position], unreadable: Sequence[Unreadable]
) -> list[ChainReading]:
    """The readings with `positions` and `unreadable` added to the snapshot of the one at `index`."""
    snapshot = readings[index].snapshot
    assert snapshot is not None
    added = replace(
        snapshot, positions=snapshot.positions + tuple(positions), unreadable=snapshot.unreadable + tuple(unreadable)
    )
    return [*readings[:index], replace(readings[index], snapshot=added), *readings[index + 1 :]]


def _summed_progress(
    report: Callable[[int, int], None] | None,
) -> Callable[[str], Callable[[int, int], None]] | None:
    """One progress callback per chain that reports the calls of every chain together, so a
    progress bar counts the whole run instead of jumping between the chains' own counts."""
    if report is None:
        return None
    latest: dict[str, tuple[int, int]] = {}
    lock = threading.Lock()

    def for_chain(name: str) -> Callable[[int, int], None]:
        def update(done: int, total: int) -> None:
            with lock:
                latest[name] = (done, total)
                report(sum(d for d, _ in latest.values()), sum(t for _, t in latest.values()))

        return update

    return for_chain


def _market_labels(chain: Chain) -> set[str]:
    """What a --protocol filter may name on `chain`: its markets' families and names, and `cefi`
    (the loan book's loans, valued at any chain's BTC/USD feed)."""
    return {m.protocol for m in chain.markets} | {m.name for m in chain.markets} | {CEFI}


def chain_protocols(chain: Chain, protocols: Sequence[str]) -> list[str]:
    """The part of a --protocol filter over several chains that `chain` knows (empty: no filter)."""
    return [p for p in protocols if p in _market_labels(chain)]


def chains_with_markets(chains: Sequence[Chain], protocols: Sequence[str]) -> list[Chain]:
    """The chains a `--protocol` filter leaves something to read on; an unknown filter is an error."""
    if not protocols:
        return list(chains)
    known = set().union(*(_market_labels(chain) for chain in chains))
    unknown = [p for p in protocols if p not in known]
    if unknown:
        names = ", ".join(chain.name for chain in chains)
        raise UnknownProtocolError(f"unknown protocol {unknown[0]!r} on {names} (known: {', '.join(sorted(known))})")
    return [chain for chain in chains if _market_labels(chain) & set(protocols)]


def _resolve_names_once(
    chains: Sequence[Chain], accounts: Sequence[str], rpc: Mapping[str, Sequence[str]]
) -> list[str]:
    """Accounts with ENS names looked up on the first chain that has a registry (Ethereum's
    names name wallets on every chain; no request when all are addresses); unchanged when no
    chain has a registry (a name then fails on each chain as on one)."""
    registry_chain = next((chain for chain in chains if chain.ens_registry), None)
    if registry_chain is None:
        return list(accounts)
    return resolve_wallets(registry_chain, accounts, rpc=rpc.get(registry_chain.name, ()))
