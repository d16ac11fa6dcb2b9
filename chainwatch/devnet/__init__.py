"""A local anvil chain carrying the real Aave v3 bytecode, for tests, the demo and benchmarks.

The first use installs the pinned npm toolchain, compiles our small contracts, deploys the world
and snapshots it into the cache; later uses load the snapshot in about a second.

    service.up(port=8545) -> DevnetInfo     background devnet (`chainwatch devnet up`)
    service.down() -> bool                  stop it (`chainwatch devnet down`)
    service.status() -> DevnetInfo | None   is it running (`chainwatch devnet status`)
    service.start(port=None)                context manager: a private devnet (tests)
    snapshot.ensure_snapshot() -> Snapshot  build the cached snapshot if needed

`actions` (supply/borrow/repay/withdraw/approve) and `controls` (prices, time, minting) act on
a running devnet. This package module imports nothing: the devnet drives anvil through web3,
which takes a second to load, and the command line must not pay for it to print its help.
"""
