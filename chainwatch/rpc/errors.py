"""The errors of the RPC layer: one line each, and never carrying an endpoint's secret."""

from __future__ import annotations

from chainwatch.errors import ChainwatchError

# How nodes say that an eth_call ran out of gas (geth, reth, anvil, public proxies).
_OUT_OF_GAS = ("out of gas", "outofgas", "gas required exceeds", "gas limit", "exceeds block gas")


def says_out_of_gas(message: str) -> bool:
    """Whether a node's error text means the call ran out of gas: no retry will change that,
    only a smaller call will."""
    text = message.lower()
    return any(marker in text for marker in _OUT_OF_GAS)


class RpcError(ChainwatchError):
    """A node could not answer, or answered something unusable; the message is one line."""


class ChainMismatchError(RpcError):
    """The endpoint serves a different chain than the address book says."""


class EndpointError(RpcError):
    """One attempt at one endpoint failed.

    `transient` failures (HTTP 429 and 5xx, timeouts, dropped connections, garbled answers,
    rate-limit and internal-error codes) are worth retrying on the same endpoint after a pause; the others (malformed or
    incomplete answers, error objects) mean this endpoint cannot serve the request, so the pool
    moves on to the next one at once. `retry_after` is the server's own Retry-After, in seconds.
    """

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
