"""`chainwatch serve`: the local dashboard in a browser, read-only, on this machine by default.

Starlette, uvicorn and Jinja2 are imported when the command runs, never for `--help`.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from chainwatch.cli.app import (
    AddressBookOption,
    AddressesArgument,
    ProtocolOption,
    RpcOption,
    WalletsFileOption,
    app,
    parse_decimal,
    parse_optional_decimal,
    stderr,
)
from chainwatch.cli.config import ConfigOption, config_chains, wallets_and_loans
from chainwatch.cli.track import WalletsFileError, read_wallets_file
from chainwatch.dashboard.access import is_loopback, new_token
from chainwatch.ens import parse_account
from chainwatch.errors import ChainwatchError
from chainwatch.loanbook import load_loan_book
from chainwatch.risk.scenarios import StatusBands
from chainwatch.timetext import parse_duration

MIN_EVERY_SECONDS = 2
# --from-watch: how often the watch's database is looked at for a new reading.
POLL_SECONDS = 5.0


class ListenError(ChainwatchError):
    """The address and port cannot be listened on (in use, not this machine's, no permission)."""


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, opened before anything else so a busy port is one line, not a log."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, reuse_port=False)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


ChainsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--chain",
        help="Chain from the address book (repeatable; default: the config's chains, else every built-in "
        "mainnet, read at once).",
    ),
]


@app.command()
def serve(
    addresses: AddressesArgument = None,
    wallets: WalletsFileOption = None,
    chain: ChainsOption = None,
    rpc: RpcOption = None,
    protocol: ProtocolOption = None,
    address_book: AddressBookOption = None,
    db: Annotated[
        str | None,
        typer.Option(help="History database (path or SQLAlchemy URL) that `watch` writes [default: the config's db]."),
    ] = None,
    from_watch: Annotated[
        bool,
        typer.Option(
            "--from-watch",
            help="Show the readings a running `watch` stores in --db instead of reading the chains; "
            "--every is then the watch's interval.",
        ),
    ] = False,
    every: Annotated[str, typer.Option(help="Read the chains every: 60, 90s, 5m.")] = "60",
    volatility: Annotated[
        str | None, typer.Option(help="Yearly BTC volatility for the outlook, e.g. 0.55 [default: each chain's feed].")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on; not loopback needs the printed token.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8787,
    warning_hf: Annotated[str, typer.Option(help="Warning below this health factor.")] = "1.5",
    margin_call_hf: Annotated[str, typer.Option(help="Margin call below this health factor.")] = "1.1",
    config: ConfigOption = None,
) -> None:
    """A local, read-only dashboard of every loan in the browser.

    Every loan of the loan book on every chain: its danger, outlook, history and alerts. With no
    wallet named: the config's wallets and CeFi loans.
    """
    book = load_loan_book(config)
    named = [parse_account(a) for a in addresses or ()]
    if wallets:
        named += read_wallets_file(wallets)
        if not named:
            raise WalletsFileError(f"{wallets}: no wallets in the file")
    accounts, loans = wallets_and_loans(named, book, hint="wallet addresses, or --wallets FILE")
    chains = config_chains(chain, book, address_book)
    if rpc and len(chains) > 1:
        raise typer.BadParameter("needs exactly one --chain (one endpoint serves one chain)", param_hint="--rpc")
    if from_watch:
        _refuse_chain_reads(accounts, rpc)
    interval = parse_duration(every).total_seconds()
    if interval < MIN_EVERY_SECONDS:
        raise typer.BadParameter(f"at least {MIN_EVERY_SECONDS} seconds, got {every}", param_hint="--every")
    bands = StatusBands(parse_decimal("--warning-hf", warning_hf), parse_decimal("--margin-call-hf", margin_call_hf))
    given_volatility = parse_optional_decimal("--volatility", volatility)
    if given_volatility is not None and given_volatility <= 0:
        raise typer.BadParameter(f"must be more than zero, got {volatility}", param_hint="--volatility")
    token = None if is_loopback(host) else new_token()

    from chainwatch.dashboard.history import HistorySource
    from chainwatch.dashboard.reading import Target, read_live, read_stored

    target = Target(
        chains=tuple(chains),
        accounts=tuple(accounts),
        loans=tuple(loans),
        rpc={chains[0].name: tuple(rpc)} if rpc else {},
        protocols=tuple(protocol or ()),
        address_book=address_book,
        bands=bands,
        volatility=given_volatility,
        labels=book.labels,
    )
    history = HistorySource(db or book.db)
    sock = listen(host, port)

    import uvicorn

    from chainwatch.dashboard.app import Dashboard, create_app
    from chainwatch.dashboard.state import LiveState

    names = [(c.name, c.chain_id) for c in chains]
    if from_watch:
        # The database is checked every few seconds; figures are stale after two of the watch's intervals.
        state = LiveState(lambda: read_stored(target, history), min(interval, POLL_SECONDS), names, interval)
        source = f"from the watch's database {history.location}, checked every {state.every.total_seconds():g} s"
    else:
        state = LiveState(lambda: read_live(target), interval, names)
        source = f"read every {interval:g} s; history from {history.location}"
    application = create_app(Dashboard(target, state, history, token, from_watch))
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    address = f"http://{shown_host}:{sock.getsockname()[1]}/"
    cefi = f" and {len(loans)} CeFi loan(s)" if loans else ""
    stderr.print(
        f"chainwatch dashboard at {address} — {len(accounts)} wallet(s){cefi} on {', '.join(n for n, _ in names)}, "
        f"{source}; Ctrl-C stops",
        highlight=False,
        soft_wrap=True,
    )
    if token:
        stderr.print(
            f"{host} is reachable from other machines: every request needs this token, shown only now.\n"
            f"open {address}?token={token}",
            highlight=False,
            soft_wrap=True,
        )
    state.start()
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", access_log=False, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        state.stop()
        history.close()
        sock.close()


def _refuse_chain_reads(accounts: list[str], rpc: list[str] | None) -> None:
    """--from-watch reads no chain: an endpoint is a contradiction, and an ENS name could not be
    looked up (the watch stored the address it resolved to)."""
    if rpc:
        raise typer.BadParameter("--from-watch reads no chain: no endpoint to give", param_hint="--rpc")
    names = [account for account in accounts if not account.startswith("0x")]
    if names:
        raise typer.BadParameter(
            f"{names[0]}: --from-watch reads no chain, so no ENS name is looked up: give its address",
            param_hint="ADDRESSES",
        )
