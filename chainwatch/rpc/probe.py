"""What each endpoint can do, for `chainwatch rpc check`: measured, never assumed.

Public endpoints document little: whether they keep old state, take batches or
cap eth_call gas is found out by asking. Every probe is a read; the gas cap is measured with an
eth_call state override that puts a two-opcode contract (GAS, RETURN) at an unused address.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from chainwatch.rpc.concurrent import each
from chainwatch.rpc.endpoint import Endpoint
from chainwatch.rpc.errors import EndpointError

ARCHIVE_DEPTH = 1000  # blocks back: full nodes keep ~128 blocks of state, archives all
BATCH_SIZES = (10, 3)  # a common batch; dRPC's free tier allows 3
LATENCY_SAMPLES = 3
GAS_ASK = 10**10  # above any cap seen in the wild (geth/reth 50M, Alchemy 550M)
INTRINSIC_GAS = 21_000 + 2  # a call's base cost plus the GAS opcode itself
# PUSH nothing: GAS; PUSH1 0; MSTORE; PUSH1 32; PUSH1 0; RETURN -> the gas left, as a uint256.
GAS_PROBE_CODE = "0x5a60005260206000f3"
GAS_PROBE_ADDRESS = "0x00000000000000000000000000000000c4ec0a9e"
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class EndpointReport:
    """One endpoint's answers; a None capability means the probe itself failed (see `error`)."""

    endpoint: str
    chain_id: int | None = None
    head: int | None = None
    latency_ms: float | None = None
    archive: bool | None = None
    batch_limit: int | None = None  # largest batch probed that it answered; 1: none
    gas_cap: int | None = None
    error: str | None = None

    def usable(self, expected_chain_id: int | None) -> bool:
        return self.error is None and expected_chain_id in (None, self.chain_id)


def check_endpoints(urls: Sequence[str], timeout: float = 10.0) -> list[EndpointReport]:
    """A report for every endpoint, probed concurrently."""
    endpoints = [Endpoint(url, timeout) for url in urls]
    return each(check_endpoint, endpoints)


def check_endpoint(endpoint: Endpoint) -> EndpointReport:
    try:
        chain_id = int(endpoint.request("eth_chainId", []), 16)
        latencies, head = [], 0
        for _ in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            head = int(endpoint.request("eth_blockNumber", []), 16)
            latencies.append((time.perf_counter() - started) * 1000)
    except (EndpointError, TypeError, ValueError) as exc:
        return EndpointReport(
            endpoint.label,
            error=str(exc) if isinstance(exc, EndpointError) else f"{endpoint.label} answered a non-hex quantity",
        )
    return EndpointReport(
        endpoint=endpoint.label,
        chain_id=chain_id,
        head=head,
        latency_ms=round(statistics.median(latencies), 1),
        archive=_archive(endpoint, head),
        batch_limit=_batch_limit(endpoint),
        gas_cap=_gas_cap(endpoint),
    )


def _archive(endpoint: Endpoint, head: int) -> bool | None:
    """Whether state ARCHIVE_DEPTH blocks back (block 1 on a young chain) can be read."""
    try:
        endpoint.request("eth_getBalance", [ZERO_ADDRESS, hex(max(head - ARCHIVE_DEPTH, 1))])
        return True
    except EndpointError as exc:
        return None if exc.transient else False


def _batch_limit(endpoint: Endpoint) -> int:
    for size in BATCH_SIZES:
        try:
            outcomes = endpoint.round_trip([("eth_chainId", [])] * size)
        except EndpointError:
            continue
        if not any(isinstance(outcome, EndpointError) for outcome in outcomes):
            return size
    return 1


def _gas_cap(endpoint: Endpoint) -> int | None:
    """The gas an eth_call really gets when asked for more than any node grants."""
    call = {"from": ZERO_ADDRESS, "to": GAS_PROBE_ADDRESS, "gas": hex(GAS_ASK)}
    override = {GAS_PROBE_ADDRESS: {"code": GAS_PROBE_CODE}}
    try:
        answer = endpoint.request("eth_call", [call, "latest", override])
        return int(answer, 16) + INTRINSIC_GAS
    except (EndpointError, TypeError, ValueError):
        return None
