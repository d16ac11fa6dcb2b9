"""`chainwatch rpc check`: what each configured endpoint of a chain can do, measured."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

import typer
from rich.console import RenderableType
from rich.markup import escape

from chainwatch.chains import get_chain
from chainwatch.cli.app import (
    TEXT_FILE_WIDTH,
    AddressBookOption,
    ChainOption,
    OutputFormat,
    OutputOption,
    RpcOption,
    app,
    emit,
    render_text,
    stdout,
)
from chainwatch.context import RunContext
from chainwatch.rpc import RpcError, RpcSettings
from chainwatch.rpc.probe import GAS_ASK, EndpointReport, check_endpoints
from chainwatch.rpc.urls import rpc_urls
from chainwatch.tablefit import Column, fitted_table

rpc_app = typer.Typer(help="Inspect RPC endpoints.", no_args_is_help=True)
app.add_typer(rpc_app, name="rpc")


@rpc_app.command("check")
def check(
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    address_book: AddressBookOption = None,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    output: OutputOption = None,
) -> None:
    """Latency, head, archive state, batch size and eth_call gas cap of every endpoint.

    Exits 1 when no endpoint serves the chain.
    """
    target = get_chain(chain, address_book)
    reports = check_endpoints(rpc_urls(target, rpc or ()), RpcSettings.from_env().timeout)
    if output_format is OutputFormat.json:
        rows = [{**asdict(r), "usable": r.usable(target.chain_id)} for r in reports]
        heads = [r.head for r in reports if r.usable(target.chain_id) and r.head is not None]
        context = RunContext(target.name, target.chain_id, max(heads, default=None), datetime.now(UTC))
        emit(json.dumps({**context.json(), "endpoints": rows}, indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        raise typer.BadParameter("rpc check writes table or json", param_hint="--format")
    elif output:
        emit(render_text(_table(target.chain_id, reports, TEXT_FILE_WIDTH)), output)
    else:
        stdout.print(_table(target.chain_id, reports, stdout.width))
    if not any(r.usable(target.chain_id) for r in reports):
        raise RpcError(f"no endpoint serves {target.name} (chain id {target.chain_id})")


def _table(chain_id: int, reports: list[EndpointReport], width: int) -> RenderableType:
    columns: list[Column[EndpointReport]] = [
        Column("endpoint", lambda r: escape(r.endpoint), keep=9, justify="left"),
        Column("chain id", lambda r: _text(r.chain_id), keep=3),
        Column("head", lambda r: _text(r.head, "{:,}"), keep=5),
        Column("latency", lambda r: _text(r.latency_ms, "{:.1f} ms"), keep=4),
        Column("archive", lambda r: _yes_no(r.archive), keep=6),
        Column(
            "batch",
            lambda r: (
                _text(r.batch_limit, "≥ {}") if r.batch_limit and r.batch_limit > 1 else _text(r.batch_limit, "no")
            ),
            keep=2,
        ),
        Column(
            "eth_call gas cap",
            lambda r: "uncapped" if r.gas_cap and r.gas_cap >= GAS_ASK else _text(r.gas_cap, "{:,}"),
            keep=1,
        ),
        Column("status", lambda r: _status(r, chain_id), keep=8, justify="left"),
    ]
    return fitted_table(f"RPC endpoints · chain id {chain_id}", columns, reports, width)


def _text(value: object, template: str = "{}") -> str:
    return "-" if value is None else template.format(value)


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "no"


def _status(report: EndpointReport, chain_id: int) -> str:
    if report.error:
        return f"[red]{escape(report.error)}[/]"  # node text may contain [markup]
    if report.chain_id != chain_id:
        return f"[red]wrong chain (expected {chain_id})[/]"
    return "[green]ok[/]"
