"""`chainwatch devnet up|down|status|price|time` and `chainwatch demo`, over both local chains
(the devnet and devnet-l2).

The devnet package drives anvil through web3, which takes a second to import: every command
here imports it when it runs, so `chainwatch --help` never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chainwatch.cli.app import app, parse_decimal, stderr, stdout
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.ports import DEFAULT_PORT

if TYPE_CHECKING:
    from types import ModuleType

    from chainwatch.devnet.service import DevnetInfo
    from chainwatch.model import Position

devnet_app = typer.Typer(
    help="The two local chains, devnet and devnet-l2, with real protocol bytecode.", no_args_is_help=True
)
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
    """Start the local chains if needed, and show the demo wallets' positions on both."""
    from chainwatch.chains import get_chains

    devnet = _service()
    from chainwatch.errors import UnreadableError
    from chainwatch.export import readings_csv
    from chainwatch.files import write_atomic
    from chainwatch.model import all_positions
    from chainwatch.render import readings_table
    from chainwatch.snapshot import read_chains

    infos = devnet.up(port=port)
    wallets: dict[str, str] = {}
    for info in infos:  # the same label is the same account on every chain
        wallets.update(info.deployment.demo_wallets)
    chains = get_chains([info.chain.name for info in infos])
    readings = read_chains(chains, list(wallets.values()), rpc={info.chain.name: [info.rpc_url] for info in infos})
    for reading in readings:
        if reading.error:
            raise UnreadableError(f"{reading.chain} could not be read: {reading.error}")
    positions = all_positions(readings)
    stdout.print(readings_table(readings, width=stdout.width))
    stdout.print(_wallet_guide(wallets, positions))
    write_atomic(csv_path, readings_csv(readings))
    stderr.print(f"wrote {len(positions)} positions on {len(readings)} chains to {csv_path.resolve()}")


def _wallet_guide(wallets: Mapping[str, str], positions: Sequence[Position]) -> str:
    """The demo wallets by label with their full addresses and what each holds on which chain,
    then three commands to try: what a newcomer needs to go on from the table."""
    from chainwatch.render import percent

    lines = ["", "Demo wallets (label, address, then each loan on its own line):"]
    for label, account in wallets.items():
        loans = [p for p in positions if p.account.lower() == account.lower()]
        lines.append(f"  {label}  {account}  {'' if loans else 'holds WBTC, no loan'}".rstrip())
        lines += [
            f"       {p.chain} {p.protocol}: {' + '.join(h.asset.symbol for h in p.collateral)} backing "
            f"{' + '.join(h.asset.symbol for h in p.debt)}, LTV {percent(p.ltv)}"
            for p in loans
        ]
    first = next(iter(wallets.values()))
    lines += [
        "",
        "Try next: A's loans on both chains at once; BTC at $40,000 on every protocol's oracle of",
        "both chains; a check that exits 3 once A's LTV is past 50%:",
        f"  chainwatch track {first} --chain devnet --chain devnet-l2",
        "  chainwatch devnet price BTC 40000",
        f"  chainwatch check {first} --chain devnet --ltv 0.5",
    ]
    return "\n".join(lines)


def _say_running(infos: Sequence[DevnetInfo]) -> None:
    for info in infos:
        stderr.print(f"{info.chain.name} running at {info.rpc_url} (pid {info.pid}, block {info.block})")


@devnet_app.command("up")
def devnet_up(
    port: Annotated[int, typer.Option(help="Port of the devnet; devnet-l2 listens on the next one.")] = DEFAULT_PORT,
) -> None:
    """Start the local chains, devnet and devnet-l2 (built and cached on first use)."""
    _say_running(_service().up(port=port))


@devnet_app.command("down")
def devnet_down() -> None:
    """Stop the local chains this tool started."""
    devnet = _service()

    stderr.print("devnet stopped" if devnet.down() else "no devnet running")


@devnet_app.command("status")
def devnet_status() -> None:
    """Say whether the local chains are running."""
    infos = _service().statuses()
    if infos:
        _say_running(infos)
    else:
        stderr.print("no devnet running")


def _running() -> list[DevnetInfo]:
    infos: list[DevnetInfo] = _service().statuses()
    if not infos:
        raise DevnetError("no devnet running: start it with `chainwatch devnet up`")
    return infos


@devnet_app.command("price")
def devnet_price(
    asset: Annotated[str, typer.Argument(help="BTC, ETH or USDC (against USD), or a pair such as WBTC/BTC.")],
    price: Annotated[str, typer.Argument(help="The new price, e.g. 40000.")],
) -> None:
    """Set a price feed on every running local chain that has it; every protocol's oracle reads
    these feeds."""
    from chainwatch.devnet.controls import published_feeds, set_feed_price

    infos = _running()
    wanted = (asset if "/" in asset else f"{asset}/USD").upper()
    # pair as each chain names it (cbBTC/BTC) -> (chain, feed); matched without regard to case
    found = [
        (info, pair, feed)
        for info in infos
        for pair, feed in published_feeds(info.deployment).items()
        if pair.upper() == wanted
    ]
    if not found:
        every = sorted({pair for info in infos for pair in published_feeds(info.deployment)})
        raise DevnetError(f"no devnet feed {wanted!r} (feeds: {', '.join(every)})")
    value = parse_decimal("price", price)
    if value <= 0:
        raise DevnetError(f"price must be above zero, got {price}")
    moved = []
    for info, pair, feed in found:
        try:
            receipt = set_feed_price(info.web3(), feed, value)
        except ValueError as exc:
            raise DevnetError(f"price {price}: {exc}") from None
        moved.append(f"{info.chain.name} block {receipt['blockNumber']}")
    stderr.print(f"{found[0][1]} = {value:,} from {', '.join(moved)}")


@devnet_app.command("time")
def devnet_time(
    duration: Annotated[str, typer.Argument(help="How far to move the clock: +7d, 12h, 30m, 3600.")],
) -> None:
    """Move the running local chains' clocks forward, so interest accrues; the feeds publish
    their current prices again at the new time, as Chainlink's heartbeat would."""
    from datetime import UTC, datetime

    from chainwatch.devnet.controls import advance_time, republish_feeds
    from chainwatch.timetext import parse_duration

    seconds = int(parse_duration(duration).total_seconds())
    for info in _running():
        w3 = info.web3()
        now = advance_time(w3, seconds)
        republish_feeds(w3, info.deployment)
        stderr.print(
            f"{info.chain.name} time is {datetime.fromtimestamp(now, UTC):%Y-%m-%d %H:%M:%S} UTC (+{duration.lstrip('+')})"
        )
