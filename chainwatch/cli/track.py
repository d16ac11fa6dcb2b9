"""`chainwatch track`: positions now (or at a given block), as a table, JSON or CSV."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from chainwatch.addresses import parse_address
from chainwatch.chains import get_chain
from chainwatch.cli.app import (
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
from chainwatch.export import snapshot_csv, snapshot_json
from chainwatch.render import positions_table
from chainwatch.snapshot import read_snapshot


@app.command()
def track(
    addresses: Annotated[list[str], typer.Argument(help="Wallet addresses (0x…).")],
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: Annotated[
        Optional[list[str]],
        typer.Option("--protocol", help="Only these markets: a family (aave-v3) or a name (spark)."),
    ] = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    detail: Annotated[bool, typer.Option(help="CSV: add one row per holding.")] = False,
) -> None:
    """Show the WBTC lending positions of wallets, all read at one block."""
    accounts = [parse_address(a) for a in addresses]
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
        emit(render_text(positions_table(snapshot)), output)
    elif snapshot.positions:
        stdout.print(positions_table(snapshot))
    else:
        stderr.print(f"no positions at block {snapshot.block_number}")
