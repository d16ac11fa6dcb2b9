"""`chainwatch watch`, `check`, `history`, `backfill`: record positions over time and alert.

Thin: options are parsed here, the work is done by chainwatch.watch, chainwatch.alerts and
chainwatch.history. Diagnostics and the live display go to stderr; data to stdout.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from chainwatch.alerts import Alert, AlertKind, Notifier, Thresholds, compose
from chainwatch.alerts.thresholds import DEFAULT_HYSTERESIS
from chainwatch.chain import Chain
from chainwatch.chains import get_chain
from chainwatch.charts import page_option_path
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
from chainwatch.ens import is_name, parse_account
from chainwatch.export import decimal_text, snapshot_json
from chainwatch.model import Snapshot
from chainwatch.render import health, money, percent, positions_table, short_address
from chainwatch.risk.errors import RiskInputError
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import PartialSnapshotError, raise_if_partial, read_snapshot, resolve_wallets
from chainwatch.timetext import parse_duration, parse_time

if TYPE_CHECKING:  # the history store and the watch loop load SQLAlchemy: only their commands import them
    from chainwatch.watch import Reading, Watch

EXIT_PAST_THRESHOLD = 3

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CHAINWATCH_DB",
        help="History database: a SQLite file or a SQLAlchemy URL (postgresql://...). "
        "Default: history.sqlite3 in the user data directory.",
    ),
]
ProtocolOption = Annotated[
    list[str] | None,
    typer.Option("--protocol", help="Only these markets: a family (aave-v3) or a name (spark)."),
]
WarnOption = Annotated[
    list[Decimal] | None,
    typer.Option(
        "--warn",
        help="Threshold as a fraction of the position's liquidation LTV (repeatable). Default 0.8, 0.9, 0.95.",
    ),
]
WalletsArgument = Annotated[list[str], typer.Argument(help="Wallet addresses (0x…) or ENS names (name.eth).")]
LtvOption = Annotated[
    list[Decimal] | None,
    typer.Option("--ltv", help="Threshold as an absolute LTV instead, e.g. 0.65 (repeatable)."),
]


def _thresholds(warn: list[Decimal] | None, ltv: list[Decimal] | None, hysteresis: Decimal) -> Thresholds:
    if warn and ltv:
        raise RiskInputError("give thresholds either with --warn (of the liquidation LTV) or with --ltv, not both")
    if ltv:
        return Thresholds.build(ltv, relative=False, hysteresis=hysteresis)
    if warn:
        return Thresholds.build(warn, relative=True, hysteresis=hysteresis)
    return Thresholds.build(Thresholds().levels, relative=True, hysteresis=hysteresis)


def _accounts(addresses: list[str]) -> list[str]:
    """Wallet arguments checked before any request: addresses, or ENS names still to resolve."""
    return [parse_account(a) for a in addresses]


def _wallets(addresses: list[str], chain: Chain, rpc: list[str] | None) -> list[str]:
    """Wallet arguments as addresses, ENS names resolved once, now (each shown on stderr).

    A watch or a backfill follows the wallet a name points to when it starts: its history and
    alert state are kept per address, and a past block may know the name as someone else's.
    """
    accounts = _accounts(addresses)
    wallets = resolve_wallets(chain, accounts, rpc=rpc or ())
    for account, wallet in zip(accounts, wallets):
        if is_name(account):
            stderr.print(f"{account} is {wallet}", highlight=False)
    return list(dict.fromkeys(wallets))


# --- watch ------------------------------------------------------------------------------


def _status_table(reading: Reading, watch: Watch) -> Table:
    snapshot = reading.snapshot
    title = (
        "waiting for the first reading"
        if snapshot is None
        else (f"{snapshot.chain} · block {snapshot.block_number} · {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC")
    )
    table = Table(title=title, title_justify="left", caption=reading.error and f"[red]{reading.error}[/]")
    for header in ("account", "market"):
        table.add_column(header)
    for header in ("LTV", "liq. LTV", "health", "BTC price", "liq. BTC price", "alert"):
        table.add_column(header, justify="right")
    thresholds = watch.tracker.thresholds
    for p in snapshot.positions if snapshot else ():
        level = watch.tracker.level_of(p)
        table.add_row(
            short_address(p.account),
            p.protocol,
            percent(p.ltv),
            percent(p.liquidation_ltv),
            health(p.health_factor),
            money(p.btc_price_usd),
            money(p.liquidation_price_btc),
            f"[red]past {thresholds.describe(level)}[/]" if level else "[green]ok[/]",
        )
    return table


def _log_line(reading: Reading) -> str:
    """One plain line per reading when stderr is not a terminal (logs, systemd, tests)."""
    if reading.snapshot is None:
        return f"read failed: {reading.error}"
    snapshot = reading.snapshot
    return (
        f"stored block {snapshot.block_number} ({snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC): "
        f"{len(snapshot.positions)} positions, {reading.new_readings} new readings"
        + (f"; not read: {reading.error}" if reading.error else "")
    )


def _alert_line(alert: Alert, title: str, delivered: bool) -> str:
    colour = "red" if alert.kind is AlertKind.warning else "green"
    failed = "" if delivered else " [red](delivery failed)[/]"
    return f"[{colour}]{alert.kind.value}[/] {title}{failed}"


@app.command()
def watch(
    addresses: WalletsArgument,
    every: Annotated[str, typer.Option(help="Interval between readings: 60, 90s, 5m, 1h.")] = "60",
    notify: Annotated[
        list[str] | None,
        typer.Option(
            "--notify", help="Apprise URL to alert (repeatable): mailto://, tgram://, discord://, ntfy://, json://..."
        ),
    ] = None,
    warn: WarnOption = None,
    ltv: LtvOption = None,
    hysteresis: Annotated[
        Decimal, typer.Option(help="How far under a threshold a position must fall to clear it (threshold units).")
    ] = DEFAULT_HYSTERESIS,
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    db: DbOption = None,
) -> None:
    """Read positions every interval, store each snapshot, alert on threshold crossings."""
    from chainwatch.history import HistoryStore
    from chainwatch.watch import Reading, Watch

    interval = parse_duration(every).total_seconds()
    thresholds = _thresholds(warn, ltv, hysteresis)
    notifier = Notifier(notify or [])
    chain_config = get_chain(chain, address_book)
    accounts = _wallets(addresses, chain_config, rpc)
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C interrupts at once

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    with HistoryStore.open(db) as store:
        watcher = Watch(
            chain_config,
            accounts,
            store=store,
            thresholds=thresholds,
            notifier=notifier,
            rpc=rpc or (),
            protocols=protocol or (),
        )
        stderr.print(
            f"watching {len(accounts)} wallet(s) on {chain} every {interval:g}s; history in {store.location}; "
            f"alerts to {', '.join(notifier.targets) or 'the terminal only'}",
            highlight=False,
        )
        try:
            if stderr.is_terminal:
                with Live(_status_table(Reading(None), watcher), console=stderr, auto_refresh=False) as live:

                    def show(reading: Reading) -> None:
                        live.update(_status_table(reading, watcher), refresh=True)
                        for sent in reading.alerts:
                            live.console.print(_alert_line(sent.alert, sent.message.title, sent.delivered))

                    count = watcher.run(interval, stop, show)
            else:

                def log(reading: Reading) -> None:
                    stderr.print(_log_line(reading), highlight=False, soft_wrap=True)
                    for sent in reading.alerts:
                        stderr.print(
                            _alert_line(sent.alert, sent.message.title, sent.delivered), highlight=False, soft_wrap=True
                        )

                count = watcher.run(interval, stop, log)
        except KeyboardInterrupt:
            count = None
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    stderr.print("stopped" + (f" after {count} readings" if count is not None else ""), highlight=False)


# --- check ------------------------------------------------------------------------------


@app.command()
def check(
    addresses: WalletsArgument,
    warn: WarnOption = None,
    ltv: LtvOption = None,
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    record: Annotated[bool, typer.Option(help="Also store the reading in the history (--db).")] = False,
    db: DbOption = None,
) -> None:
    """Read once; exit 3 when any position is past a threshold, 0 when all are fine.

    With several thresholds, "past" means past the lowest one. Meant for cron and CI.
    """
    thresholds = _thresholds(warn, ltv, DEFAULT_HYSTERESIS)
    chain_config = get_chain(chain, address_book)
    endpoints = rpc_urls(chain_config, rpc or ())
    snapshot = read_snapshot(chain_config, _accounts(addresses), rpc=endpoints, block=block, protocols=protocol or ())
    if record:
        from chainwatch.history import HistoryStore

        with HistoryStore.open(db) as store:
            store.save_snapshot(snapshot, endpoints)
    alerts = [
        Alert(AlertKind.warning, p, level, 0, thresholds)
        for p in snapshot.positions
        if (level := thresholds.level(thresholds.measure(p)))
    ]
    _emit_check(snapshot, thresholds, alerts, output_format, output)
    if alerts:  # a position known to be in danger outranks one that could not be read
        raise typer.Exit(EXIT_PAST_THRESHOLD)
    raise_if_partial(snapshot)


def _emit_check(
    snapshot: Snapshot, thresholds: Thresholds, alerts: list[Alert], output_format: OutputFormat, output: Any
) -> None:
    if output_format is OutputFormat.csv:
        raise RiskInputError("check writes a table or JSON; use `track --format csv` for CSV")
    if output_format is OutputFormat.json:
        data = snapshot_json(snapshot)
        for position, row in zip(snapshot.positions, data["positions"]):
            level = thresholds.level(thresholds.measure(position))
            row["alert_level"] = level
            row["past_threshold"] = bool(level)
            row["threshold_ltv"] = decimal_text(thresholds.absolute(1, position))
        data["past_threshold"] = bool(alerts)
        emit(json.dumps(data, indent=2) + "\n", output)
        return
    text = [render_text(positions_table(snapshot, width=TEXT_FILE_WIDTH))] if output else []
    if not output:
        stdout.print(positions_table(snapshot, width=stdout.width))
    for alert in alerts:
        message = compose(alert)
        text.append(f"PAST THRESHOLD: {message.body}\n")
        if not output:
            stdout.print(f"[red]PAST THRESHOLD[/] {message.body}", highlight=False)
    if not alerts and not output:
        stderr.print(f"all {len(snapshot.positions)} positions below {thresholds.describe(1)}")
    if output:
        emit("\n".join(text), output)


# --- history ----------------------------------------------------------------------------


@app.command()
def history(
    address: Annotated[str, typer.Argument(help="Wallet address (0x…) or ENS name (name.eth).")],
    since: Annotated[str | None, typer.Option(help="From this date or time (UTC), e.g. 2026-01-31.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date or time (UTC).")] = None,
    chain: Annotated[
        str | None,
        typer.Option("--chain", help="Only this chain (default: all). An ENS name resolves on it (default: ethereum)."),
    ] = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    plot: Annotated[
        Path | None,
        typer.Option(callback=page_option_path, help="Also draw the LTV chart to this .png, .svg or .html file."),
    ] = None,
    db: DbOption = None,
    rpc: RpcOption = None,
    address_book: AddressBookOption = None,
) -> None:
    """LTV, health factor, BTC price, debt and collateral over time, from the stored history."""
    from chainwatch.history import HistoryStore
    from chainwatch.history.plot import write_plot
    from chainwatch.history.report import history_csv, history_document, history_table

    account = parse_account(address)
    if is_name(account):
        (account,) = _wallets([account], get_chain(chain or "ethereum", address_book), rpc)
    with HistoryStore.open(db) as store:
        rows = store.history(
            account, chain=chain, since=parse_time(since) if since else None, until=parse_time(until) if until else None
        )
    if plot:
        write_plot(rows, plot)
        stderr.print(f"wrote {plot}")
    if output_format is OutputFormat.json:
        emit(json.dumps(history_document(account, chain, rows), indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        emit(history_csv(rows), output)
    elif output:
        emit(render_text(history_table(rows, TEXT_FILE_WIDTH)), output)
    elif rows:
        stdout.print(history_table(rows, stdout.width))
    else:
        stderr.print(f"no history for {account}: run `chainwatch watch` or `chainwatch backfill` first")


# --- backfill ---------------------------------------------------------------------------


@app.command()
def backfill(
    addresses: WalletsArgument,
    start: Annotated[str, typer.Option("--from", help="First date or time (UTC), e.g. 2026-01-01.")],
    end: Annotated[str | None, typer.Option("--to", help="Last date or time (UTC); default now.")] = None,
    every: Annotated[str, typer.Option(help="Interval between readings: 1d, 6h, 30m ...")] = "1d",
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    db: DbOption = None,
) -> None:
    """Read positions at past blocks (needs an archive node) into the history.

    ENS names resolve once, at the latest block: the backfill reads that wallet's past.
    """
    from chainwatch.history import HistoryStore
    from chainwatch.history.backfill import backfill as run_backfill

    first = parse_time(start)
    last = parse_time(end) if end else datetime.now(UTC)
    step = parse_duration(every)
    chain_config = get_chain(chain, address_book)
    accounts = _wallets(addresses, chain_config, rpc)
    with (
        HistoryStore.open(db) as store,
        Progress(
            TextColumn("backfill"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("block {task.fields[block]}"),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("backfill", total=None, block="…")
        result = run_backfill(
            chain_config,
            accounts,
            store,
            start=first,
            end=last,
            every=step,
            rpc=rpc or (),
            protocols=protocol or (),
            on_plan=lambda blocks: progress.update(task, total=len(blocks)),
            on_block=lambda block, new: progress.update(task, advance=1, block=block.number),
        )
        location = store.location
    blocks = result.blocks
    stderr.print(
        f"stored {result.new_readings} new readings from {len(blocks)} blocks "
        f"({blocks[0].number}…{blocks[-1].number}) in {location}",
        highlight=False,
        soft_wrap=True,
    )
    for line in result.unreadable:  # each position a failed read kept out, then exit 4
        stderr.print(f"not read: {line}", markup=False, highlight=False, soft_wrap=True)
    if result.unreadable:
        raise PartialSnapshotError(f"{len(result.unreadable)} positions could not be read (listed above)")
