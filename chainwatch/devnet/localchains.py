"""The local chains `chainwatch devnet up` runs: the devnet and a second chain, devnet-l2.

A leaf (no web3), so the command line can name them without loading the devnet. Each has its
own chain id, so an endpoint of one is never taken for the other, and its own port: the
devnet's port plus `port_offset` (8545 and 8546 by default, as the built-in address book says).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalChain:
    name: str  # its name in the built-in address book (chainwatch/chains/NAME.toml)
    chain_id: int
    port_offset: int  # its port is the devnet's port plus this

    def port(self, devnet_port: int) -> int:
        return devnet_port + self.port_offset


DEVNET = LocalChain("devnet", 31337, 0)
# An L2-like second chain: Aave v3 and Morpho Blue with a cbBTC-like BTC asset (Base's shape).
DEVNET_L2 = LocalChain("devnet-l2", 31338, 1)
LOCAL_CHAINS = (DEVNET, DEVNET_L2)
