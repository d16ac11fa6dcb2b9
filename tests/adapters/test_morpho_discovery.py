"""Morpho Blue markets found from the singleton's CreateMarket logs, on the devnet's REAL Morpho.

The address book names the singleton without `market_ids`; markets are created here through
the real `createMarket` (anyone may create one), so the referee for "found" is Morpho itself:
the id the adapter reports is the one Morpho stores the position under (`idToMarketParams`), and
the id the devnet computes independently with eth_abi (chainwatch.devnet.morpho_market.market_id).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from web3 import Web3

from chainwatch.adapters import morpho_catalogue
from chainwatch.adapters.morpho_catalogue import CatalogueCache
from chainwatch.devnet import actions, controls
from chainwatch.devnet.aave_market import deploy_artifact
from chainwatch.devnet.deployment import MorphoMarket
from chainwatch.devnet.morpho_market import market_id
from chainwatch.devnet.node import contract, transact
from chainwatch.rpc.endpoint import Endpoint

from .invariants import fresh_account

pytestmark = pytest.mark.chain

D = Decimal
WAD = 10**18
ROOT = Path(__file__).resolve().parents[2]


def discovering_book(tmp_path: Path, chain, market_ids: list[str] | None = None) -> Path:
    """The devnet's Morpho singleton alone, without market_ids (or with the given ones)."""
    ids = "" if market_ids is None else f"market_ids = {json.dumps(market_ids)}\n"
    book = tmp_path / "book.toml"
    book.write_text(
        "[[chains.devnet.markets]]\n"
        'protocol = "morpho-blue"\n'
        'name = "morpho-blue"\n'
        f'morpho = "{chain.deployment.morpho_blue.morpho}"\n' + ids
    )
    return book


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """This test's own catalogue cache directory (not XDG_CACHE_HOME: the devnet's compiled
    contracts live in the user cache too, and a fresh one would rebuild them)."""
    folder = tmp_path / "morpho-markets"
    monkeypatch.setattr(morpho_catalogue, "default_cache_dir", lambda: folder)
    return folder


def create_market(chain, collateral: str, loan: str, lltv: Decimal) -> MorphoMarket:
    """A new market on the real singleton, with the devnet market's oracle and IRM."""
    base = chain.deployment.morpho_blue
    market = MorphoMarket(base.morpho, "", loan, collateral, base.oracle, base.irm, int(lltv * WAD))
    morpho = contract(chain.w3, "Morpho", base.morpho)
    transact(chain.w3, morpho.functions.enableLltv(market.lltv), chain.deployment.deployer)
    transact(chain.w3, morpho.functions.createMarket(market.params), chain.deployment.deployer)
    return replace(market, market_id=market_id(market.params))


def borrow(chain, market: MorphoMarket, account: str, wbtc: Decimal, usdc: Decimal) -> None:
    lender = fresh_account("discovery lender")
    controls.mint(chain.w3, market.loan_token, lender, usdc)
    actions.approve(chain.w3, market.loan_token, lender, market.morpho)
    actions.morpho_supply(chain.w3, market, usdc, lender)
    controls.mint(chain.w3, market.collateral_token, account, wbtc)
    actions.approve(chain.w3, market.collateral_token, account, market.morpho)
    actions.morpho_supply_collateral(chain.w3, market, wbtc, account)
    actions.morpho_borrow(chain.w3, market, usdc, account)


def track(cli, chain, book: Path, *accounts: str) -> dict:
    code, out, err = cli(
        "track", *accounts, "--chain", "devnet", "--rpc", chain.rpc_url, "--address-book", book, "--format", "json"
    )
    assert code == 0, err
    return json.loads(out)


def test_a_btc_market_created_after_a_run_is_found_by_the_next(chain, cli, tmp_path, cache):
    book = discovering_book(tmp_path, chain)
    demo = chain.deployment.demo_wallets["E"]  # the devnet's WBTC/USDC market
    borrower = fresh_account("discovered market borrower")

    first = track(cli, chain, book, demo, borrower)
    assert [(p["account"], p["market"]) for p in first["positions"]] == [(demo, chain.deployment.morpho_blue.market_id)]
    (cached,) = cache.iterdir()  # the catalogue is kept in the user cache
    assert json.loads(cached.read_text())["scanned_to"] == first["block"]

    new = create_market(chain, chain.deployment.wbtc, chain.deployment.usdc, D("0.77"))
    not_btc = create_market(chain, chain.deployment.usdc, chain.deployment.wbtc, D("0.625"))
    borrow(chain, new, borrower, D(1), D(20000))

    second = track(cli, chain, book, demo, borrower)
    found = {p["account"]: p for p in second["positions"]}
    assert found[borrower]["market"] == new.market_id
    assert found[borrower]["btc_assets"] == ["WBTC"]
    # Morpho knows the position under that id: collateral and the LLTV as the adapter read them.
    morpho = contract(chain.w3, "Morpho", new.morpho)
    assert morpho.functions.position(bytes.fromhex(new.market_id[2:]), borrower).call()[2] == 10**8
    assert D(found[borrower]["collateral"][0]["liquidation_threshold"]) == D("0.77")
    catalogue = CatalogueCache(cache, 31337, new.morpho).load()
    assert catalogue is not None and catalogue.last == second["block"]
    assert new.market_id in catalogue.markets and not_btc.market_id not in catalogue.markets  # USDC collateral


def test_listed_market_ids_mean_exactly_those(chain, cli, tmp_path, cache):
    other = create_market(chain, chain.deployment.wbtc, chain.deployment.usdc, D("0.77"))
    borrower = fresh_account("listed only")
    borrow(chain, other, borrower, D(1), D(20000))
    book = discovering_book(tmp_path, chain, [chain.deployment.morpho_blue.market_id])
    assert track(cli, chain, book, borrower)["positions"] == []
    assert not cache.exists()  # no discovery, no log scan


def test_a_market_id_that_does_not_exist_is_one_line(chain, cli, tmp_path, cache):
    missing = "0x" + "ab" * 32
    book = discovering_book(tmp_path, chain, [chain.deployment.morpho_blue.market_id, missing])
    code, out, err = cli(
        "track", fresh_account("anyone"), "--chain", "devnet", "--rpc", chain.rpc_url, "--address-book", book
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and missing in err and "does not exist" in err


def test_the_script_writes_the_markets_from_the_logs(chain, tmp_path):
    new = create_market(chain, chain.deployment.wbtc, chain.deployment.usdc, D("0.77"))
    create_market(chain, chain.deployment.usdc, chain.deployment.wbtc, D("0.625"))
    output = tmp_path / "markets.json"
    done = subprocess.run(
        [sys.executable, ROOT / "scripts" / "morpho_markets.py", "--chain", "devnet", "--rpc", chain.rpc_url,
         "--output", output],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(output.read_text())["singletons"]
    head = chain.w3.eth.block_number
    assert entry["chain_id"] == 31337 and entry["morpho"] == new.morpho and entry["scanned_to"] == head
    assert {m["id"] for m in entry["markets"]} == {chain.deployment.morpho_blue.market_id, new.market_id}
    assert "CreateMarket logs" in entry["source"]


def test_one_wallet_across_hundreds_of_markets_is_a_handful_of_requests(chain, cli, tmp_path, cache, monkeypatch):
    """The HTTP requests of a warm run (markets already known) do not grow with the markets."""
    posts: list[object] = []
    real_post = Endpoint._post
    monkeypatch.setattr(Endpoint, "_post", lambda self, *args: posts.append(args) or real_post(self, *args))
    book = discovering_book(tmp_path, chain)
    demo = chain.deployment.demo_wallets["E"]

    def requests_of_a_warm_run() -> int:
        track(cli, chain, book, demo)  # brings the catalogue up to the head
        posts.clear()
        assert len(track(cli, chain, book, demo)["positions"]) == 1
        return len(posts)

    one_market = requests_of_a_warm_run()
    base = chain.deployment.morpho_blue
    morpho = contract(chain.w3, "Morpho", base.morpho)
    lltv = int(D("0.70") * WAD)
    transact(chain.w3, morpho.functions.enableLltv(lltv), chain.deployment.deployer)
    for k in range(300):  # 300 more WBTC markets (creating one calls nothing on its oracle)
        oracle = Web3.to_checksum_address(f"0x{k + 1:040x}")
        transact(
            chain.w3,
            morpho.functions.createMarket((base.loan_token, base.collateral_token, oracle, base.irm, lltv)),
            chain.deployment.deployer,
        )
    catalogue_before = len(CatalogueCache(cache, 31337, base.morpho).load().markets)  # type: ignore[union-attr]
    many_markets = requests_of_a_warm_run()
    assert len(CatalogueCache(cache, 31337, base.morpho).load().markets) == catalogue_before + 300  # type: ignore[union-attr]
    assert many_markets == one_market <= 8


def test_a_market_lending_a_token_the_book_cannot_price_is_refused_not_guessed(chain, cli, tmp_path, cache):
    """A discovered WBTC market lending "EURC" (a fresh MintableERC20 stand-in token): taking it
    at $1 would be a guess, so a position there is one line naming the token and the market."""
    eurc = deploy_artifact(chain.w3, chain.deployment.deployer, "MintableERC20", "Euro Coin", "EURC", 6)
    market = create_market(chain, chain.deployment.wbtc, eurc, D("0.77"))
    holder = fresh_account("eurc market")
    controls.mint(chain.w3, chain.deployment.wbtc, holder, D(1))
    actions.approve(chain.w3, chain.deployment.wbtc, holder, market.morpho)
    actions.morpho_supply_collateral(chain.w3, market, D(1), holder)
    book = discovering_book(tmp_path, chain)
    code, out, err = cli("track", holder, "--chain", "devnet", "--rpc", chain.rpc_url, "--address-book", book)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "EURC" in err and market.market_id in err
