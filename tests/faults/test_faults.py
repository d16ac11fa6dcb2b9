"""Every fault a public endpoint commits, injected by a proxy in front of the devnet.

For each fault: chainwatch's output equals a direct read of the devnet, or, when no endpoint is
healthy, the output is one line on stderr naming what failed, with exit code 4 and no trace of
the endpoint's API key. The devnet carries the real Aave v3 bytecode; only the network between
is faulty.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.fault_proxy import FAKE_KEY, LAG_BLOCKS

# Faults that pass: one occurrence is retried away on the same endpoint.
TRANSIENT = ["429", "500", "502", "503", "hang", "malformed", "rpc-error", "rate-limited", "missing-ids", "reset"]
# What the one-line error says when the fault never stops and no other endpoint exists.
NAMED = {
    "429": "HTTP 429",
    "500": "HTTP 500",
    "502": "HTTP 502",
    "503": "HTTP 503",
    "hang": "timed out",
    "malformed": "malformed JSON",
    "rpc-error": "internal error",
    "rate-limited": "limit exceeded",
    "missing-ids": "unanswered",
    "reset": "connection reset",
    "wrong-chain": "serves chain id 1, expected 31337",
}


def _direct(track, chain, *, block=None) -> str:
    code, out, err = track(chain.rpc_url, block=block)
    assert code == 0, err
    return out


@pytest.mark.parametrize("fault", TRANSIENT)
@pytest.mark.parametrize("when", ["first request", "mid-snapshot"])
def test_a_passing_fault_is_retried_to_the_direct_answer(fault, when, chain, proxies, track):
    direct = _direct(track, chain)
    proxy = proxies()
    # The first request checks chain id and head; the third reads the positions' contracts.
    proxy.schedule(*(["pass", "pass"] if when == "mid-snapshot" else []), fault)
    code, out, err = track(proxy.url)
    assert (code, out) == (0, direct), err
    assert fault in proxy.served
    assert FAKE_KEY not in err


@pytest.mark.parametrize("fault", [*TRANSIENT, "wrong-chain", "reordered"])
def test_a_lasting_fault_fails_over_to_the_next_endpoint(fault, chain, proxies, track, caplog):
    direct = _direct(track, chain)
    proxy = proxies().always(fault)
    code, out, err = track(proxy.url, chain.rpc_url)
    assert (code, out) == (0, direct), err
    if fault != "reordered":  # the one harmless fault: nothing to warn about
        assert "not using http://127.0.0.1" in caplog.text
    assert FAKE_KEY not in err + caplog.text


@pytest.mark.parametrize("fault", sorted(NAMED))
def test_no_healthy_endpoint_is_one_line_naming_the_fault(fault, proxies, track):
    proxy = proxies().always(fault)
    code, out, err = track(proxy.url)
    assert code == 4  # something requested could not be read
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error:") and NAMED[fault] in line
    assert "127.0.0.1" in line  # names the endpoint ...
    assert FAKE_KEY not in line  # ... without its key
    assert "Traceback" not in err


def test_reordered_batch_answers_are_matched_by_id(chain, proxies, track):
    direct = _direct(track, chain)
    proxy = proxies().always("reordered")
    assert track(proxy.url)[:2] == (0, direct)


def test_a_lagging_endpoint_is_dropped_in_favour_of_the_current_one(chain, proxies, track, caplog):
    chain.w3.provider.make_request("anvil_mine", [hex(LAG_BLOCKS + 20)])
    direct = _direct(track, chain)
    proxy = proxies().always("lagging")
    code, out, err = track(proxy.url, chain.rpc_url)  # the laggard comes first
    assert (code, out) == (0, direct), err
    assert f"lags {chain.w3.eth.block_number} by {LAG_BLOCKS} blocks" in caplog.text
    assert FAKE_KEY not in caplog.text


def test_a_lone_lagging_endpoint_reads_consistently_at_its_own_head(chain, proxies, track):
    """With nothing to compare against, lag is undetectable: the read is still one block's truth."""
    chain.w3.provider.make_request("anvil_mine", [hex(LAG_BLOCKS + 20)])
    head = chain.w3.eth.block_number
    direct = _direct(track, chain, block=head - LAG_BLOCKS)
    proxy = proxies().always("lagging")
    assert track(proxy.url)[:2] == (0, direct)


def test_a_failover_mid_snapshot_keeps_the_pinned_block(chain, proxies, track):
    """The first endpoint fails after the chain moved on a block; interest accrues with every
    block, so reading "latest" on the second endpoint would change the debts."""
    direct = _direct(track, chain)
    proxy = proxies().schedule("pass", "pass", "advance").always("503")
    code, out, err = track(proxy.url, chain.rpc_url)
    assert chain.w3.eth.block_number > json.loads(direct)["block"]
    assert (code, out) == (0, direct), err


def test_retry_after_is_honoured(chain, proxies, track, monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr("chainwatch.rpc.retry.sleep", pauses.append)
    direct = _direct(track, chain)
    proxy = proxies(retry_after=3).schedule("429")
    assert track(proxy.url)[:2] == (0, direct)
    assert pauses == [3.0]
