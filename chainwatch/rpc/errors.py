"""The errors of the RPC layer: one line each, and never carrying an endpoint's secret.

Nodes refuse a request for very different reasons, and each asks for a different answer:
a rate limit for a pause, a batch or a response too large for smaller requests, an eth_getLogs
range too wide for a narrower one, pruned history for another node or another start block, an
eth_call out of gas for a smaller multicall. `refusal` tells them apart from the HTTP status,
the JSON-RPC code and the wording nodes and public providers actually use (README, "RPC
endpoints", lists them with where each was read).
"""

from __future__ import annotations

import re
from enum import Enum

from chainwatch.errors import ChainwatchError, UnreadableError


class Refusal(Enum):
    """Why a node refused a request, when it says so."""

    RATE_LIMIT = "rate limit"  # slow down: the same request will be answered later
    BATCH = "batch"  # a JSON-RPC batch of this many requests is not accepted
    TOO_LARGE = "too large"  # the request or its response is over the node's size cap
    LOG_RANGE = "log range"  # an eth_getLogs block range (or result count) over the node's cap
    PRUNED = "pruned history"  # the node no longer keeps the blocks asked for (EIP-4444)
    OUT_OF_GAS = "out of gas"  # an eth_call needs more gas than the node gives it
    GAS_CAP = "gas over the cap"  # an eth_call asks for more gas than the node lets it have


# How nodes say that an eth_call ran out of gas, its calldata included (geth "out of gas",
# "intrinsic gas too low"; anvil/revm "OutOfGas", "MemoryOOG", "intrinsic gas too high --
# CallGasCostMoreThanGasLimit") ...
_OUT_OF_GAS = re.compile(r"out ?of ?gas|oog\b|gas required exceeds|gas limit reached|intrinsic gas", re.IGNORECASE)
# ... and that it asked for more gas than they allow: geth under EIP-7825 "transaction gas limit
# too high (cap: 16777216, tx: …)".
_GAS_CAP = ("gas limit too high", "exceeds block gas limit", "gas limit exceeds")
# Rate limits: HTTP 429, or wording such as Infura's -32005 "project ID request rate exceeded".
_RATE_LIMIT = re.compile(r"\brate\b|rate.?limit|too many requests|throttl|per second|\brps\b", re.IGNORECASE)
# geth answers -32003 "response too large" (rpc/errors.go) once a batch's answers pass its cap.
_TOO_LARGE = re.compile(r"too large|too big|size (limit )?exceed|exceeds? (the )?(max(imum)? )?size", re.IGNORECASE)
PRUNED_CODE = 4444  # geth core/history: PrunedHistoryError, "pruned history unavailable"
TOO_LARGE_CODE = -32003
HTTP_TOO_LARGE = 413
HTTP_TOO_MANY = 429


def refusal(method: str | None, code: object, message: str, status: int | None = None) -> Refusal | None:
    """What a node's error means for `method` (None: the batch as a whole), if it says.

    Pruned history is told first (code 4444 or the word), then rate limits (HTTP 429 or rate
    wording, whatever the code: providers send -32005 for both "rate" and "range"), then batch
    refusals (the word "batch": geth's "batch too large"). Any other refusal of eth_getLogs is
    taken as its range or result count being too large, the one thing a narrower range can fix:
    "exceeds limit of 10000", "block range too large", -32005 "query returned more than 10000
    results", HTTP 413 with "eth_getLogs is limited to a 10,000 range".
    """
    if code == PRUNED_CODE or "pruned" in message.lower():
        return Refusal.PRUNED
    if status == HTTP_TOO_MANY or _RATE_LIMIT.search(message):
        return Refusal.RATE_LIMIT
    if "batch" in message.lower():
        return Refusal.BATCH
    if method == "eth_getLogs":
        return Refusal.LOG_RANGE
    if status == HTTP_TOO_LARGE or code == TOO_LARGE_CODE or _TOO_LARGE.search(message):
        return Refusal.TOO_LARGE
    if method == "eth_call":
        text = message.lower()
        if _OUT_OF_GAS.search(text):
            return Refusal.OUT_OF_GAS
        if any(marker in text for marker in _GAS_CAP):
            return Refusal.GAS_CAP
    return None


class RpcError(UnreadableError):
    """A node could not answer, or answered something unusable; the message is one line.
    What was asked for could not be read: exit code 4."""


class ChainMismatchError(RpcError):
    """The endpoint serves a different chain than the address book says (could not read: 4)."""


class FutureBlockError(ChainwatchError):
    """A block asked for (`--block`) that the chain has not reached: a bad input (exit code 1)."""


class RpcSettingsError(ChainwatchError):
    """No endpoint given, or an RPC setting of the environment that is no number: a bad
    configuration (exit code 1), not a failed read."""


class EndpointError(RpcError):
    """One attempt at one endpoint failed.

    `transient` failures (HTTP 429 and 5xx, timeouts, dropped connections, garbled answers,
    rate-limit and internal-error codes) are worth retrying on the same endpoint after a pause;
    the others (malformed or incomplete answers, error objects) mean this endpoint cannot serve
    the request, so the pool moves on to the next one at once. `retry_after` is the server's own
    Retry-After, in seconds; `refusal` what the node said was wrong, where it said.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        refusal: Refusal | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.refusal = refusal


class NoEndpointError(RpcError, UnreadableError):
    """Every usable endpoint failed a request; `failures` holds each one's last error."""

    def __init__(self, message: str, failures: list[EndpointError]) -> None:
        super().__init__(message)
        self.failures = failures

    def refused(self, *reasons: Refusal) -> bool:
        """Whether every endpoint refused for one of `reasons`."""
        return bool(self.failures) and all(f.refusal in reasons for f in self.failures)

    def any_refused(self, *reasons: Refusal) -> bool:
        return any(f.refusal in reasons for f in self.failures)
