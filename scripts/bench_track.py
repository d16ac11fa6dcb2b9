"""Benchmark: chainwatch's track against a naive web3.py reader and a hand-built Multicall3 floor.

On a private devnet (real Aave v3 bytecode, markets aave-v3 and spark) it opens N WBTC-backed
loans for N = 10, 100, 1,000, 5,000 (scripts/bench_wallets.py), pins one block, and reads exactly
the same data three ways:

- chainwatch: `read_snapshot`, the library call behind `chainwatch track --wallets FILE`;
- naive: web3.py contract objects, one `.call()` per read, the reads chainwatch makes;
- floor: one pass of those reads as hand-built aggregate3 eth_calls (as few as anvil's 2 MiB
  request limit allows), encoded and decoded with eth-abi directly, nothing else; the read list
  is handed to it ready-made, so it pays for no planning and no dependent rounds.

Per N it prints the median wall time of `--repeats` runs of each (direct to the node), the
ratios, the HTTP requests of each (one more run through a local counting proxy, under
tracemalloc for the peak Python memory), and checks that the three agree on every balance.

    .venv/bin/python scripts/bench_track.py [--sizes 10,100,1000,5000] [--repeats 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from eth_abi import decode, encode
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]  # our scripts, and the tests package (its proxy)

from bench_wallets import Market, populate, wallet  # noqa: E402

from chainwatch.abi import function, load_abi  # noqa: E402
from chainwatch.chain import Chain  # noqa: E402
from chainwatch.chains import get_chain  # noqa: E402
from chainwatch.devnet import toolchain  # noqa: E402
from chainwatch.devnet.service import start  # noqa: E402
from chainwatch.snapshot import read_snapshot  # noqa: E402
from tests.helpers.fault_proxy import FaultProxy  # noqa: E402  (with no fault scheduled it only forwards and counts)

MARKETS = ("aave-v3", "spark")
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
FLOOR_GAS = 10**10  # anvil gives an eth_call whatever gas it asks for
FLOOR_REQUEST_BYTES = 1_800_000  # anvil refuses request bodies over 2 MiB
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"

# (market, account, "collateral"/"debt", asset) -> raw amount; the three readers must agree.
Balances = dict[tuple[str, str, str, str], int]


@dataclass(frozen=True)
class Read:
    """One leaf read of the floor: where, what, and which balance it adds to (if any)."""

    target: str
    selector: bytes
    input_types: tuple[str, ...]
    args: tuple[Any, ...]
    output_types: tuple[str, ...]
    key: tuple[str, str, str, str] | None


# -- chainwatch ---------------------------------------------------------------------------


def bench_chain(info: Any, folder: Path) -> Chain:
    """The devnet with only the benchmarked markets, named from the devnet's own deployment
    (an address book file replacing the built-in market list)."""
    book = folder / "bench-address-book.toml"
    markets = "".join(
        f'[[chains.devnet.markets]]\nprotocol = "aave-v3"\nname = "{name}"\n'
        f'pool_addresses_provider = "{info.deployment.markets[name].pool_addresses_provider}"\n'
        for name in MARKETS
    )
    book.write_text(f'[chains.devnet]\nrpc = ["{info.rpc_url}"]\n{markets}')
    return get_chain("devnet", book)


def chainwatch_reader(chain: Chain, url: str, wallets: list[str], block: int) -> Balances:
    snapshot = read_snapshot(chain, wallets, rpc=[url], block=block)
    balances: Balances = {}
    for position in snapshot.positions:
        for kind, holdings in (("collateral", position.collateral), ("debt", position.debt)):
            for h in holdings:
                balances[(position.protocol, position.account, kind, h.asset.address)] = int(
                    h.amount.scaleb(h.asset.decimals)
                )
    return balances


# -- naive web3.py ------------------------------------------------------------------------


def naive_reader(url: str, wallets: list[str], block: int, providers: dict[str, str]) -> tuple[Balances, list[Read]]:
    """One contract call per read; also returns the leaf reads, which the floor is handed."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
    abi = {name: list(load_abi(name)) for name in ("AavePoolAddressesProvider", "AavePool", "AaveOracle", "ERC20")}
    at = {"block_identifier": block}
    balances: Balances = {}
    reads: list[Read] = []
    for market, provider_address in providers.items():
        provider = w3.eth.contract(address=provider_address, abi=abi["AavePoolAddressesProvider"])
        pool_address = provider.functions.getPool().call(**at)
        oracle = w3.eth.contract(address=provider.functions.getPriceOracle().call(**at), abi=abi["AaveOracle"])
        pool = w3.eth.contract(address=pool_address, abi=abi["AavePool"])
        reserves = []
        for asset in pool.functions.getReservesList().call(**at):
            data = pool.functions.getReserveData(asset).call(**at)
            oracle.functions.getAssetPrice(asset).call(**at)
            w3.eth.contract(address=asset, abi=abi["ERC20"]).functions.symbol().call(**at)
            reserves.append((asset, data[7], data[8], data[10], data[9]))  # asset, id, aToken, variable, stable
            reads += [
                _read(pool_address, "AavePool", "getReserveData", (asset,), None),
                _read(oracle.address, "AaveOracle", "getAssetPrice", (asset,), None),
                _read(asset, "ERC20", "symbol", (), None),
            ]
        for account in wallets:
            (configuration,) = pool.functions.getUserConfiguration(account).call(**at)
            pool.functions.getUserEMode(account).call(**at)
            reads += [
                _read(pool_address, "AavePool", "getUserConfiguration", (account,), None),
                _read(pool_address, "AavePool", "getUserEMode", (account,), None),
            ]
            for asset, reserve_id, a_token, variable, stable in reserves:
                tokens = []
                if configuration >> (2 * reserve_id + 1) & 1:
                    tokens.append(("collateral", a_token))
                if configuration >> (2 * reserve_id) & 1:
                    tokens += [("debt", variable)] + ([("debt", stable)] if stable != ZERO_ADDRESS else [])
                for kind, token in tokens:
                    amount = w3.eth.contract(address=token, abi=abi["ERC20"]).functions.balanceOf(account).call(**at)
                    key = (market, account, kind, asset)
                    if amount:
                        balances[key] = balances.get(key, 0) + amount
                    reads.append(_read(token, "ERC20", "balanceOf", (account,), key))
    return balances, reads


def _read(target: str, contract: str, name: str, args: tuple[Any, ...], key: Any) -> Read:
    fn = function(contract, name)
    return Read(target, fn.selector, fn.input_types, args, fn.output_types, key)


# -- the floor ----------------------------------------------------------------------------


def floor_reader(url: str, reads: list[Read], block: int) -> Balances:
    """The same reads as aggregate3 calls, eth-abi both ways, as few requests as the node's
    2 MiB request limit allows (one up to ~4,000 reads), one after the other."""
    session = requests.Session()
    selector = function("Multicall3", "aggregate3").selector
    balances: Balances = {}
    start = 0
    while start < len(reads):
        end, size = start, 0
        while end < len(reads) and size < FLOOR_REQUEST_BYTES:
            size += 2 * (192 + 32 * len(reads[end].input_types))
            end += 1
        chunk = reads[start:end]
        calls = [(r.target, True, r.selector + encode(list(r.input_types), list(r.args))) for r in chunk]
        data = selector + encode(["(address,bool,bytes)[]"], [calls])
        call = {"to": MULTICALL3, "data": "0x" + data.hex(), "gas": hex(FLOOR_GAS)}
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [call, hex(block)]}
        answer = session.post(url, json=body, timeout=600).json()["result"]
        (results,) = decode(["(bool,bytes)[]"], bytes.fromhex(answer[2:]))
        for read, (ok, returned) in zip(chunk, results, strict=True):
            if not ok:
                raise RuntimeError(f"floor: {read.target} failed")
            values = decode(list(read.output_types), returned)
            if read.key is not None and values[0]:
                balances[read.key] = balances.get(read.key, 0) + values[0]
        start = end
    return balances


# -- measuring ----------------------------------------------------------------------------


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def counted(node_url: str, run: Callable[[str], Any]) -> tuple[int, float]:
    """HTTP requests and peak traced Python memory (MiB) of one run through a counting proxy."""
    with FaultProxy(node_url) as proxy:
        url = proxy.url
        tracemalloc.start()
        try:
            run(url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return len(proxy.served), peak / 2**20


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            int(line.split()[1]) // 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    anvil = subprocess.run([str(toolchain.anvil_binary()), "--version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory} GiB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {anvil}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    options = parser.parse_args()
    sizes = sorted(int(n) for n in options.sizes.split(","))

    rows = []
    with start() as info, tempfile.TemporaryDirectory() as folder:
        deployment, url = info.deployment, info.rpc_url
        chain = bench_chain(info, Path(folder))
        providers = {name: deployment.markets[name].pool_addresses_provider for name in MARKETS}
        markets = [Market(name, deployment.markets[name].pool) for name in MARKETS]
        populated = 0
        for n in sizes:
            started = time.perf_counter()
            populate(url, deployment.tokens, markets, n, first=populated)
            populated = n
            fill = time.perf_counter() - started
            block = info.web3().eth.block_number
            wallets = [wallet(i) for i in range(n)]

            t_cw, ours = timed(lambda: chainwatch_reader(chain, url, wallets, block), options.repeats)
            t_naive, (naive, reads) = timed(lambda: naive_reader(url, wallets, block, providers), options.repeats)
            t_floor, floor = timed(lambda: floor_reader(url, reads, block), options.repeats)
            positions = len({(m, a) for m, a, _, _ in ours})
            for name, theirs in (("naive", naive), ("floor", floor)):
                wrong = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
                if wrong:
                    raise SystemExit(f"N={n}: chainwatch and {name} disagree on {len(wrong)} balances, e.g. {wrong[0]}")

            http_cw, mem_cw = counted(url, lambda u: chainwatch_reader(chain, u, wallets, block))
            http_naive, mem_naive = counted(url, lambda u: naive_reader(u, wallets, block, providers))
            http_floor, mem_floor = counted(url, lambda u: floor_reader(u, reads, block))
            rows.append(
                (
                    n,
                    positions,
                    len(reads),
                    t_cw,
                    t_naive,
                    t_floor,
                    http_cw,
                    http_naive,
                    http_floor,
                    mem_cw,
                    mem_naive,
                    mem_floor,
                )
            )
            print(
                f"N={n}: populated in {fill:.1f}s; {positions} positions, {len(reads)} reads, {len(ours)} balances equal in all three; "
                f"chainwatch {t_cw:.3f}s, naive {t_naive:.2f}s, floor {t_floor:.3f}s",
                file=sys.stderr,
                flush=True,
            )

    table = [
        f"Machine: {machine()}. Reads: markets {', '.join(MARKETS)}, one pinned block; "
        f"times are medians of {options.repeats} runs straight to the node; HTTP requests and peak "
        "Python memory (tracemalloc) from one more run through a counting proxy.",
        "",
        "| N wallets | positions | reads | chainwatch | naive web3.py | floor | naive / chainwatch | chainwatch / floor "
        "| chainwatch ms per wallet | HTTP chainwatch / naive / floor | peak MiB chainwatch / naive / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, positions, reads, t_cw, t_naive, t_floor, h_cw, h_naive, h_floor, m_cw, m_naive, m_floor in rows:
        table.append(
            f"| {n:,} | {positions:,} | {reads:,} | {t_cw:.3f} s | {t_naive:.2f} s | {t_floor:.3f} s | {t_naive / t_cw:.0f}× "
            f"| {t_cw / t_floor:.2f}× | {1000 * t_cw / n:.3f} | {h_cw} / {h_naive:,} / {h_floor} "
            f"| {m_cw:.1f} / {m_naive:.1f} / {m_floor:.1f} |"
        )
    text = "\n".join(table) + "\n"
    print(text)
    if options.out:
        options.out.write_text(text)


if __name__ == "__main__":
    main()
