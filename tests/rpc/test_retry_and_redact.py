"""The pure parts of the RPC layer: the retry schedule, Retry-After, and URL redaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chainwatch.rpc import RetryPolicy, redact, scrub
from chainwatch.rpc.retry import parse_retry_after


def test_backoff_doubles_with_jitter_between_half_and_full():
    low = RetryPolicy(attempts=4, base_delay=0.5, random=lambda: 0.0)
    high = RetryPolicy(attempts=4, base_delay=0.5, random=lambda: 1.0)
    assert [low.delay(n) for n in range(4)] == [0.25, 0.5, 1.0, None]
    assert [high.delay(n) for n in range(4)] == [0.5, 1.0, 2.0, None]


def test_backoff_is_capped():
    policy = RetryPolicy(attempts=20, base_delay=1, max_delay=8, random=lambda: 1.0)
    assert policy.delay(10) == 8


def test_retry_after_overrides_the_backoff_unless_too_long():
    policy = RetryPolicy(attempts=3, max_delay=8)
    assert policy.delay(0, retry_after=3) == 3
    assert policy.delay(0, retry_after=60) is None  # fail over instead of waiting a minute
    assert policy.delay(2, retry_after=1) is None  # attempts used up


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY", "https://eth-mainnet.g.alchemy.com/…"),
        ("https://mainnet.infura.io/v3/SECRETKEY", "https://mainnet.infura.io/…"),
        ("https://rpc.example/?apikey=SECRETKEY", "https://rpc.example/…"),
        ("https://user:SECRETKEY@rpc.example:8443", "https://rpc.example:8443"),
        ("https://ethereum-rpc.publicnode.com", "https://ethereum-rpc.publicnode.com"),
        ("http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
        ("https://rpc.example:99999/SECRETKEY", "https://rpc.example:99999/…"),
    ],
)
def test_redact_keeps_scheme_host_and_port_only(url, shown):
    assert redact(url) == shown
    assert "SECRETKEY" not in redact(url)


def test_scrub_removes_an_echoed_url_and_control_characters():
    url = "https://rpc.example/v2/SECRETKEY"
    text = scrub(f"bad request to {url}\n\x1b[31mred\x1b[0m key SECRETKEY", url)
    assert "SECRETKEY" not in text and "\n" not in text and "\x1b" not in text
    assert len(scrub("x" * 1000, url)) == 200


def test_out_of_gas_is_final_even_as_an_internal_error():
    """anvil reports an eth_call out of gas as -32603; retrying cannot help, a smaller call can."""
    from chainwatch.rpc.endpoint import Endpoint

    endpoint = Endpoint("http://127.0.0.1:1")
    out_of_gas = endpoint._error_object("eth_call", {"code": -32603, "message": "EVM error OutOfGas"})
    overloaded = endpoint._error_object("eth_call", {"code": -32603, "message": "internal error"})
    assert not out_of_gas.transient
    assert overloaded.transient
