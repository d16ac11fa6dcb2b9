"""`chainwatch scan`: every account of some markets with BTC collateral, and the liquidation map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID

from chainwatch.chains import get_chain
from chainwatch.charts import plot_option_path
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
from chainwatch.context import RunContext
from chainwatch.files import writable_folder
from chainwatch.rpc.reader import read_progress
from chainwatch.scan import default_cache_dir, liqmap_json, liqmap_table, liquidation_map, plot_liqmap
from chainwatch.scan.liqmap import asset_amount
from chainwatch.scan.run import scan_markets


@app.command()
def scan(
    market: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol", "--market", help="Only these markets: a family (aave-v3) or a name (spark); repeatable."
        ),
    ] = None,
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    block: BlockOption = None,
    from_block: Annotated[
        int | None, typer.Option(min=0, help="Scan logs from this block (default: the market's deployment).")
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            callback=lambda path: path and writable_folder(path),
            help="Where discovered accounts are kept between runs.",
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(callback=plot_option_path, help="Also draw the map into this .png or .svg.")
    ] = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Discover every account with BTC collateral (each BTC asset of the chain) and map what a BTC fall liquidates."""
    the_chain = get_chain(chain, address_book)
    with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bars:
        tasks: dict[str, TaskID] = {}

        def scanned(name: str, last: int, head: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(f"scanning {name} logs", total=head)
            bars.update(tasks[name], completed=last)

        reading = bars.add_task("reading positions", total=None, visible=False)
        token = read_progress.set(lambda done, total: bars.update(reading, completed=done, total=total, visible=True))
        try:
            result = scan_markets(
                the_chain,
                market or (),
                cache_dir or default_cache_dir(),
                rpc=rpc or (),
                block=block,
                from_block=from_block,
                progress=scanned,
            )
        finally:
            read_progress.reset(token)
    held = [a for a in the_chain.btc_assets if any(asset_amount(p, a.address) for p in result.positions)]
    total = liquidation_map(result.positions, [a.address for a in the_chain.btc_assets])
    per_asset = [(a.symbol, liquidation_map(result.positions, a.address)) for a in held]
    label = "+".join(a.symbol for a in held) or the_chain.main_btc_asset.symbol
    if plot:
        plot_liqmap(total, plot, label)
    document = liqmap_json(
        total,
        per_asset,
        context=RunContext(the_chain.name, the_chain.chain_id, result.block.number, result.block.timestamp),
        markets=result.markets,
        accounts=result.accounts,
    )
    if output_format is OutputFormat.json:
        emit(json.dumps(document, indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        rows = [
            {"asset": symbol, **row}
            for symbol, rows_of in [("all", document), *((m["symbol"], m) for m in document["per_asset"])]
            for row in (
                rows_of["liquidatable_now"],
                *rows_of["bands"],
                rows_of["on_btc_rise"],
                rows_of["no_liquidation_price"],
            )
        ]
        import pandas as pd  # only the CSV path needs it

        emit(pd.DataFrame(rows).to_csv(index=False), output)
    else:
        maps = [(label, total)] + (per_asset if len(per_asset) > 1 else [])  # each asset's own map below the total
        width = TEXT_FILE_WIDTH if output else stdout.width
        tables = [liqmap_table(m, symbol, width=width) for symbol, m in maps]
        if output:
            emit("".join(render_text(t) for t in tables), output)
            return
        for table in tables:
            stdout.print(table)
        stderr.print(
            f"{len(result.positions)} positions with BTC collateral ({label}) among {result.accounts} accounts "
            f"discovered in {', '.join(result.markets)}, at block {result.block.number}"
        )
