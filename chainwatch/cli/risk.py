"""`chainwatch risk`: scenarios, liquidation price, interest drift, what-if and probabilities,
for live positions (wallet addresses) or a loan typed in by hand (--btc …)."""

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
    AddressBookOption,
    AddressesArgument,
    BlockOption,
    OutputOption,
    ProtocolOption,
    RpcOption,
    app,
    emit,
    parse_amount,
    parse_decimal,
    parse_optional_decimal,
    parse_rate,
    render_text,
    stderr,
    stdout,
)
from chainwatch.cli.config import (
    ConfigChainsOption,
    ConfigOption,
    config_chains,
    require_one_chain,
    wallets_and_loans,
)
from chainwatch.errors import EXIT_UNREADABLE, UnreadableError
from chainwatch.loanbook import load_loan_book
from chainwatch.model import ChainReading, Compounding, Position, all_positions
from chainwatch.risk.errors import RiskInputError, require_fraction, require_positive
from chainwatch.risk.manual import manual_position
from chainwatch.risk.plot import plot_ltv_curves
from chainwatch.risk.report import RiskSettings, build_report, report_json
from chainwatch.risk.scenarios import (
    DEFAULT_CHANGES,
    DEFAULT_DAYS,
    StatusBands,
    parse_changes,
    parse_days,
)
from chainwatch.risk.tables import risk_tables
from chainwatch.risk.volatility import chain_btc_volatility
from chainwatch.snapshot import read_chains


class RiskFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def risk(
    addresses: AddressesArgument = None,
    btc: Annotated[str | None, typer.Option(help="Hand-typed loan: BTC collateral.")] = None,
    btc_price: Annotated[str | None, typer.Option(help="Hand-typed loan: BTC price, USD.")] = None,
    loan: Annotated[str | None, typer.Option(help="Hand-typed loan: debt, USD.")] = None,
    apr: Annotated[str, typer.Option(help="Hand-typed loan: yearly rate, 0.08 or 8%.")] = "0",
    liquidation_ltv: Annotated[str | None, typer.Option(help="Hand-typed loan: LTV liquidated at.")] = None,
    max_ltv: Annotated[str | None, typer.Option(help="Hand-typed loan: borrow limit.")] = None,
    compounding: Annotated[
        Compounding | None,
        typer.Option(help="Override how debt compounds [default: as the loan's protocol does; daily by hand]."),
    ] = None,
    drops: Annotated[str | None, typer.Option(help="BTC moves: 0.15,0.3 falls, +0.2 a rise.")] = None,
    days: Annotated[str | None, typer.Option(help="Days of interest, e.g. 30,90,180.")] = None,
    warning_hf: Annotated[str, typer.Option(help="Warning below this health factor.")] = "1.5",
    margin_call_hf: Annotated[str, typer.Option(help="Margin call below this health factor.")] = "1.1",
    survive: Annotated[str, typer.Option(help="Max loan that survives this BTC fall.")] = "0.30",
    target_ltv: Annotated[str | None, typer.Option(help="What-if: repay or add BTC to this LTV.")] = None,
    horizon: Annotated[int, typer.Option(min=1, max=3650, help="Outlook horizon, days.")] = 14,
    drift: Annotated[str, typer.Option(help="Yearly BTC price drift, 0 by default.")] = "0",
    volatility: Annotated[str | None, typer.Option(help="Yearly BTC volatility, e.g. 0.55.")] = None,
    volatility_days: Annotated[int, typer.Option(min=2, max=365, help="Days of BTC/USD feed rounds to read.")] = 30,
    paths: Annotated[int, typer.Option(min=2, max=10_000_000, help="Monte Carlo paths.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed.")] = 0,
    chain: ConfigChainsOption = None,
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    output_format: Annotated[RiskFormat, typer.Option("--format", help="table or json.")] = RiskFormat.table,
    output: OutputOption = None,
    plot: Annotated[
        Path | None,
        typer.Option(callback=plot_option_path, help="Also draw LTV against BTC price into this .png or .svg."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """How close loans are to liquidation, and what BTC moves and time would do to them.

    With neither wallets nor a hand-typed loan, the config file's wallets and CeFi loans.

    Wallets are read on every chain at once, each at its own block; what cannot be read is named (exit 4)."""
    book = load_loan_book(config)
    chains = config_chains(chain, book, address_book)
    if addresses and btc is not None:
        raise RiskInputError("give wallet addresses or a hand-typed loan (--btc …), not both")
    given_volatility = parse_optional_decimal("--volatility", volatility)
    # Every question is checked before any request: bad input is one line, never after a read.
    if given_volatility is not None:
        require_positive("--volatility", given_volatility)
    changes = tuple(parse_changes(drops)) if drops else DEFAULT_CHANGES
    horizons = tuple(parse_days(days)) if days else DEFAULT_DAYS
    bands = StatusBands(parse_decimal("--warning-hf", warning_hf), parse_decimal("--margin-call-hf", margin_call_hf))
    survive_fall = require_fraction("--survive", parse_decimal("--survive", survive))
    target = parse_optional_decimal("--target-ltv", target_ltv)
    if target is not None:
        require_fraction("--target-ltv", target)
    yearly_drift = parse_decimal("--drift", drift)
    readings: list[ChainReading] | None = None
    if btc is None and (addresses or book.wallets or book.loans):
        require_one_chain(chains, {"--rpc": rpc, "--block": block})
        accounts, loans = wallets_and_loans(addresses, book, hint="wallet addresses")
        readings = read_chains(
            chains,
            accounts,
            rpc={c.name: rpc for c in chains} if rpc else None,
            block=block,
            protocols=protocol or (),
            loans=loans,
        )
        positions = _live_positions(readings)
        # The feed of the first chain that was read (read_chains keeps their order), at the block
        # its positions were read at.
        by_name = {c.name: c for c in chains}
        feed_chain, block = next((by_name[r.chain], r.snapshot.block_number) for r in readings if r.snapshot)
    else:
        if chain and len(chain) > 1:
            raise typer.BadParameter("a hand-typed loan reads one chain's BTC/USD feed", param_hint="--chain")
        positions = (_typed_loan(btc, btc_price, loan, apr, liquidation_ltv, max_ltv),)
        feed_chain = chains[0]
    if given_volatility is None:
        several = readings is not None and len(readings) > 1
        annual_volatility = chain_btc_volatility(feed_chain, rpc or (), block, volatility_days, alongside_book=several)
        # The chain named; its block is in `chains` (as the dashboard's document says it too).
        volatility_source = f"{feed_chain.name} BTC/USD feed, {volatility_days} days"
    else:
        annual_volatility, volatility_source = given_volatility, "--volatility"
    settings = RiskSettings(
        volatility=annual_volatility,
        volatility_source=volatility_source,
        compounding=compounding,
        horizon_days=horizon,
        changes=changes,
        days=horizons,
        bands=bands,
        survive=survive_fall,
        target_ltv=target,
        drift=yearly_drift,
        paths=paths,
        seed=seed,
    )
    report = build_report(positions, settings, readings=readings)
    if plot:
        plot_ltv_curves(positions, plot, settings.bands)
    if output_format is RiskFormat.json:
        emit(json.dumps(report_json(report), indent=2) + "\n", output)
    elif output:
        emit(render_text(risk_tables(report)), output)
    else:
        stdout.print(risk_tables(report))
    if report["partial"]:
        if output_format is RiskFormat.json or output:  # the table on the terminal names them already
            for error in report["errors"]:
                stderr.print(f"[red]error:[/] {escape(error['message'])}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNREADABLE)


def _live_positions(readings: list[ChainReading]) -> tuple[Position, ...]:
    """Every position read on every chain. Nothing read at all is one line: exit 4 naming what
    could not be read, or, when everything was read, exit 1 saying there is no position."""
    positions = all_positions(readings)
    if positions:
        return positions
    if len(readings) == 1 and readings[0].error:
        raise UnreadableError(readings[0].error)  # one chain: its error is the whole answer, as in track
    problems = [f"{r.chain} could not be read: {r.error}" for r in readings if r.error] + [
        str(unreadable) for r in readings if r.snapshot for unreadable in r.snapshot.unreadable
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UnreadableError(f"no position read: {problems[0]}{more}")
    blocks = [(r.chain, r.snapshot.block_number) for r in readings if r.snapshot]
    if len(blocks) == 1:
        raise RiskInputError(f"no position for these wallets at block {blocks[0][1]}")
    where = ", ".join(f"{name} (block {number})" for name, number in blocks)
    raise RiskInputError(f"no position for these wallets on {where}")


def _typed_loan(
    btc: str | None,
    btc_price: str | None,
    loan: str | None,
    apr: str,
    liquidation_ltv: str | None,
    max_ltv: str | None,
) -> Position:
    if btc is None or btc_price is None or loan is None or liquidation_ltv is None:
        raise RiskInputError(
            "no position: give wallet addresses, a loan as --btc, --btc-price, --loan and --liquidation-ltv, "
            "or wallets and loans in the config file"
        )
    return manual_position(
        btc=parse_amount("--btc", btc, MAX_BTC),
        btc_price=parse_amount("--btc-price", btc_price, MAX_PRICE_USD),
        loan=parse_amount("--loan", loan, MAX_LOAN_USD),
        apr=parse_rate("--apr", apr),
        liquidation_ltv=parse_decimal("--liquidation-ltv", liquidation_ltv),
        max_ltv=parse_optional_decimal("--max-ltv", max_ltv),
    )
