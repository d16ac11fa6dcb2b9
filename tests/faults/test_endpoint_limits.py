"""The documented limits of the public endpoints in the address book, played by the fault proxy
in front of the devnet (real Aave, Morpho and Comet-stand-in bytecode; only the network between
is limited): `track` and `scan` through each give exactly what a direct read of the devnet
gives, or, where no endpoint can answer, one line and exit code 4.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from chainwatch.adapters import adapter_class
from chainwatch.chains import get_chain
from chainwatch.rpc import BlockReader, EndpointPool
from chainwatch.rpc.logs import LogScanner
from chainwatch.rpc.reader import GAS_BUDGET
from tests.helpers.accounts import fresh_account
from tests.helpers.fault_proxy import FAKE_KEY
from tests.helpers.loans import open_aave_loan

WALLETS = 1500  # enough wallets that one round of reads is many multicalls: a real batch


@pytest.fixture
def many_wallets(tmp_path, fast_rpc, monkeypatch) -> Path:
    monkeypatch.setenv("CHAINWATCH_RPC_TIMEOUT", "20")  # the proxy relays megabytes: no hurry
    path = tmp_path / "wallets.txt"
    path.write_text("\n".join(fresh_account(f"limits-{i}") for i in range(WALLETS)) + "\n")
    return path


def _direct(track, chain, more=None) -> str:
    code, out, err = track(chain.rpc_url, more=more)
    assert code == 0, err
    return out


# -- JSON-RPC batches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "options", "largest_after"),
    [
        ("batch-items", {"batch_limit": 3}, 3),  # dRPC free tier: at most 3, the rest refused
        ("batch-whole", {}, 1),  # Flashbots: no batches at all
        ("batch-too-large", {"batch_limit": 3}, 3),  # geth --rpc.batch-request-limit
        ("batch-close", {"batch_limit": 3}, 3),  # a proxy that drops the connection
    ],
)
def test_a_batch_limit_is_learned_and_kept(persona, options, largest_after, chain, proxies, track, many_wallets):
    direct = _direct(track, chain, many_wallets)
    proxy = proxies(**options).always(persona)
    code, out, err = track(proxy.url, more=many_wallets)
    assert (code, out) == (0, direct), err
    assert proxy.refused, "the persona never had to refuse: the test proves nothing"
    # Learned in a few halvings, remembered for the run: nothing larger is sent again.
    assert len(proxy.refused) <= 4, proxy.refused
    last_refused = max(i for i, size in enumerate(proxy.sizes) if size > largest_after)
    assert max(proxy.sizes[last_refused + 1 :]) <= largest_after
    assert len(proxy.sizes) > last_refused + 3  # ... and the endpoint went on serving
    assert FAKE_KEY not in err


def test_a_request_size_cap_is_met_by_smaller_batches_and_multicalls(chain, proxies, track, many_wallets):
    """1RPC refuses requests over 2 MB (HTTP 413); scaled down to 300 kB here, the batch
    halves to single multicalls, and a multicall still too large is planned again smaller."""
    direct = _direct(track, chain, many_wallets)
    proxy = proxies(max_request_bytes=300_000).always("request-413")
    code, out, err = track(proxy.url, more=many_wallets)
    assert (code, out) == (0, direct), err
    assert proxy.refused and len(proxy.refused) <= 6, proxy.refused


def test_a_batch_refusal_never_costs_a_healthy_endpoint_its_place(chain, proxies, track, many_wallets, caplog):
    """dRPC first, a full node second: dRPC keeps serving (in batches of 3), nobody fails over."""
    direct = _direct(track, chain, many_wallets)
    limited = proxies(batch_limit=3).always("batch-items")
    backup = proxies()
    code, out, err = track(limited.url, backup.url, more=many_wallets)
    assert (code, out) == (0, direct), err
    assert limited.refused and len(limited.sizes) > 3
    assert backup.sizes == [2]  # asked for its chain id and head at the start, then never again
    assert "trying the next endpoint" not in caplog.text and "not using" not in caplog.text


def test_answers_over_a_response_cap_are_asked_for_in_smaller_pieces(chain, proxies, track, many_wallets):
    """1RPC caps responses at 2 MB; scaled down here, both the batch and single multicalls
    run into it, and the reader plans smaller multicalls until each answer fits."""
    direct = _direct(track, chain, many_wallets)
    proxy = proxies(max_response_bytes=20_000).always("response-cap")
    code, out, err = track(proxy.url, more=many_wallets)
    assert (code, out) == (0, direct), err
    assert any("response past" in r for r in proxy.refused)


# -- eth_call gas --------------------------------------------------------------------------


def test_a_node_capping_eth_call_gas_at_eip_7825_answers_every_read(chain, proxies, track):
    direct = _direct(track, chain)
    proxy = proxies().always("gas-cap")
    # The persona bites: a call without `gas` takes geth's 50M default and is refused ...
    call = {"to": chain.deployment.wbtc, "data": "0x18160ddd"}  # totalSupply()
    answer = requests.post(
        proxy.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [call, "latest"]}
    )
    assert answer.json()["error"]["message"] == "transaction gas limit too high (cap: 16777216, tx: 50000000)"
    # ... while chainwatch sends the multicall's budget, 2^24, and is answered throughout.
    proxy.refused.clear()
    code, out, err = track(proxy.url)
    assert (code, out) == (0, direct), err
    assert proxy.refused == []


def test_an_out_of_gas_multicall_is_split_and_the_budget_learned(chain, proxies, track, many_wallets):
    """geth's --rpc.gascap silently gives a call less gas than it asks for; the multicalls run
    out of gas and are planned again with half the gas until they fit."""
    direct = _direct(track, chain, many_wallets)
    proxy = proxies(gas_allowance=1_000_000).always("gas-allowance")
    code, out, err = track(proxy.url, more=many_wallets)
    assert (code, out) == (0, direct), err
    stingy = BlockReader.at(EndpointPool([proxy.url]))
    market = get_chain("devnet").markets[0]
    adapter = adapter_class(market.protocol)(get_chain("devnet"), market)
    adapter.read_positions(stingy, [fresh_account(f"limits-{i}") for i in range(WALLETS)])
    assert stingy.gas_budget < GAS_BUDGET  # learned from the out-of-gas answers
    assert stingy.gas_limit == GAS_BUDGET  # what it asks for stays: the node caps it silently


# -- eth_getLogs ---------------------------------------------------------------------------


def _borrowers(chain, count: int = 3) -> list[str]:
    accounts = [fresh_account(f"scan-limits-{i}") for i in range(count)]
    for i, account in enumerate(accounts):
        open_aave_loan(chain, "spark", account, {"WBTC": Decimal(1)}, {"USDC": Decimal(10_000 * (i + 1))})
    return accounts


def _scan(cli, tmp_path, *urls, book=None, more=()):
    cache = tmp_path / f"cache-{len(list(tmp_path.iterdir()))}"
    args = ["scan", "--chain", "devnet", "--protocol", "spark", "--format", "json", "--cache-dir", cache]
    args += [a for url in urls for a in ("--rpc", url)]
    args += ["--address-book", book] if book else []
    return cli(*args, *more)


def _spark_logs_deployment(chain) -> int:
    """The block the contract emitting spark's collateral logs was deployed in, on the devnet."""
    devnet = get_chain("devnet")
    (market,) = [m for m in devnet.markets if m.name == "spark"]
    pool = EndpointPool([chain.rpc_url])
    reader = BlockReader.at(pool)
    (logs,) = adapter_class(market.protocol)(devnet, market).collateral_account_logs(
        reader, devnet.main_btc_asset.address
    )
    return LogScanner(pool).first_block_with_code(logs.address, reader.block.number)


def _book_with_deployment_blocks(tmp_path, deployed: int) -> Path:
    """The devnet's markets, each with `deployment_block` as the address book would give it."""
    devnet = get_chain("devnet")
    lines = ["[chains.devnet]"]
    for market in devnet.markets:
        lines += ["[[chains.devnet.markets]]", f'protocol = "{market.protocol}"', f'name = "{market.name}"']
        lines += [f"{key} = {json.dumps(list(v) if isinstance(v, tuple) else v)}" for key, v in market.settings.items()]
        lines.append(f"deployment_block = {deployed}")
    path = tmp_path / "book.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


RANGE_REFUSALS = [
    (200, -32602, "range {asked} exceeds limit of {limit}"),  # Infura's live answer (INFURA/infura#237)
    (413, -32614, "eth_getLogs is limited to a {limit} range"),  # QuickNode (OffchainLabs/arbitrum-sdk#609)
    (200, -32005, "block range too large, max range: {limit}"),  # cdk-erigon (0xPolygon/cdk-erigon#1706)
    (200, -32005, "query returned more than 10000 results"),  # geth-style result cap, MEV Blocker's code
    (200, -32000, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"),
]


@pytest.mark.parametrize("refusal", RANGE_REFUSALS, ids=lambda r: r[2].split()[0])
def test_a_log_range_cap_shrinks_the_range_and_a_rate_limit_only_pauses(
    refusal, chain, proxies, cli, tmp_path, monkeypatch
):
    accounts = _borrowers(chain)
    pauses: list[float] = []
    monkeypatch.setattr("chainwatch.rpc.retry.sleep", pauses.append)
    code, direct, err = _scan(cli, tmp_path, chain.rpc_url)
    assert code == 0, err
    assert json.loads(direct)["accounts_scanned"] >= len(accounts)
    proxy = proxies(log_range=50, log_range_error=refusal, log_rate_limits=2).persona("log-rate", "log-range")
    code, out, err = _scan(cli, tmp_path, proxy.url)
    assert (code, out) == (0, direct), err
    rate, ranges = [r for r in proxy.refused if "rate" in r], [r for r in proxy.refused if "rate" not in r]
    assert len(rate) == 2 and ranges
    assert len(pauses) == 2  # a pause for each rate limit, none for a range refusal


def test_a_lasting_rate_limit_is_one_line_and_exit_4(chain, proxies, cli, tmp_path, monkeypatch):
    monkeypatch.setattr("chainwatch.rpc.retry.sleep", lambda seconds: None)
    proxy = proxies(log_rate_limits=10**9).persona("log-rate")
    code, out, err = _scan(cli, tmp_path, proxy.url)
    assert (code, out) == (4, "")
    (line,) = err.strip().splitlines()
    assert "still rate-limited" in line and "project ID request rate exceeded" in line
    assert FAKE_KEY not in line


def test_a_scan_starts_at_the_deployment_block_a_pruned_node_still_serves(chain, proxies, cli, tmp_path):
    """A full node keeps no old state, so no deployment block can be found with eth_getCode, and
    has pruned the logs before some block: without the market's deployment_block a scan starts
    at block 0 and meets the pruned blocks; with it, the scan never asks below it and finds what
    a direct scan finds."""
    _borrowers(chain)
    chain.w3.provider.make_request("anvil_mine", [hex(200)])  # old state: more than 128 blocks back
    deployed = _spark_logs_deployment(chain)
    code, direct, err = _scan(cli, tmp_path, chain.rpc_url)
    assert code == 0, err
    full_node = proxies(pruned_before=deployed).persona("pruned", "no-archive")
    code, out, err = _scan(cli, tmp_path, full_node.url)
    assert (code, out) == (4, "")
    assert f"blocks 0-{deployed - 1}, pruned history" in err and f"--from-block {deployed}" in err
    full_node.refused.clear()
    code, out, err = _scan(cli, tmp_path, full_node.url, book=_book_with_deployment_blocks(tmp_path, deployed))
    assert (code, out) == (0, direct), err
    assert full_node.refused == []


def test_pruned_history_names_the_blocks_and_the_from_block_that_works(chain, proxies, cli, tmp_path):
    _borrowers(chain)
    deployed = _spark_logs_deployment(chain)
    pruned = proxies(pruned_before=deployed + 5).persona("pruned")
    code, out, err = _scan(cli, tmp_path, pruned.url)
    assert (code, out) == (4, "")
    (line,) = err.strip().splitlines()
    assert f"no endpoint serves eth_getLogs for blocks {deployed}-{deployed + 4}, pruned history" in line
    assert "error 4444: pruned history unavailable" in line
    assert f"--from-block {deployed + 5}" in line and "archive endpoint" in line
    assert FAKE_KEY not in line
    # ... and an archive endpoint beside the pruned one answers like a direct scan.
    code, direct, err = _scan(cli, tmp_path, chain.rpc_url)
    assert code == 0, err
    code, out, err = _scan(cli, tmp_path, pruned.url, chain.rpc_url)
    assert (code, out) == (0, direct), err
