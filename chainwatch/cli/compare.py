"""`chainwatch compare`: what a loan costs with each CeFi offer and each DeFi market."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chainwatch.charts import plot_option_path
from chainwatch.cli.app import (
    MAX_BTC,
    MAX_LOAN_USD,
    MAX_PRICE_USD,
    TEXT_FILE_WIDTH,
    AddressBookOption,
    BlockOption,
    OutputOption,
    RpcOption,
    app,
    emit,
    parse_amount,
    parse_optional_amount,
    parse_optional_decimal,
    parse_rate,
    render_text,
    stderr,
    stdout,
)
from chainwatch.cli.config import ConfigOption, config_chains, require_one_chain
from chainwatch.costs.compare import Loan
from chainwatch.costs.interest import COMPOUNDINGS
from chainwatch.costs.lifecycle import DEFAULT_LIFECYCLE, parse_lifecycle
from chainwatch.costs.plot import write_plot
from chainwatch.costs.report import DEFAULT_LOAN_ASSET, CompareSettings, run_comparison
from chainwatch.costs.tables import comparison_tables
from chainwatch.errors import EXIT_UNREADABLE
from chainwatch.loanbook import load_loan_book

CompoundingChoice = Enum("CompoundingChoice", {c: c for c in COMPOUNDINGS}, type=str)  # type: ignore[misc]


class CompareFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def compare(
    loan: Annotated[str, typer.Option(help="Amount to borrow, USD.")],
    days: Annotated[int, typer.Option(min=1, max=36_500, help="How long the loan runs, days.")] = 365,
    btc: Annotated[str | None, typer.Option(help="BTC collateral: adds max loan and liquidation price.")] = None,
    btc_price: Annotated[
        str | None,
        typer.Option(help="BTC price, USD (default: each market's oracle; CeFi: the first chain's BTC/USD feed)."),
    ] = None,
    offers: Annotated[Path | None, typer.Option(help="TOML file of CeFi offers (replaces the shipped one).")] = None,
    apr: Annotated[str | None, typer.Option(help="DeFi borrow rate, 0.05 or 5% (default: each market's own).")] = None,
    compounding: Annotated[
        CompoundingChoice | None,
        typer.Option(help="How DeFi debt compounds (default: as the protocol does; simple with no chain)."),
    ] = None,
    gas_usd: Annotated[str | None, typer.Option(help="Gas of the whole lifecycle, USD (no gas price read).")] = None,
    gas_price_gwei: Annotated[str | None, typer.Option(help="Gas price, gwei (no eth_feeHistory read).")] = None,
    eth_price: Annotated[str | None, typer.Option(help="ETH price, USD (no ETH/USD feed read).")] = None,
    lifecycle: Annotated[str, typer.Option(help="The loan's actions, in order.")] = ",".join(DEFAULT_LIFECYCLE),
    asset: Annotated[str, typer.Option(help="The asset borrowed in DeFi markets.")] = DEFAULT_LOAN_ASSET,
    chain: Annotated[
        list[str] | None,
        typer.Option(
            "--chain",
            help="Chain of the DeFi markets (repeatable; default: the config's chains, else every built-in "
            "mainnet, read at once; none with --apr and --gas-usd).",
        ),
    ] = None,
    rpc: RpcOption = None,
    block: BlockOption = None,
    address_book: AddressBookOption = None,
    output_format: Annotated[CompareFormat, typer.Option("--format", help="table or json.")] = CompareFormat.table,
    output: OutputOption = None,
    plot: Annotated[
        Path | None,
        typer.Option(callback=plot_option_path, help="Also draw total cost against loan size into this .png or .svg."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """The full cost of a bitcoin-backed loan: CeFi offers against DeFi markets.

    Every DeFi market of one or several chains, each chain read at its own block. A chain that
    cannot be read is reported (exit code 4); the others still show.
    """
    settings = CompareSettings(
        loan=Loan(parse_amount("--loan", loan, MAX_LOAN_USD), days, parse_optional_amount("--btc", btc, MAX_BTC)),
        offers_file=offers,
        chains=tuple(chain or _config_chains(config, address_book, offline=apr is not None and gas_usd is not None)),
        address_book=address_book,
        rpc=rpc or (),
        block=block,
        loan_asset=asset,
        lifecycle=parse_lifecycle(lifecycle),
        apr=parse_rate("--apr", apr) if apr is not None else None,
        compounding=compounding.value if compounding else None,
        gas_usd=parse_optional_decimal("--gas-usd", gas_usd),
        gas_price_gwei=parse_optional_decimal("--gas-price-gwei", gas_price_gwei),
        eth_usd=parse_optional_amount("--eth-price", eth_price, MAX_PRICE_USD),
        btc_price_usd=parse_optional_amount("--btc-price", btc_price, MAX_PRICE_USD),
    )
    # One endpoint serves one chain, block numbers differ from chain to chain, and a gas price
    # or cost typed for one chain is not another's (a rollup's gas costs cents).
    require_one_chain(
        settings.chains_to_read(),
        {"--rpc": rpc, "--block": block, "--gas-price-gwei": gas_price_gwei, "--gas-usd": gas_usd},
    )
    comparison, report = run_comparison(settings)
    if plot:
        write_plot(comparison, plot)
    if output_format is CompareFormat.json:
        emit(json.dumps(report, indent=2) + "\n", output)
    elif output:
        emit(render_text(comparison_tables(report, TEXT_FILE_WIDTH)), output)
    else:
        stdout.print(comparison_tables(report, stdout.width))
    failed = [reading for reading in report["chains"] if reading["error"]]
    if failed and (output_format is CompareFormat.json or output):  # the table on screen names them
        for reading in failed:
            message = escape(f"{reading['chain']} could not be read: {reading['error']}")
            stderr.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def _config_chains(config: Path | None, address_book: Path | None, *, offline: bool) -> list[str]:
    """The config file's `chains` when no --chain is given and the comparison reads a chain;
    none (the address book's defaults, or no chain offline) otherwise."""
    book = load_loan_book(config)
    if offline or not book.chains:
        return []
    return [c.name for c in config_chains(None, book, address_book)]
