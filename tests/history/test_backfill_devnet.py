"""Backfill on the devnet: dates become the right blocks, every stored reading matches what
`track --block N` reads at that block, and a node without old state gives a clear error."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chainwatch.chains import get_chain
from chainwatch.devnet import toolchain
from chainwatch.devnet.anvil import _wait_ready, free_port, rpc_url, stop
from chainwatch.devnet.controls import advance_time, mine, set_btc_price
from chainwatch.devnet.node import connect
from chainwatch.devnet.snapshot import ensure_snapshot
from chainwatch.history import HistoryStore
from chainwatch.history.backfill import ArchiveStateError, BlockFinder, backfill
from chainwatch.rpc import EndpointPool

D = Decimal


def when(w3, block="latest") -> datetime:
    return datetime.fromtimestamp(w3.eth.get_block(block)["timestamp"], tz=UTC)


def test_block_at_finds_the_last_block_at_or_before_a_time(chain):
    mine(chain.w3, 3)
    advance_time(chain.w3, 3600)
    finder = BlockFinder(EndpointPool([chain.rpc_url]))
    latest = finder.latest.number
    for number in (1, latest // 2, latest - 2, latest - 1, latest):
        block = finder.header(number)
        assert finder.block_at(block.timestamp).number == number
    # Inside the hour-long gap the last block before it is the answer.
    assert finder.block_at(finder.latest.timestamp - timedelta(minutes=30)).number == latest - 1


def test_backfilled_readings_match_track_at_each_block(chain, cli, tmp_path):
    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "C")]
    start = when(chain.w3)  # the samples fall between the price moves below
    for price in ("58000", "52000", "47000", "61000"):
        set_btc_price(chain.w3, chain.deployment, D(price))
        advance_time(chain.w3, 3600)
    db = str(tmp_path / "h.sqlite3")
    devnet = ["--chain", "devnet", "--rpc", chain.rpc_url]
    code, _, err = cli(
        "backfill", *wallets, *devnet, "--db", db,
        "--from", start.isoformat(), "--to", (start + timedelta(hours=4)).isoformat(), "--every", "1h",
    )  # fmt: skip
    assert code == 0, err
    with HistoryStore.open(db) as store:
        blocks = store.stored_blocks(31337)
        assert len(blocks) == 5
        for block in blocks:
            code, out, err = cli("track", *wallets, *devnet, "--block", str(block), "--format", "json")
            assert code == 0, err
            tracked = json.loads(out)["positions"]
            stored = store.snapshot_at(31337, block)
            assert len(tracked) == len(stored.positions) == 2
            for reading, position in zip(tracked, stored.positions):
                assert reading["account"] == position.account and reading["protocol"] == position.protocol
                for key in ("ltv", "health_factor", "liquidation_price_btc", "debt_usd", "collateral_usd"):
                    assert D(reading[key]) == getattr(position, key), (block, key)
        prices = [r.btc_price_usd for r in store.history(wallets[0])]
    assert prices == [D(60000), D(58000), D(52000), D(47000), D(61000)]
    # Backfilling the same range again stores nothing twice; history plots what was stored.
    code, _, err = cli(
        "backfill", wallets[0], *devnet, "--db", db,
        "--from", start.isoformat(), "--to", (start + timedelta(hours=4)).isoformat(), "--every", "1h",
    )  # fmt: skip
    assert code == 0 and "stored 0 new readings" in err
    plot = tmp_path / "ltv.png"
    code, out, err = cli("history", wallets[0], "--db", db, "--format", "csv", "--plot", str(plot))
    assert code == 0, err
    assert len(out.splitlines()) == 6 and plot.stat().st_size > 10000


@pytest.mark.chain  # starts an anvil of its own, without the session devnet
def test_a_node_without_old_state_gives_a_clear_error(tmp_path):
    """A second anvil started with --prune-history keeps no state of past blocks: a stand-in
    for a full (non-archive) node."""
    port = free_port()
    process = subprocess.Popen(
        [str(toolchain.anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--chain-id", "31337",
         "--load-state", str(ensure_snapshot().state), "--prune-history"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_ready(process, port, None)
        w3 = connect(rpc_url(port))
        mine(w3)
        start = when(w3)
        for _ in range(3):
            advance_time(w3, 3600)
        with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
            with pytest.raises(ArchiveStateError) as caught:
                backfill(
                    get_chain("devnet", None), ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], store,
                    start=start, end=start + timedelta(hours=2), every=timedelta(hours=1), rpc=[rpc_url(port)],
                )  # fmt: skip
            stored = store.stored_blocks(31337)
    finally:
        stop(process)
    message = str(caught.value)
    assert "archive node" in message and "\n" not in message
    assert stored == []  # the failed backfill left no partial history behind


def test_a_position_unreadable_at_a_block_is_named_and_the_others_stored(chain, cli, tmp_path):
    """The ETH/USD feed reverts from some hour on (its code replaced by a reverting one): the
    WETH-backed Comet loan (wallet F) cannot be valued at the blocks after, and backfill names
    it per block and exits 4; the WBTC-only loan (wallet A) is stored at every block."""
    from chainwatch.devnet.node import rpc
    from chainwatch.errors import EXIT_UNREADABLE

    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "F")]
    start = when(chain.w3)
    advance_time(chain.w3, 3600)
    rpc(chain.w3, "anvil_setCode", [chain.deployment.feeds["ETH/USD"], "0x60006000fd"])
    advance_time(chain.w3, 3600)
    db = str(tmp_path / "h.sqlite3")
    code, _, err = cli(
        "backfill", *wallets, "--chain", "devnet", "--rpc", chain.rpc_url, "--db", db,
        "--from", start.isoformat(), "--to", (start + timedelta(hours=2)).isoformat(), "--every", "2h",
    )  # fmt: skip
    assert code == EXIT_UNREADABLE
    not_read = [line for line in err.splitlines() if line.startswith("not read: ")]
    assert len(not_read) == 1 and all(f"compound-v3 {chain.deployment.comet}" in line for line in not_read)
    with HistoryStore.open(db) as store:
        accounts = [
            sorted(p.account for p in store.snapshot_at(31337, block).positions) for block in store.stored_blocks(31337)
        ]
    assert accounts == [sorted(wallets), [wallets[0]]]  # F only before the feed failed
