"""How a node's refusal is read, on the wording public endpoints and node software really use
(each line cites where it was read): the answer differs for each, so none may pass for another."""

from __future__ import annotations

import pytest

from chainwatch.rpc.endpoint import Endpoint
from chainwatch.rpc.errors import Refusal, refusal

R = Refusal


@pytest.mark.parametrize(
    ("method", "code", "message", "status", "expected"),
    [
        # eth_getLogs range or result caps: a narrower range helps.
        ("eth_getLogs", -32602, "range 1000000 exceeds limit of 10000", None, R.LOG_RANGE),  # INFURA/infura#237
        ("eth_getLogs", -32614, "eth_getLogs is limited to a 10,000 range", 413, R.LOG_RANGE),  # arbitrum-sdk#609
        ("eth_getLogs", -32005, "block range too large, max range: 1000", None, R.LOG_RANGE),  # cdk-erigon#1706
        ("eth_getLogs", -32005, "query returned more than 10000 results", None, R.LOG_RANGE),  # aurora-relayer#327
        ("eth_getLogs", -32005, "limit exceeded", None, R.LOG_RANGE),  # EIP-1474's bare -32005
        ("eth_getLogs", -32000, "Log response size exceeded. You can make eth_getLogs requests", None, R.LOG_RANGE),
        # Rate limits: a pause helps, a narrower range does not.
        ("eth_getLogs", -32005, "project ID request rate exceeded", None, R.RATE_LIMIT),  # Infura
        ("eth_getLogs", None, "", 429, R.RATE_LIMIT),
        ("eth_call", 429, "Too Many Requests", None, R.RATE_LIMIT),
        # Pruned history (geth core/history PrunedHistoryError): another node or start block.
        ("eth_getLogs", 4444, "pruned history unavailable", None, R.PRUNED),
        # Batches and sizes (geth rpc/errors.go, rpc/handler.go).
        ("eth_chainId", -32600, "batch too large", None, R.BATCH),
        ("eth_call", -32003, "response too large", None, R.TOO_LARGE),
        ("eth_call", None, "", 413, R.TOO_LARGE),
        # eth_call gas: over the cap (geth's ErrGasLimitTooHigh under EIP-7825) or out of gas.
        ("eth_call", -32000, "transaction gas limit too high (cap: 16777216, tx: 50000000)", None, R.GAS_CAP),
        ("eth_call", -32603, "EVM error OutOfGas", None, R.OUT_OF_GAS),  # anvil
        ("eth_call", -32603, "EVM error MemoryOOG", None, R.OUT_OF_GAS),  # anvil, memory expansion
        ("eth_call", -32000, "intrinsic gas too high -- CallGasCostMoreThanGasLimit", None, R.OUT_OF_GAS),  # anvil
        ("eth_call", -32000, "gas required exceeds allowance (1000000)", None, R.OUT_OF_GAS),  # geth
        # Nothing to act on: the node's considered answer, or an overloaded node.
        ("eth_call", -32000, "execution reverted", None, None),
        ("eth_chainId", -32603, "internal error", None, None),
    ],
)
def test_each_refusal_is_told_apart(method, code, message, status, expected):
    assert refusal(method, code, message, status) is expected


def test_only_rate_limits_and_overload_are_retried_on_the_same_endpoint():
    endpoint = Endpoint("http://127.0.0.1:1")
    assert endpoint._error_object(
        "eth_getLogs", {"code": -32005, "message": "project ID request rate exceeded"}
    ).transient
    assert endpoint._error_object("eth_chainId", {"code": -32005, "message": "limit exceeded"}).transient
    assert not endpoint._error_object("eth_getLogs", {"code": -32005, "message": "limit exceeded"}).transient
    assert not endpoint._error_object("eth_getLogs", {"code": 4444, "message": "pruned history unavailable"}).transient
