"""A local anvil chain carrying the real Aave v3 bytecode, for tests, the demo and benchmarks.

The first use installs the pinned npm toolchain, compiles our small contracts, deploys the world
and snapshots it into the cache; later uses load the snapshot in about a second.

    up(port=8545) -> DevnetInfo      background devnet (`chainwatch devnet up`)
    down() -> bool                   stop it (`chainwatch devnet down`)
    status() -> DevnetInfo | None    is it running (`chainwatch devnet status`)
    start(port=None)                 context manager: a private devnet (tests)
    ensure_snapshot() -> Snapshot    build the cached snapshot if needed

`actions` (supply/borrow/repay/withdraw/approve) and `controls` (prices, time, minting) act on
a running devnet.
"""

from chainwatch.devnet.deployment import AaveMarket, Deployment
from chainwatch.devnet.errors import DevnetError
from chainwatch.devnet.service import DEFAULT_PORT, DevnetInfo, down, start, status, up
from chainwatch.devnet.snapshot import Snapshot, ensure_snapshot

__all__ = [
    "DEFAULT_PORT",
    "AaveMarket",
    "Deployment",
    "DevnetError",
    "DevnetInfo",
    "Snapshot",
    "down",
    "ensure_snapshot",
    "start",
    "status",
    "up",
]
