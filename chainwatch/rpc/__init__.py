"""The one place that talks to Ethereum nodes.

An `EndpointPool` holds the endpoints of a chain: it checks their chain id and head, retries
transient failures with backoff, fails over between them and pins "latest" to one block they
all have. A `BlockReader` reads contracts at that one block through Multicall3. `redact` is how
an endpoint may be named anywhere a user or a file could see it.
"""

from chainwatch.rpc.block import Block
from chainwatch.rpc.errors import ChainMismatchError, EndpointError, RpcError
from chainwatch.rpc.pool import EndpointPool, RpcSettings
from chainwatch.rpc.reader import MULTICALL3, BlockReader, Call
from chainwatch.rpc.redact import redact, scrub
from chainwatch.rpc.retry import RetryPolicy

__all__ = [
    "MULTICALL3",
    "Block",
    "BlockReader",
    "Call",
    "ChainMismatchError",
    "EndpointError",
    "EndpointPool",
    "RetryPolicy",
    "RpcError",
    "RpcSettings",
    "redact",
    "scrub",
]
