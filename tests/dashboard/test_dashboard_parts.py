"""The dashboard's pure parts: who may read it, how a form's numbers parse, how ticks fall, and
how the background reading reports a failure (a failed round keeps the last good figures and
says so; a bug in a round shows instead of stopping the refreshing)."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chainwatch.dashboard.access import host_name, is_loopback, same_token, without_token
from chainwatch.dashboard.charts import nice_ticks
from chainwatch.dashboard.questions import QueryError, query_decimal
from chainwatch.dashboard.reading import ChainPart, Round, WatchState
from chainwatch.dashboard.state import LiveState
from chainwatch.model import Snapshot


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("example.com", False), ("localhost.example", False)],
)  # fmt: skip
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_host_header_names():
    assert host_name("localhost:8787") == "localhost"
    assert host_name("[::1]:8787") == "[::1]"
    assert host_name("127.0.0.1") == "127.0.0.1"


def test_the_token_leaves_the_query_and_compares_whole():
    assert without_token("token=abc&loan=5") == "loan=5"
    assert same_token("abc", "abc") and not same_token("ab", "abc") and not same_token(None, "abc")


def test_form_numbers():
    assert query_decimal({"repay": "5,000.50"}, "repay", Decimal(10**6)) == Decimal("5000.50")
    assert query_decimal({"target_ltv": "40%"}, "target_ltv", Decimal(1)) == Decimal("0.4")
    assert query_decimal({"add_btc": "0"}, "add_btc", Decimal(10), zero=True) == 0
    assert query_decimal({}, "repay", Decimal(10)) is None
    for bad in ("abc", "-1", "0", "NaN", "1e99"):
        with pytest.raises(QueryError):
            query_decimal({"loan": bad}, "loan", Decimal(10**12))


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 1.05, 4) == [0.0, 0.5, 1.0]
    assert nice_ticks(15_000, 96_000) == [20_000, 40_000, 60_000, 80_000]
    assert nice_ticks(59_000, 61_000, 4) == [59_000, 59_500, 60_000, 60_500, 61_000]


CHAINS = [("devnet", 31337), ("devnet-l2", 31338)]


def _part(chain: str, block: int | None, error: str | None = None) -> ChainPart:
    now = datetime.now(UTC)
    chain_id = dict(CHAINS)[chain]
    if block is None:
        return ChainPart(chain, chain_id, now, error=error)
    snapshot = Snapshot(chain=chain, chain_id=chain_id, block_number=block, timestamp=now, positions=())
    return ChainPart(chain, chain_id, now, snapshot=snapshot)


def _round(*parts: ChainPart) -> Round:
    now = datetime.now(UTC)
    return Round(now, now, parts)


def _wait_for(state: LiveState, condition) -> None:
    deadline = time.monotonic() + 10
    while not condition(state.status()):
        assert time.monotonic() < deadline, state.status()
        time.sleep(0.01)


def test_a_chain_that_fails_keeps_its_last_figures_marked_stale_and_the_other_goes_on():
    rounds = iter(
        [
            _round(_part("devnet", 7), _part("devnet-l2", 3)),
            _round(_part("devnet", 8), _part("devnet-l2", None, "no healthy RPC endpoint")),
        ]
    )
    state = LiveState(lambda: next(rounds), every=0.05, chains=CHAINS)
    state.start()
    try:
        _wait_for(state, lambda s: s.chain("devnet-l2").failing is not None)
        status = state.status()
    finally:
        state.stop()
    devnet, l2 = status.chains
    assert devnet.good.snapshot.block_number == 8 and devnet.failing is None
    assert l2.good.snapshot.block_number == 3 and l2.failing == "no healthy RPC endpoint" and l2.stale


def test_a_bug_in_a_round_shows_and_the_rounds_go_on():
    calls = []

    def read() -> Round:
        calls.append(1)
        if len(calls) == 1:
            raise ZeroDivisionError("division by zero")
        return _round(_part("devnet", 8), _part("devnet-l2", 9))

    state = LiveState(read, every=0.05, chains=CHAINS)
    state.start()
    try:
        _wait_for(state, lambda s: s.failing is not None or s.read)
        assert state.status().failing == "reading failed: ZeroDivisionError: division by zero"
        _wait_for(state, lambda s: s.read and s.failing is None)
    finally:
        state.stop()


def test_figures_older_than_two_intervals_of_their_source_are_stale():
    """Live, the dashboard's own interval; from a watch's database, the watch's."""
    part = _part("devnet", 1)
    old = replace(part, finished=part.finished - timedelta(seconds=30))
    for rounds, every, produced, stale in (
        ([part], 10, None, False),
        ([old], 10, None, True),  # 30 s > 2 × 10 s + 5 s
        ([old], 2, 60, False),  # the watch reads every minute: 30 s is one interval
    ):
        state = LiveState(
            lambda rounds=rounds: _round(*rounds), every=every, chains=CHAINS[:1], produced_every=produced
        )
        assert state.status().chains[0].age is None and not state.status().chains[0].stale
        state.start()
        try:
            _wait_for(state, lambda s: s.read)
            assert state.status().chains[0].stale is stale
        finally:
            state.stop()


def test_a_stopped_watch_leaves_no_figure_current():
    stopped = replace(_round(_part("devnet", 5)), watch=WatchState("history.sqlite3", running=False))
    state = LiveState(lambda: stopped, every=0.05, chains=CHAINS[:1], produced_every=60)
    state.start()
    try:
        _wait_for(state, lambda s: s.read)
        (chain,) = state.status().chains
    finally:
        state.stop()
    assert chain.stale and chain.failing is None and chain.age < timedelta(seconds=60)


def test_serve_refuses_bad_input_in_one_line(cli):
    """Before anything is read: a busy port (exit 1), too short an interval or no wallet (exit 2)."""
    wallet = "0x" + "1" * 40
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = cli("serve", wallet, "--chain", "devnet", "--port", str(port))
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    code, _, err = cli("serve", wallet, "--chain", "devnet", "--every", "1")
    assert code == 2 and "--every" in err
    code, _, err = cli("serve", "--chain", "devnet")
    assert code == 2 and "give wallet addresses" in err
