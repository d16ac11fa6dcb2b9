"""Two local anvil chains carrying the real Aave v3 and Morpho Blue bytecode, for tests, the demo
and benchmarks: the devnet and devnet-l2 (localchains).

The first use installs the pinned npm toolchain, compiles our small contracts, deploys both
worlds and snapshots them into the cache; later uses load each snapshot in about a second.

    service.up(port=8545) -> [DevnetInfo]   both chains in the background (`chainwatch devnet up`)
    service.down() -> bool                  stop them (`chainwatch devnet down`)
    service.statuses() -> [DevnetInfo]      which run (`chainwatch devnet status`)
    service.start(port=None, chain=DEVNET)  context manager: a private anvil of one chain (tests)
    snapshot.ensure_snapshot() -> Snapshot  build the cached snapshot if needed

`actions` (supply/borrow/repay/withdraw/approve) and `controls` (prices, time, minting) act on
a running devnet. This package module imports nothing: the devnet drives anvil through web3,
which takes a second to load, and the command line must not pay for it to print its help.
"""
