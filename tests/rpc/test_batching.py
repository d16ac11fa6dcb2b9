"""Read planning on the real devnet: gas-budgeted multicalls, JSON-RPC batches, merged rounds.

Every result is checked against a plain eth_call of the same function straight to its
contract, with no Multicall3 in between: batching must change how reads travel, never what
they answer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.abi import function
from chainwatch.chains import get_chain
from chainwatch.rpc import BlockReader, Call, EndpointPool
from chainwatch.rpc.codec import decoder, encoder
from chainwatch.snapshot import read_snapshot
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan

D = Decimal
BALANCE = function("ERC20", "balanceOf")
CONFIGURATION = function("AavePool", "getUserConfiguration")
RESERVE = function("AavePool", "getReserveData")


@pytest.fixture
def borrowers(chain, request) -> list[str]:
    accounts = [fresh_account(f"{request.node.name}-{i}") for i in range(6)]
    for i, account in enumerate(accounts):
        market = "aave-v3" if i % 2 == 0 else "spark"
        open_aave_loan(
            chain,
            market,
            account,
            {"WBTC": D(1) + i, "WETH": D(i)} if i else {"WBTC": D(1)},
            {"USDC": D(5000) * (i + 1)},
        )
    return accounts


def unbatched(pool: EndpointPool, call: Call, block: int):
    """One eth_call straight to the contract, decoded the slow generic way."""
    answer = pool.request("eth_call", [{"to": call.target, "data": "0x" + call.calldata().hex()}, hex(block)])
    return call.fn.decode_result(bytes.fromhex(answer[2:]))


def calls_for(chain, accounts: list[str]) -> list[Call]:
    market = chain.deployment.markets["aave-v3"]
    calls = [Call(market.pool, RESERVE, (chain.deployment.wbtc,))]
    for account in accounts:
        calls += [
            Call(market.pool, CONFIGURATION, (account,)),
            Call(market.a_tokens["WBTC"], BALANCE, (account,)),
            Call(market.variable_debt_tokens["USDC"], BALANCE, (account,)),
        ]
    return calls


def test_batched_reads_equal_unbatched_reads_call_by_call(chain, borrowers):
    pool = EndpointPool([chain.rpc_url])
    reader = BlockReader.at(pool)
    calls = calls_for(chain, borrowers + [chain.deployment.demo_wallets["A"]])
    planned = reader.read(calls)
    reader.gas_budget = 1  # every call a multicall of its own, many per JSON-RPC batch
    one_by_one = reader.read(calls)
    direct = [unbatched(pool, call, reader.block.number) for call in calls]
    assert planned == one_by_one == direct
    assert any(row[0] for row in direct[2::3])  # real balances, not a table of zeros


def test_snapshot_of_many_accounts_equals_snapshots_of_each(chain, borrowers):
    devnet = get_chain("devnet")
    block = chain.w3.eth.block_number
    together = read_snapshot(devnet, borrowers, rpc=[chain.rpc_url], block=block)
    assert len(together.positions) == len(borrowers)
    for account in borrowers:
        alone = read_snapshot(devnet, [account], rpc=[chain.rpc_url], block=block)
        assert alone.positions == tuple(p for p in together.positions if p.account == account)


def test_a_reverting_call_leaves_every_other_account_readable(chain, borrowers):
    pool = EndpointPool([chain.rpc_url])
    reader = BlockReader.at(pool)
    market = chain.deployment.markets["aave-v3"]
    # The Pool has no balanceOf: asked for one, its proxy reverts.
    reverting = Call(market.pool, BALANCE, (borrowers[0],))
    calls = calls_for(chain, borrowers)
    mixed = calls[:4] + [reverting] + calls[4:] + [reverting]
    rows = reader.read(mixed)
    assert rows[4] is None and rows[-1] is None
    assert rows[:4] + rows[5:-1] == reader.read(calls)
    assert None not in rows[:4] + rows[5:-1]


def test_reads_grow_the_multicalls_not_the_http_requests(chain, borrowers, monkeypatch):
    """Ten times the calls take the same one HTTP request, carrying more multicalls."""
    pool = EndpointPool([chain.rpc_url])
    reader = BlockReader.at(pool)
    posts = []
    endpoint = pool.endpoints[0]
    original = endpoint._post
    monkeypatch.setattr(endpoint, "_post", lambda payload, method: posts.append(payload) or original(payload, method))
    few = calls_for(chain, borrowers)
    reader.gas_budget = sum(c.gas for c in few)  # the few fill exactly one multicall
    sizes = []
    for calls in (few, few * 10):
        posts.clear()
        assert reader.read(calls) == reader.read(few) * (len(calls) // len(few))
        sizes.append(len(posts[0]) if isinstance(posts[0], list) else 1)
        assert len(posts) == 2  # this read and the comparison read: one HTTP request each
    assert sizes == [1, 10]


def test_merged_rounds_of_two_markets_answer_like_separate_reads(chain, borrowers):
    reader = BlockReader.at(EndpointPool([chain.rpc_url]))
    aave = calls_for(chain, borrowers)
    spark_market = chain.deployment.markets["spark"]
    spark = [Call(spark_market.a_tokens["WBTC"], BALANCE, (a,)) for a in borrowers]
    merged = reader.gather([lambda: (reader.read(aave), reader.read(spark)), lambda: reader.read(spark)])
    assert merged == [(reader.read(aave), reader.read(spark)), reader.read(spark)]


def test_the_hand_coded_abi_matches_eth_abi():
    account = fresh_account("codec")
    for fn, args in ((BALANCE, (account,)), (CONFIGURATION, (account,)), (RESERVE, (account,))):
        assert encoder(fn)(args) == fn.encode_call(*args)
    words = (5).to_bytes(32, "big")
    assert decoder(BALANCE)(words) == BALANCE.decode_result(words) == (5,)
    dirty = b"\x01" + bytes(11) + bytes(20)
    with pytest.raises(ValueError):
        decoder(function("AavePoolAddressesProvider", "getPool"))(dirty)
