"""Which endpoints a run reads a chain through, in priority order.

URLs given on the command line win; then `CHAINWATCH_RPC_URL` or `ETH_RPC_URL` (comma-separated
lists allowed); then the address book's list. The environment never redirects a local chain
(one whose address-book endpoints are all on this machine, such as the devnet): a variable set
for mainnet must not turn `--chain devnet` into a read of mainnet.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from urllib.parse import urlsplit

from chainwatch.chain import Chain

RPC_ENV_VARS = ("CHAINWATCH_RPC_URL", "ETH_RPC_URL")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_local(chain: Chain) -> bool:
    """True when every endpoint the address book gives for `chain` is on this machine."""
    return all(urlsplit(url).hostname in _LOOPBACK_HOSTS for url in chain.rpc)


def rpc_urls(chain: Chain, given: Sequence[str] = (), *, alongside_book: bool = False) -> list[str]:
    """Endpoints in priority order: given URLs, then the environment (remote chains only), then
    the address book.

    `alongside_book` (a run over several chains): the environment's endpoints go before the
    book's instead of replacing them. One variable names one endpoint, usually of one chain
    (ETH_RPC_URL: Ethereum); the pool sets it aside on every other chain, which then reads
    through its own endpoints rather than fail.
    """
    if given:
        return list(given)
    if not is_local(chain):
        for var in RPC_ENV_VARS:
            if os.environ.get(var):
                urls = [url.strip() for url in os.environ[var].split(",") if url.strip()]
                return list(dict.fromkeys(urls + list(chain.rpc))) if alongside_book else urls
    return list(chain.rpc)
