"""Account discovery from the real Aave v3 Pool's logs on the devnet, through the cache."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.adapters import adapter_class
from chainwatch.chains import get_chain
from chainwatch.rpc import BlockReader, EndpointPool
from chainwatch.rpc.logs import LogScanner, ScanState
from chainwatch.scan import discover_accounts
from chainwatch.scan.cache import DiscoveryCache
from tests.helpers.accounts import fresh_account
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.loans import open_aave_loan

D = Decimal


def market_adapter(name: str):
    chain = get_chain("devnet")
    (market,) = [m for m in chain.markets if m.name == name]
    return adapter_class(market.protocol)(chain, market)


def discover(chain, market: str, cache_dir, **options) -> list[str]:
    reader = BlockReader.at(EndpointPool([chain.rpc_url]))
    return discover_accounts(
        market_adapter(market), reader, get_chain("devnet").main_btc_asset.address, cache_dir, **options
    )


@pytest.fixture
def created(chain) -> list[str]:
    """Five WBTC borrowers and one WBTC lender in aave-v3, plus two accounts that must not be
    found there: a USDC-only supplier, and a WBTC borrower in spark."""
    accounts = [fresh_account(f"scan-{i}") for i in range(5)]
    for i, account in enumerate(accounts):
        open_aave_loan(chain, "aave-v3", account, {"WBTC": D(1) + i}, {"USDC": D(10000) * (i + 1)})
    lender = fresh_account("scan-lender")
    open_aave_loan(chain, "aave-v3", lender, {"WBTC": D("0.5")}, {})
    open_aave_loan(chain, "aave-v3", fresh_account("scan-usdc"), {"USDC": D(5000)}, {})
    open_aave_loan(chain, "spark", fresh_account("scan-spark"), {"WBTC": D(1)}, {"USDC": D(1000)})
    return [*accounts, lender]


def test_a_scan_finds_exactly_the_accounts_created(chain, tmp_path, request):
    before = set(discover(chain, "aave-v3", tmp_path / "before"))
    accounts = request.getfixturevalue("created")
    after = set(discover(chain, "aave-v3", tmp_path / "after"))
    assert after - before == set(accounts)
    assert before <= after
    spark = set(discover(chain, "spark", tmp_path / "spark"))
    assert fresh_account("scan-spark") in spark and not spark & set(accounts)


def test_a_node_with_a_range_limit_gives_the_same_accounts(chain, created, tmp_path):
    head = chain.w3.eth.block_number
    adapter = market_adapter("aave-v3")
    (logs,) = adapter.collateral_account_logs(
        BlockReader.at(EndpointPool([chain.rpc_url])), get_chain("devnet").main_btc_asset.address
    )
    unlimited = LogScanner(EndpointPool([chain.rpc_url])).scan(logs, ScanState(0, -1, set()), head)
    # A public node's eth_getLogs limit, played by the fault proxy in front of the devnet node.
    with FaultProxy(chain.rpc_url, log_range=7).persona("log-range") as node:
        limited = LogScanner(EndpointPool([node.url])).scan(logs, ScanState(0, -1, set(), span=1000), head)
    assert limited.accounts == unlimited.accounts and set(created) <= limited.accounts
    answered = [(a, b) for a, b in node.log_ranges if b - a < 7]
    # every block asked exactly once among the answered ranges, none twice, none skipped
    assert sorted(answered) == answered and answered[0][0] == 0 and answered[-1][1] == head
    assert all(b + 1 == a for (_, b), (a, _) in zip(answered, answered[1:]))
    assert limited.span <= 7


def test_an_interrupted_scan_resumes_where_it_stopped(chain, created, tmp_path):
    head = chain.w3.eth.block_number
    reader = BlockReader.at(EndpointPool([chain.rpc_url]))
    (logs,) = market_adapter("aave-v3").collateral_account_logs(reader, get_chain("devnet").main_btc_asset.address)
    cache = DiscoveryCache(tmp_path, 31337, logs)
    state = ScanState(0, -1, set(), span=8)
    chunks = []

    def interrupt_after_three(s: ScanState) -> None:
        cache.save(s, head, force=True)
        chunks.append(s.last)
        if len(chunks) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        LogScanner(EndpointPool([chain.rpc_url])).scan(logs, state, head, checkpoint=interrupt_after_three)
    saved = cache.load()
    assert saved is not None and saved.last == min(chunks[-1], head - 64)
    checkpoint = saved.last

    with FaultProxy(chain.rpc_url, log_range=10**9).persona("log-range") as node:  # records ranges
        resumed = LogScanner(EndpointPool([node.url])).scan(logs, saved, head)
    assert node.log_ranges[0][0] == checkpoint + 1  # nothing before the checkpoint is asked again
    full = LogScanner(EndpointPool([chain.rpc_url])).scan(logs, ScanState(0, -1, set()), head)
    assert resumed.accounts == full.accounts and set(created) <= resumed.accounts


def test_a_second_run_reads_only_the_new_blocks(chain, created, tmp_path):
    first = discover(chain, "aave-v3", tmp_path)
    later = fresh_account("scan-later")
    open_aave_loan(chain, "aave-v3", later, {"WBTC": D(2)}, {"USDC": D(1000)})
    second = discover(chain, "aave-v3", tmp_path)
    assert set(second) == set(first) | {later}


def test_morpho_discovery_finds_the_devnet_morpho_borrowers(chain, tmp_path):
    """Morpho Blue (real bytecode): every demo wallet with WBTC collateral there is found."""
    from chainwatch.snapshot import read_snapshot

    wallets = list(chain.deployment.demo_wallets.values())
    snapshot = read_snapshot(get_chain("devnet"), wallets, rpc=[chain.rpc_url], protocols=["morpho-blue"])
    holders = {p.account for p in snapshot.positions if p.collateral}
    assert holders and holders <= set(discover(chain, "morpho-blue", tmp_path))


def test_comet_discovery_finds_its_wbtc_depositors_and_not_its_weth_ones(chain, tmp_path):
    """Compound v3 (the Comet stand-in emits Comet's own SupplyCollateral event): the demo
    wallet with WBTC there is found, a WETH-only depositor is not."""
    from chainwatch.devnet import actions, controls

    comet = chain.deployment.comet
    weth_only = fresh_account("scan-comet-weth")
    controls.mint(chain.w3, chain.deployment.weth, weth_only, D(2))
    actions.approve(chain.w3, chain.deployment.weth, weth_only, comet)
    actions.comet_supply(chain.w3, comet, chain.deployment.weth, D(2), weth_only)

    found = set(discover(chain, "compound-v3", tmp_path))
    assert chain.deployment.demo_wallets["F"] in found
    assert weth_only not in found
