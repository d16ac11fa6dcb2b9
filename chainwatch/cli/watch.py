"""`chainwatch watch`, `check`, `history`, `backfill`: record positions over time and alert.

Thin: options are parsed here, the work is done by chainwatch.watch, chainwatch.alerts and
chainwatch.history. Diagnostics and the live display go to stderr; data to stdout.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from chainwatch.alerts import Event, EventKind, Line, LineKind, Thresholds, compose
from chainwatch.alerts.readings import DEFAULT_UNREADABLE_AFTER
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
    OptionValueError,
    OutputFormat,
    OutputOption,
    ProtocolOption,
    RpcOption,
    app,
    emit,
    emit_rows,
    render_text,
    stderr,
    stdout,
)
from chainwatch.cli.config import (
    ConfigChainsOption,
    ConfigOption,
    config_chain,
    config_chains,
    config_notifier,
    require_one_chain,
    wallets_and_loans,
)
from chainwatch.ens import is_name, parse_account
from chainwatch.errors import EXIT_UNREADABLE, UnreadableError
from chainwatch.export import decimal_text, readings_json
from chainwatch.loanbook import LoanBook, load_loan_book
from chainwatch.model import ChainReading, Position, all_positions
from chainwatch.render import health, percent, readings_table, short_address, whole_money
from chainwatch.risk.errors import RiskInputError
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import (
    PartialSnapshotError,
    chains_with_markets,
    raise_if_partial,
    read_chains,
    resolve_wallets,
)
from chainwatch.tablefit import Column, column_widths, compact_table, dropped_note, fit_columns
from chainwatch.timetext import parse_duration, parse_time

if TYPE_CHECKING:  # the history store and the watch loop load SQLAlchemy: only their commands import them
    from chainwatch.history.store import HistoryRow
    from chainwatch.watch import ChainResult, ChainWatch, Reading, Watch

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
WarnOption = Annotated[
    list[Decimal] | None,
    typer.Option(
        "--warn",
        help="Threshold as a fraction of the position's liquidation LTV (repeatable). Default 0.8, 0.9, 0.95.",
    ),
]
WalletsArgument = Annotated[list[str], typer.Argument(help="Wallet addresses (0x…) or ENS names (name.eth).")]
ConfigWalletsArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Wallet addresses (0x…) or ENS names (name.eth) [default: the config's wallets and loans]."),
]
LtvOption = Annotated[
    list[Decimal] | None,
    typer.Option("--ltv", help="Threshold as an absolute LTV instead, e.g. 0.65 (repeatable)."),
]


def _thresholds(
    warn: list[Decimal] | None, ltv: list[Decimal] | None, hysteresis: Decimal | None, book: LoanBook
) -> Thresholds:
    """--warn or --ltv, else the config's thresholds, else the defaults; --hysteresis over any."""
    if warn and ltv:
        raise RiskInputError("give thresholds either with --warn (of the liquidation LTV) or with --ltv, not both")
    configured = book.thresholds if not (warn or ltv) else None
    if configured:
        band = configured.hysteresis if hysteresis is None else hysteresis
        return Thresholds.build(configured.levels, relative=configured.relative, hysteresis=band)
    hysteresis = DEFAULT_HYSTERESIS if hysteresis is None else hysteresis
    if ltv:
        return Thresholds.build(ltv, relative=False, hysteresis=hysteresis)
    if warn:
        return Thresholds.build(warn, relative=True, hysteresis=hysteresis)
    return Thresholds.build(Thresholds().levels, relative=True, hysteresis=hysteresis)


def _accounts(addresses: list[str]) -> list[str]:
    """Wallet arguments checked before any request: addresses, or ENS names still to resolve."""
    return [parse_account(a) for a in addresses]


def _wallets(addresses: list[str], chains: Sequence[Chain], rpc: list[str] | None) -> list[str]:
    """Wallet arguments as addresses, ENS names resolved once, now (each shown on stderr), on
    the first of `chains` with an ENS registry (Ethereum's names name wallets on every chain);
    with none, the first chain refuses a name, naming itself. `rpc`: the one chain's endpoints.

    A watch or a backfill follows the wallet a name points to when it starts: its history and
    alert state are kept per address, and a past block may know the name as someone else's.
    """
    accounts = _accounts(addresses)
    registry = next((chain for chain in chains if chain.ens_registry), chains[0])
    wallets = resolve_wallets(registry, accounts, rpc=rpc or ())
    for account, wallet in zip(accounts, wallets):
        if is_name(account):
            stderr.print(f"{account} is {wallet}", highlight=False)
    return list(dict.fromkeys(wallets))


# --- watch ------------------------------------------------------------------------------


def _alert_cell(lines: list[Line]) -> str:
    if not lines:
        return "[green]ok[/]"
    top = lines[-1]
    colour = "bold red" if top.kind is LineKind.liquidation else "red"
    return f"[{colour}]{'LIQUIDATABLE' if top.kind is LineKind.liquidation else f'past {top.describe()}'}[/]"


def _status_table(reading: Reading, watch: Watch, width: int = 160) -> RenderableType:
    """The live display: each chain's positions under its block, each with the most severe line
    it is past; under each chain its read error and its oracle warnings. Every chain's table
    has the same columns at the same widths within `width` (whole columns dropped from all
    alike, never a cut figure), so the chains' figures line up."""
    results = [(chain, reading.of(chain.chain.name)) for chain in watch.chains]
    rows = {
        chain.chain.name: list(result.snapshot.positions) if result and result.snapshot else []
        for chain, result in results
    }
    positions = [position for chain_rows in rows.values() for position in chain_rows]

    def tables(chosen: Sequence[Column[Position]]) -> list[Table]:
        widths = column_widths(chosen, positions)
        return [
            compact_table(_chain_title(chain, result), chosen, rows[chain.chain.name], widths)
            for chain, result in results
        ]

    trackers = {id(p): chain.tracker for chain, _ in results for p in rows[chain.chain.name]}
    columns = _status_columns(lambda p: _alert_cell(trackers[id(p)].crossed(p)))
    kept = fit_columns(columns, tables, width)
    parts: list[RenderableType] = []
    for (_, result), table in zip(results, tables(kept), strict=True):
        snapshot = result.snapshot if result else None
        notes = [f"[red]read failed: {escape(result.error)}[/]"] if result and result.error else []
        notes += [f"[yellow]⚠ {escape(w)}[/]" for w in (snapshot.warnings if snapshot else ())]
        parts += [table, *(Text.from_markup(note) for note in notes)]
    note = dropped_note(columns, kept)
    return Group(*parts, *([note] if note else []))


def _chain_title(chain: ChainWatch, result: ChainResult | None) -> str:
    snapshot = result.snapshot if result else None
    if result is None:
        return f"{chain.chain.name} · waiting for the first reading"
    if snapshot is None:
        return f"{chain.chain.name} · not read"
    return f"{snapshot.chain} · block {snapshot.block_number} · {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC"


def _status_columns(alert: Callable[[Position], str]) -> list[Column[Position]]:
    """The live display's columns; `alert` is a position's alert cell (its own chain's lines)."""
    return [
        Column("account", lambda p: short_address(p.account), keep=8, justify="left"),
        Column("market", lambda p: escape(p.protocol), keep=7, justify="left"),
        Column("LTV", lambda p: percent(p.ltv), keep=6),
        Column("liq. LTV", lambda p: percent(p.liquidation_ltv), keep=3),
        Column("health", lambda p: health(p.health_factor), keep=5),
        Column("BTC price", lambda p: whole_money(p.btc_price_usd), keep=2),
        Column("liq. BTC", lambda p: whole_money(p.liquidation_price_btc), keep=4),
        Column("alert", alert, keep=9),
    ]


def _log_lines(reading: Reading) -> list[str]:
    """Plain lines per reading when stderr is not a terminal (logs, systemd, tests): one per
    chain, with its block or its read error, and its oracle warnings."""
    lines = []
    for result in reading.chains:
        snapshot = result.snapshot
        if snapshot is None:
            lines.append(f"{result.chain}: [red]read failed:[/] {escape(result.error or '')}")
            continue
        lines.append(
            f"{result.chain}: stored block {snapshot.block_number} ({snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC): "
            f"{len(snapshot.positions)} positions, {result.new_readings} new readings"
            + (f"; [red]not read:[/] {escape(result.error)}" if result.error else "")
        )
        lines += [f"[yellow]⚠ {escape(w)}[/]" for w in snapshot.warnings]
    return lines


_EVENT_COLOURS = {"failure": "bold red", "warning": "red", "info": "green", "success": "green"}


def _event_lines(reading: Reading) -> list[str]:
    """One line per event queued, per failed delivery, per notification pending too long."""
    lines = [
        f"[{_EVENT_COLOURS[q.event.notify_type]}]{q.event.kind.value}[/] #{q.outbox_id} {escape(q.notice.message.title)}"
        for q in reading.events
    ]
    lines += [
        f"[red](delivery of #{d.outbox_id} failed: {escape(d.error or 'not accepted')}; it will be retried)[/]"
        for d in reading.deliveries
        if not d.delivered
    ]
    lines += [_overdue_line(row) for row in reading.overdue]
    return lines


def _overdue_line(row: dict[str, Any]) -> str:
    error = f" (last error: {escape(row['last_error'])})" if row["last_error"] else ""
    return (
        f"[bold red]UNDELIVERED[/] #{row['id']} {escape(row['title'])}: pending since "
        f"{datetime.fromtimestamp(row['created_at'], UTC):%Y-%m-%d %H:%M:%S} UTC after {row['attempts']} attempt(s){error}"
    )


@app.command()
def watch(
    addresses: ConfigWalletsArgument = None,
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
        Decimal | None,
        typer.Option(
            help="How far under a threshold a position must fall to clear it (threshold units) "
            f"[default: the config's, else {DEFAULT_HYSTERESIS}]."
        ),
    ] = None,
    unreadable_after: Annotated[
        int, typer.Option(min=1, help="Notify that the watch cannot read after this many failed readings in a row.")
    ] = DEFAULT_UNREADABLE_AFTER,
    undelivered_after: Annotated[
        str, typer.Option(help="Report a notification still undelivered after this long (15m, 1h).")
    ] = "15m",
    heartbeat: Annotated[str | None, typer.Option(help='Also notify "still watching" this often, e.g. 24h.')] = None,
    chain: ConfigChainsOption = None,
    rpc: RpcOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Read positions every interval, store each snapshot, alert on threshold crossings.

    Every chain is read at once, each at its own block; a chain that cannot be read is shown
    and, after --unreadable-after failures, notified, while the others are still read. One
    watch per history database: a second one exits 1 naming the one running. With no wallet
    named, the config's wallets and CeFi loans; its thresholds, notify URLs and database apply
    where the command line gives none.
    """
    from chainwatch.history import HistoryStore
    from chainwatch.history.lock import watch_lock
    from chainwatch.watch import Reading, Watch

    interval = parse_duration(every).total_seconds()
    overdue_after = parse_duration(undelivered_after).total_seconds()
    beat = parse_duration(heartbeat).total_seconds() if heartbeat else None
    book = load_loan_book(config)
    thresholds = _thresholds(warn, ltv, hysteresis, book)
    notifier = config_notifier(notify, book)
    requested = config_chains(chain, book, address_book)
    require_one_chain(requested, {"--rpc": rpc})
    chains = chains_with_markets(requested, protocol or ())  # an unknown --protocol: bad input
    named, loans = wallets_and_loans(addresses, book, hint="wallet addresses")
    accounts = _wallets(named, chains, rpc)
    stop = threading.Event()
    signals: list[str] = []

    def request_stop(signum: int, _frame: Any) -> None:
        signals.append(signal.Signals(signum).name)
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C interrupts at once

    with HistoryStore.open(db or book.db) as store, watch_lock(store):
        previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        watcher = Watch(
            chains,
            accounts,
            store=store,
            thresholds=thresholds,
            notifier=notifier,
            rpc={chains[0].name: rpc} if rpc else None,
            protocols=protocol or (),
            unreadable_after=unreadable_after,
            undelivered_after=overdue_after,
            heartbeat=beat,
            loans=loans,
        )
        cefi = f" and {len(loans)} CeFi loan(s)" if loans else ""
        stderr.print(
            f"watching {len(accounts)} wallet(s){cefi} on {watcher.names} every {interval:g}s; history in {store.location}; "
            f"alerts to {', '.join(notifier.targets) or 'the terminal only'}",
            highlight=False,
            soft_wrap=True,
        )

        def log(reading: Reading) -> None:
            for line in _log_lines(reading) + _event_lines(reading):
                stderr.print(line, highlight=False, soft_wrap=True)

        count: int | None = None
        try:
            if stderr.is_terminal:
                with Live(_status_table(Reading(), watcher, stderr.width), console=stderr, auto_refresh=False) as live:

                    def show(reading: Reading) -> None:
                        live.update(_status_table(reading, watcher, stderr.width), refresh=True)
                        for line in _event_lines(reading):
                            live.console.print(line, highlight=False)

                    count = watcher.run(interval, stop, show)
            else:
                count = watcher.run(interval, stop, log)
        except KeyboardInterrupt:
            signals.append("SIGINT")
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            reason = f"stopped by {signals[0]}" if signals else "stopped"
            for line in _event_lines(watcher.stopped(reason)):
                stderr.print(line, highlight=False, soft_wrap=True)
    stderr.print("stopped" + (f" after {count} readings" if count is not None else ""), highlight=False)


# --- check ------------------------------------------------------------------------------


@app.command()
def check(
    addresses: ConfigWalletsArgument = None,
    warn: WarnOption = None,
    ltv: LtvOption = None,
    chain: ConfigChainsOption = None,
    rpc: RpcOption = None,
    block: BlockOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    record: Annotated[bool, typer.Option(help="Also store the reading in the history (--db).")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Read once, every chain at once: exit 3 past a threshold, 4 not all read, 0 all fine.

    Exit 3 when any position is past a threshold, else 4 when a chain or a position could not
    be read, 0 when all were read and all are fine.

    With several thresholds, "past" means past the lowest one (a CeFi loan's own lines count).
    With no wallet named, the config's wallets and CeFi loans. Meant for cron and CI.
    """
    book = load_loan_book(config)
    thresholds = _thresholds(warn, ltv, None, book)
    chains = config_chains(chain, book, address_book)
    require_one_chain(chains, {"--rpc": rpc, "--block": block})
    if output_format is OutputFormat.csv:
        raise RiskInputError("check writes a table or JSON; use `track --format csv` for CSV")
    accounts, loans = wallets_and_loans(addresses, book, hint="wallet addresses")
    endpoints = {c.name: rpc_urls(c, rpc or (), alongside_book=len(chains) > 1) for c in chains}
    readings = read_chains(chains, accounts, rpc=endpoints, block=block, protocols=protocol or (), loans=loans)
    if len(readings) == 1 and readings[0].error:  # one chain, blind: never "all fine", and nothing to show
        raise UnreadableError(f"could not read {readings[0].chain}: {readings[0].error}")
    if record:
        from chainwatch.history import HistoryStore

        with HistoryStore.open(db or book.db) as store:
            for reading in readings:
                if reading.snapshot:
                    store.save_snapshot(reading.snapshot, endpoints[reading.chain])
    positions = all_positions(readings)
    crossed = [thresholds.crossed(p) for p in positions]
    events = [
        Event(
            EventKind.liquidatable if lines[-1].kind is LineKind.liquidation else EventKind.crossed,
            p.chain,
            p,
            line=lines[-1],
            target_ltv=thresholds.safe_ltv(p),
        )
        for p, lines in zip(positions, crossed)
        if lines
    ]
    _emit_check(readings, thresholds, crossed, events, output_format, output, book.labels)
    failed = [r for r in readings if r.error]
    if failed and (output_format is OutputFormat.json or output):  # the table on the terminal shows them
        for reading in failed:
            message = escape(f"{reading.chain} could not be read: {reading.error}")
            stderr.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    if events:  # a position known to be in danger outranks one that could not be read
        raise typer.Exit(EXIT_PAST_THRESHOLD)
    for reading in readings:
        if reading.snapshot:
            raise_if_partial(reading.snapshot)
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def _emit_check(
    readings: list[ChainReading],
    thresholds: Thresholds,
    crossed: list[list[Line]],
    events: list[Event],
    output_format: OutputFormat,
    output: Any,
    labels: dict[str, str],
) -> None:
    """track's document or table (every chain under its block, a chain not read with its
    error), each position with the lines it is past; then a line per position in danger."""
    if output_format is OutputFormat.json:
        data = readings_json(readings)
        user_lines = {line.key for line in thresholds.lines}
        for position, lines, row in zip(all_positions(readings), crossed, data["positions"]):
            row["alert_level"] = sum(1 for line in lines if line.key in user_lines)
            row["past_threshold"] = bool(lines)
            row["liquidatable"] = any(line.kind is LineKind.liquidation for line in lines)
            row["lines_crossed"] = [line.key for line in lines]
            row["threshold_ltv"] = decimal_text(thresholds.lines[0].as_ltv(position))
        data["past_threshold"] = bool(events)
        emit(json.dumps(data, indent=2) + "\n", output)
        return
    text = [render_text(readings_table(readings, width=TEXT_FILE_WIDTH, labels=labels))] if output else []
    if not output:
        stdout.print(readings_table(readings, width=stdout.width, labels=labels))
    for event in events:  # the notification's title, then what to do: the table has the figures
        message = compose(event)
        label = "LIQUIDATABLE" if event.kind is EventKind.liquidatable else "PAST THRESHOLD"
        what = message.title.split(": ", 1)[1]
        text.append("\n".join([f"{label}: {what}", *(f"  {action}" for action in message.actions)]) + "\n")
        if not output:
            stdout.print(f"[red]{label}[/] {escape(what)}", highlight=False)
            for action in message.actions:
                stdout.print(f"  {escape(action)}", highlight=False)
    unread = [r.chain for r in readings if r.error]
    if not events and not output and unread:  # fine as far as it could see: say how far that was
        stderr.print(
            f"{'the 1 position read is' if len(crossed) == 1 else f'the {len(crossed)} positions read are'} "
            f"below {thresholds.lines[0].describe()}; "
            f"[red]not read: {escape(', '.join(unread))}[/]",
            highlight=False,
            soft_wrap=True,
        )
    elif not events and not output:
        stderr.print(f"all {len(crossed)} positions below {thresholds.lines[0].describe()}")
    if output:
        emit("\n".join(text), output)


# --- history ----------------------------------------------------------------------------


@app.command()
def history(
    address: Annotated[
        str | None,
        typer.Argument(
            help="Wallet address (0x…) or ENS name (name.eth) [default: the config's wallets and loans; "
            "every wallet with --alerts]."
        ),
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this date or time (UTC), e.g. 2026-01-31.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date or time (UTC).")] = None,
    chain: Annotated[
        str | None,
        typer.Option("--chain", help="Only this chain (default: all). An ENS name resolves on it (default: ethereum)."),
    ] = None,
    alerts: Annotated[
        bool, typer.Option("--alerts", help="Show the notifications instead, sent and pending (the outbox).")
    ] = False,
    output_format: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    plot: Annotated[
        Path | None,
        typer.Option(callback=page_option_path, help="Also draw the LTV chart to this .png, .svg or .html file."),
    ] = None,
    db: DbOption = None,
    rpc: RpcOption = None,
    address_book: AddressBookOption = None,
    config: ConfigOption = None,
) -> None:
    """Stored readings over time, or (--alerts) every notification and whether it was delivered.

    LTV, health factor, BTC price, debt and collateral from the history database; with no wallet
    named, of the config's wallets and CeFi loans.
    """
    from chainwatch.history import HistoryStore
    from chainwatch.history.plot import write_plot
    from chainwatch.history.report import history_csv, history_document, history_table
    from chainwatch.history.store import existing_database

    book = load_loan_book(config)
    account = parse_account(address) if address else None
    if account and is_name(account):
        (account,) = _wallets([account], [config_chain(chain, book, address_book)], rpc)
    if alerts:
        _emit_alerts(db or book.db, account, chain, output_format, output)
        return
    if account is None and not (book.wallets or book.loans):
        raise OptionValueError(
            "give a wallet address, wallets and loans in the config file, or --alerts for the notifications "
            "of every wallet"
        )
    named, loans = wallets_and_loans([account] if account else None, book, hint="a wallet address, or --alerts")
    if any(is_name(owner) for owner in named):
        named = _wallets(named, [config_chain(chain, book, address_book)], rpc)
    first, last = (parse_time(since) if since else None), (parse_time(until) if until else None)
    rows: list[HistoryRow] = []
    database = existing_database(db or book.db)  # none yet: nothing stored, and none created
    if database is not None:
        with HistoryStore.open(database) as store:

            def stored(owner: str) -> list[HistoryRow]:
                return store.history(owner, chain=chain, since=first, until=last)

            rows = [row for owner in named for row in stored(owner)]
            names = {loan.name for loan in loans}  # a CeFi loan's account is its label, often empty
            for label in dict.fromkeys(loan.label for loan in loans):
                rows += [row for row in stored(label) if row.market in names]
    rows.sort(key=lambda row: (row.timestamp, row.block_number, row.account, row.protocol, row.market))
    if plot:
        write_plot(rows, plot)
        stderr.print(f"wrote {plot}")
    emit_rows(
        rows,
        output_format,
        output,
        document=lambda: history_document(account, chain, rows),
        csv=lambda: history_csv(rows),
        table=lambda width: history_table(rows, width),
        nothing=f"no history for {account or 'the config file'}: run `chainwatch watch` or `chainwatch backfill` first",
    )


def _emit_alerts(
    db: str | None, account: str | None, chain: str | None, output_format: OutputFormat, output: Any
) -> None:
    from chainwatch.history import HistoryStore
    from chainwatch.history.alerts_report import alerts_csv, alerts_document, alerts_table
    from chainwatch.history.outbox import alert_log
    from chainwatch.history.store import existing_database

    rows: list[dict[str, Any]] = []
    database = existing_database(db)  # none yet: nothing queued, and none created
    if database is not None:
        with HistoryStore.open(database) as store:
            rows = alert_log(store, account, chain)
    emit_rows(
        rows,
        output_format,
        output,
        document=lambda: alerts_document(account, chain, rows),
        csv=lambda: alerts_csv(rows),
        table=lambda width: alerts_table(rows, width),
        nothing="no notifications stored: `chainwatch watch` queues them",
    )


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
    accounts = _wallets(addresses, [chain_config], rpc)
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
