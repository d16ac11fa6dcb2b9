"""`chainwatch devnet up|down|status|price|time` and `chainwatch demo`.

The devnet package drives anvil through web3, which takes a second to import: every command
here imports it when it runs, so `chainwatch --help` never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chainwatch.cli.app import app, parse_decimal, stderr, stdout
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.ports import DEFAULT_PORT

if TYPE_CHECKING:
    from types import ModuleType

    from chainwatch.devnet.service import DevnetInfo
    from chainwatch.model import Snapshot

devnet_app = typer.Typer(help="The local chain with real protocol bytecode.", no_args_is_help=True)
app.add_typer(devnet_app, name="devnet")

PortOption = Annotated[int, typer.Option(help="Port of the local chain.")]


def _service() -> ModuleType:
    """The devnet service, or a one-line error where the `devnet` extra (web3) is not installed."""
    try:
        from chainwatch.devnet import service
    except ModuleNotFoundError as exc:
        raise DevnetError(f"the local chain needs {exc.name}: pip install 'chainwatch[devnet]'") from None
    return service


@app.command()
def demo(
    port: PortOption = DEFAULT_PORT,
    csv_path: Annotated[Path, typer.Option("--csv", help="Where to write the CSV.")] = Path("positions.csv"),
) -> None:
    """Start the local chain if needed, and show the demo wallets' positions."""
    from chainwatch.chains import get_chain

    devnet = _service()
    from chainwatch.export import snapshot_csv
    from chainwatch.files import write_atomic
    from chainwatch.render import positions_table
    from chainwatch.snapshot import read_snapshot

    info = devnet.up(port=port)
    wallets = info.deployment.demo_wallets
    snapshot = read_snapshot(get_chain("devnet"), list(wallets.values()), rpc=[info.rpc_url])
    stdout.print(positions_table(snapshot, width=stdout.width))
    stdout.print(_wallet_guide(wallets, snapshot))
    write_atomic(csv_path, snapshot_csv(snapshot))
    stderr.print(f"wrote {len(snapshot.positions)} positions to {csv_path.resolve()}")


def _wallet_guide(wallets: Mapping[str, str], snapshot: Snapshot) -> str:
    """The demo wallets by label with their full addresses and what each holds, then three
    commands to try: what a newcomer needs to go on from the table."""
    from chainwatch.render import percent

    lines = ["", "Demo wallets (label, address, its loans):"]
    for label, account in wallets.items():
        loans = [p for p in snapshot.positions if p.account.lower() == account.lower()]
        held = "; ".join(
            f"{p.protocol}: {' + '.join(h.asset.symbol for h in p.collateral)} backing "
            f"{' + '.join(h.asset.symbol for h in p.debt)}, LTV {percent(p.ltv)}"
            for p in loans
        )
        lines.append(f"  {label}  {account}  {held or 'holds WBTC, no loan'}")
    first = next(iter(wallets.values()))
    lines += [
        "",
        "Try next: what BTC falls of 15/30/50% do to A's loan; BTC at $40,000 on every protocol's",
        "oracle; a check that exits 3 once A's LTV is past 50%:",
        f"  chainwatch risk {first} --chain devnet",
        "  chainwatch devnet price BTC 40000",
        f"  chainwatch check {first} --chain devnet --ltv 0.5",
    ]
    return "\n".join(lines)


@devnet_app.command("up")
def devnet_up(port: PortOption = DEFAULT_PORT) -> None:
    """Start the local chain (built and cached on first use)."""
    devnet = _service()

    info = devnet.up(port=port)
    stderr.print(f"devnet running at {info.rpc_url} (pid {info.pid}, block {info.block})")


@devnet_app.command("down")
def devnet_down() -> None:
    """Stop the local chain this tool started."""
    devnet = _service()

    stderr.print("devnet stopped" if devnet.down() else "no devnet running")


@devnet_app.command("status")
def devnet_status() -> None:
    """Say whether the local chain is running."""
    devnet = _service()

    info = devnet.status()
    if info is None:
        stderr.print("no devnet running")
    else:
        stderr.print(f"devnet running at {info.rpc_url} (pid {info.pid}, block {info.block})")


def _running() -> DevnetInfo:
    devnet = _service()

    info = devnet.status()
    if info is None:
        raise DevnetError("no devnet running: start it with `chainwatch devnet up`")
    return info


@devnet_app.command("price")
def devnet_price(
    asset: Annotated[str, typer.Argument(help="BTC, ETH or USDC (against USD), or a pair such as WBTC/BTC.")],
    price: Annotated[str, typer.Argument(help="The new price, e.g. 40000.")],
) -> None:
    """Set a price feed of the running devnet; every protocol's oracle reads these feeds."""
    from chainwatch.devnet.controls import published_feeds, set_feed_price

    info = _running()
    feeds = published_feeds(info.deployment)
    pair = asset.upper() if "/" in asset else f"{asset.upper()}/USD"
    if pair not in feeds:
        raise DevnetError(f"no devnet feed {pair!r} (feeds: {', '.join(sorted(feeds))})")
    value = parse_decimal("price", price)
    if value <= 0:
        raise DevnetError(f"price must be above zero, got {price}")
    try:
        receipt = set_feed_price(info.web3(), feeds[pair], value)
    except ValueError as exc:
        raise DevnetError(f"price {price}: {exc}") from None
    stderr.print(f"{pair} = {value:,} from block {receipt['blockNumber']}")


@devnet_app.command("time")
def devnet_time(
    duration: Annotated[str, typer.Argument(help="How far to move the clock: +7d, 12h, 30m, 3600.")],
) -> None:
    """Move the running devnet's clock forward, so interest accrues; the feeds publish their
    current prices again at the new time, as Chainlink's heartbeat would."""
    from datetime import UTC, datetime

    from chainwatch.devnet.controls import advance_time, republish_feeds
    from chainwatch.timetext import parse_duration

    seconds = int(parse_duration(duration).total_seconds())
    info = _running()
    w3 = info.web3()
    now = advance_time(w3, seconds)
    republish_feeds(w3, info.deployment)
    stderr.print(f"devnet time is {datetime.fromtimestamp(now, UTC):%Y-%m-%d %H:%M:%S} UTC (+{duration.lstrip('+')})")
