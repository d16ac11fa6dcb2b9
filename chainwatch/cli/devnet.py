"""`chainwatch devnet up|down|status` and `chainwatch demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainwatch import devnet
from chainwatch.chains import get_chain
from chainwatch.cli.app import app, stderr, stdout
from chainwatch.export import snapshot_csv
from chainwatch.files import write_atomic
from chainwatch.render import positions_table
from chainwatch.snapshot import read_snapshot

devnet_app = typer.Typer(help="The local chain with real protocol bytecode.", no_args_is_help=True)
app.add_typer(devnet_app, name="devnet")

PortOption = Annotated[int, typer.Option(help="Port of the local chain.")]


@app.command()
def demo(
    port: PortOption = devnet.DEFAULT_PORT,
    csv_path: Annotated[Path, typer.Option("--csv", help="Where to write the CSV.")] = Path("positions.csv"),
) -> None:
    """Start the local chain if needed, and show the demo wallets' positions."""
    info = devnet.up(port=port)
    snapshot = read_snapshot(get_chain("devnet"), list(info.deployment.demo_wallets.values()), rpc=[info.rpc_url])
    stdout.print(positions_table(snapshot))
    write_atomic(csv_path, snapshot_csv(snapshot))
    stderr.print(f"wrote {len(snapshot.positions)} positions to {csv_path.resolve()}")


@devnet_app.command("up")
def devnet_up(port: PortOption = devnet.DEFAULT_PORT) -> None:
    """Start the local chain (built and cached on first use)."""
    info = devnet.up(port=port)
    stderr.print(f"devnet running at {info.rpc_url} (pid {info.pid}, block {info.block})")


@devnet_app.command("down")
def devnet_down() -> None:
    """Stop the local chain this tool started."""
    stderr.print("devnet stopped" if devnet.down() else "no devnet running")


@devnet_app.command("status")
def devnet_status() -> None:
    """Say whether the local chain is running."""
    info = devnet.status()
    if info is None:
        stderr.print("no devnet running")
    else:
        stderr.print(f"devnet running at {info.rpc_url} (pid {info.pid}, block {info.block})")
