"""`chainwatch track`: positions now (or at a given block), as a table, JSON or CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress

from chainwatch.cli.app import (
    TEXT_FILE_WIDTH,
    AddressBookOption,
    AddressesArgument,
    BlockOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    ProtocolOption,
    RpcOption,
    WalletsFileOption,
    app,
    emit,
    render_text,
    stderr,
    stdout,
)
from chainwatch.cli.config import ConfigChainsOption, ConfigOption, config_chains, require_one_chain, wallets_and_loans
from chainwatch.ens import parse_account
from chainwatch.errors import EXIT_UNREADABLE, ChainwatchError, UnreadableError
from chainwatch.export import readings_csv, readings_json
from chainwatch.files import read_text
from chainwatch.loanbook import load_loan_book
from chainwatch.model import ChainReading
from chainwatch.render import readings_table
from chainwatch.rpc.reader import read_progress
from chainwatch.snapshot import raise_if_partial, read_chains

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
    addresses: AddressesArgument = None,
    wallets: WalletsFileOption = None,
    chain: ConfigChainsOption = None,
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    detail: Annotated[bool, typer.Option(help="CSV: add one row per holding.")] = False,
    wide: Annotated[bool, typer.Option(help="Table: every column (max LTV, headroom) and full precision.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show the BTC-backed lending positions of wallets, on one or several chains.

    Each chain is read at one block. A chain that cannot be read is reported (exit code 4); the
    others still show.
    """
    book = load_loan_book(config)  # with no wallet named: the config's wallets and CeFi loans
    named = [parse_account(a) for a in addresses or ()]  # names resolve at the snapshot's block
    if wallets:
        named += read_wallets_file(wallets)
        if not named:
            raise WalletsFileError(f"{wallets}: no wallets in the file")
    accounts, loans = wallets_and_loans(named, book, hint="wallet addresses, or --wallets FILE")
    chains = config_chains(chain, book, address_book)
    require_one_chain(chains, {"--rpc": rpc, "--block": block})
    with read_bar(len(accounts)):
        readings = read_chains(
            chains,
            accounts,
            rpc={c.name: rpc for c in chains} if rpc else None,
            block=block,
            protocols=protocol or (),
            loans=loans,
        )
    if len(readings) == 1 and readings[0].error:
        raise UnreadableError(readings[0].error)  # one chain: its error is the whole answer
    _show(readings, output_format, output, detail=detail, wide=wide, labels=book.labels)
    failed = [r for r in readings if r.error]
    if failed:
        if output_format is not OutputFormat.table or output:
            for reading in failed:
                message = escape(f"{reading.chain} could not be read: {reading.error}")
                stderr.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    for reading in readings:
        if reading.snapshot:
            raise_if_partial(reading.snapshot)  # a position a failed read kept out: one line, exit 4
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def _show(
    readings: list[ChainReading],
    output_format: OutputFormat,
    output: Path | None,
    *,
    detail: bool,
    wide: bool,
    labels: dict[str, str],
) -> None:
    if output_format is OutputFormat.json:
        emit(json.dumps(readings_json(readings), indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        emit(readings_csv(readings, detail), output)
    elif output:
        emit(render_text(readings_table(readings, width=TEXT_FILE_WIDTH, wide=wide, labels=labels)), output)
    elif (
        len(readings) == 1
        and readings[0].snapshot
        and not (readings[0].snapshot.positions or readings[0].snapshot.unreadable)
    ):
        stderr.print(f"no positions at block {readings[0].snapshot.block_number}")
    else:
        stdout.print(readings_table(readings, width=stdout.width, wide=wide, labels=labels))
