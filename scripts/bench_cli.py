"""Benchmark: what a user waits for, the `chainwatch` command timed as a process.

Beside the baseline `python -c "import typer, rich"` on the same machine (and, for reference, a
two-command typer app printing its --help, the floor any typer CLI pays), it times
`chainwatch --help`, `chainwatch track` of one devnet wallet, and `chainwatch track --wallets
FILE --format json` of N wallets with Aave loans (scripts/bench_wallets.py fills a private
devnet), each the median of `--repeats` runs, and counts the HTTP requests of the N-wallet
track through a local counting proxy.

    .venv/bin/python scripts/bench_cli.py [--wallets 1000] [--repeats 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]  # our scripts, and the tests package (its proxy)

from bench_track import MARKETS, machine  # noqa: E402
from bench_wallets import Market, populate, wallet  # noqa: E402

from chainwatch.devnet.service import start  # noqa: E402
from tests.helpers.fault_proxy import FaultProxy  # noqa: E402  (with no fault scheduled it only forwards and counts)

CHAINWATCH = str(Path(sys.executable).with_name("chainwatch"))
MINIMAL_TYPER_APP = """
import typer
app = typer.Typer(no_args_is_help=True)
@app.command()
def one(name: str) -> None:
    "One command."
@app.command()
def two() -> None:
    "Another."
app()
"""


def median_seconds(argv: list[str], repeats: int) -> float:
    """Median wall time of running `argv` as a process, output discarded; it must succeed."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    options = parser.parse_args()

    with start() as info, tempfile.TemporaryDirectory() as folder:
        deployment = info.deployment
        markets = [Market(name, deployment.markets[name].pool) for name in MARKETS]
        populate(info.rpc_url, deployment.tokens, markets, options.wallets)
        wallets_file = Path(folder) / "wallets.txt"
        wallets_file.write_text("".join(f"{wallet(i)}\n" for i in range(options.wallets)))
        block = str(info.web3().eth.block_number)
        track = [CHAINWATCH, "track", "--chain", "devnet", "--block", block, "--format", "json"]
        one = [*track, "--rpc", info.rpc_url, deployment.demo_wallets["A"]]
        many = [*track, "--rpc", info.rpc_url, "--wallets", str(wallets_file)]

        baseline = median_seconds([sys.executable, "-c", "import typer, rich"], options.repeats)
        rows = [
            ('`python -c "import typer, rich"` (baseline)', baseline),
            (
                "a two-command typer app's `--help`",
                median_seconds([sys.executable, "-c", MINIMAL_TYPER_APP, "--help"], options.repeats),
            ),
            ("`chainwatch --help`", median_seconds([CHAINWATCH, "--help"], options.repeats)),
            ("`chainwatch track --help`", median_seconds([CHAINWATCH, "track", "--help"], options.repeats)),
            ("`chainwatch track` 1 wallet", median_seconds(one, options.repeats)),
            (f"`chainwatch track --wallets` {options.wallets:,} wallets", median_seconds(many, options.repeats)),
        ]
        with FaultProxy(info.rpc_url) as proxy:
            counted = [*track, "--rpc", proxy.url, "--wallets", str(wallets_file)]
            subprocess.run(counted, stdout=subprocess.DEVNULL, check=True)
            requests_made = len(proxy.served)

    lines = [
        f"Machine: {machine()}. Medians of {options.repeats} runs.",
        "",
        "| command | seconds | × baseline | − baseline |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {seconds:.3f} | {seconds / baseline:.1f}× | {seconds - baseline:+.3f} s |"
            for name, seconds in rows
        ),
        "",
        f"HTTP requests of the {options.wallets:,}-wallet track: {requests_made}.",
    ]
    table = "\n".join(lines)
    print(table)
    if options.out:
        options.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
