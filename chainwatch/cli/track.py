"""`chainwatch track`: positions now (or at a given block), as a table, JSON or CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from chainwatch.chains import get_chain
from chainwatch.cli.app import (
    TEXT_FILE_WIDTH,
    AddressBookOption,
    BlockOption,
    ChainOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    RpcOption,
    app,
    emit,
    render_text,
    stderr,
    stdout,
)
from chainwatch.ens import parse_account
from chainwatch.errors import ChainwatchError
from chainwatch.export import snapshot_csv, snapshot_json
from chainwatch.files import read_text
from chainwatch.render import positions_table
from chainwatch.rpc.reader import read_progress
from chainwatch.snapshot import raise_if_partial, read_snapshot

# Wallet counts from which reading can take long enough on a public endpoint to deserve a bar.
PROGRESS_FROM = 200


class WalletsFileError(ChainwatchError):
    """A --wallets file that cannot be read, holds no wallet, or has a line that is none."""


def read_wallets_file(path: Path) -> list[str]:
    """Wallets of a file, one a line; blank lines and `#` comments skipped; a bad line named."""
    lines = read_text(path, "wallets file", WalletsFileError).splitlines()
    accounts = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            try:
                accounts.append(parse_account(text))
            except ChainwatchError as exc:
                raise WalletsFileError(f"{path}:{number}: {exc}") from None
    return accounts


@contextmanager
def read_bar(count: int) -> Iterator[None]:
    """A progress bar of calls read on stderr, for many wallets on a terminal only."""
    with Progress(console=stderr, transient=True, disable=count < PROGRESS_FROM or not stderr.is_terminal) as bar:
        task = bar.add_task(f"reading {count} wallets", total=None)
        token = read_progress.set(lambda done, total: bar.update(task, completed=done, total=total))
        try:
            yield
        finally:
            read_progress.reset(token)


@app.command()
def track(
    addresses: Annotated[
        list[str] | None, typer.Argument(help="Wallet addresses (0x…) or ENS names (name.eth).")
    ] = None,
    wallets: Annotated[
        Path | None,
        typer.Option("--wallets", help="File of wallets, one address or ENS name a line ('#' comments)."),
    ] = None,
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", help="Only these markets: a family (aave-v3) or a name (spark)."),
    ] = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    detail: Annotated[bool, typer.Option(help="CSV: add one row per holding.")] = False,
    wide: Annotated[bool, typer.Option(help="Table: every column (max LTV, headroom) and full precision.")] = False,
) -> None:
    """Show the WBTC lending positions of wallets, all read at one block."""
    accounts = [parse_account(a) for a in addresses or ()]  # names resolve at the snapshot's block
    if wallets:
        accounts += read_wallets_file(wallets)
    if not addresses and not wallets:
        raise typer.BadParameter("give wallet addresses, or --wallets FILE", param_hint="ADDRESSES")
    if not accounts:
        raise WalletsFileError(f"{wallets}: no wallets in the file")
    with read_bar(len(accounts)):
        snapshot = read_snapshot(
            get_chain(chain, address_book),
            accounts,
            rpc=rpc or (),
            block=block,
            protocols=protocol or (),
        )
    if output_format is OutputFormat.json:
        emit(json.dumps(snapshot_json(snapshot), indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        emit(snapshot_csv(snapshot, detail), output)
    elif output:
        emit(render_text(positions_table(snapshot, width=TEXT_FILE_WIDTH, wide=wide)), output)
    elif snapshot.positions or snapshot.unreadable:
        stdout.print(positions_table(snapshot, width=stdout.width, wide=wide))
    else:
        stderr.print(f"no positions at block {snapshot.block_number}")
    raise_if_partial(snapshot)
