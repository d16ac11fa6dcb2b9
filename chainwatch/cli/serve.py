"""`chainwatch serve`: the local dashboard in a browser, read-only, on this machine by default.

Starlette, uvicorn and Jinja2 are imported when the command runs, never for `--help`.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from chainwatch.chains import get_chain
from chainwatch.cli.app import (
    AddressBookOption,
    AddressesArgument,
    ChainOption,
    RpcOption,
    WalletsFileOption,
    app,
    parse_decimal,
    stderr,
)
from chainwatch.cli.track import WalletsFileError, read_wallets_file
from chainwatch.dashboard.access import is_loopback, new_token
from chainwatch.ens import parse_account
from chainwatch.errors import ChainwatchError
from chainwatch.risk.scenarios import StatusBands
from chainwatch.timetext import parse_duration

MIN_EVERY_SECONDS = 2


class ListenError(ChainwatchError):
    """The address and port cannot be listened on (in use, not this machine's, no permission)."""


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, opened before anything else so a busy port is one line, not a log."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, reuse_port=False)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@app.command()
def serve(
    addresses: AddressesArgument = None,
    wallets: WalletsFileOption = None,
    chain: ChainOption = "ethereum",
    rpc: RpcOption = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", help="Only these markets: a family (aave-v3) or a name (spark)."),
    ] = None,
    address_book: AddressBookOption = None,
    db: Annotated[
        str | None, typer.Option(help="History database (path or SQLAlchemy URL) that `watch` writes.")
    ] = None,
    every: Annotated[str, typer.Option(help="Read the chain every: 60, 90s, 5m.")] = "60",
    host: Annotated[str, typer.Option(help="Address to listen on; not loopback needs the printed token.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8787,
    warning_hf: Annotated[str, typer.Option(help="Warning below this health factor.")] = "1.5",
    margin_call_hf: Annotated[str, typer.Option(help="Margin call below this health factor.")] = "1.1",
) -> None:
    """A local dashboard: every loan, its danger, outlook, history and alerts, in the browser."""
    accounts = [parse_account(a) for a in addresses or ()]
    if wallets:
        accounts += read_wallets_file(wallets)
    if not addresses and not wallets:
        raise typer.BadParameter("give wallet addresses, or --wallets FILE", param_hint="ADDRESSES")
    if not accounts:
        raise WalletsFileError(f"{wallets}: no wallets in the file")
    interval = parse_duration(every).total_seconds()
    if interval < MIN_EVERY_SECONDS:
        raise typer.BadParameter(f"at least {MIN_EVERY_SECONDS} seconds, got {every}", param_hint="--every")
    bands = StatusBands(parse_decimal("--warning-hf", warning_hf), parse_decimal("--margin-call-hf", margin_call_hf))
    token = None if is_loopback(host) else new_token()

    from chainwatch.dashboard.history import HistorySource
    from chainwatch.dashboard.reading import Target, read_all

    target = Target(
        chain=get_chain(chain, address_book),
        accounts=tuple(accounts),
        rpc=tuple(rpc or ()),
        protocols=tuple(protocol or ()),
        address_book=address_book,
        bands=bands,
    )
    history = HistorySource(db)
    sock = listen(host, port)

    import uvicorn

    from chainwatch.dashboard.app import Dashboard, create_app
    from chainwatch.dashboard.state import LiveState

    state = LiveState(lambda: read_all(target), interval)
    application = create_app(Dashboard(target, state, history, token))
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    address = f"http://{shown_host}:{sock.getsockname()[1]}/"
    stderr.print(
        f"chainwatch dashboard at {address} — {len(accounts)} wallet(s) on {chain}, read every {interval:g} s; "
        f"history from {history.location}; Ctrl-C stops",
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
