"""The dashboard over the whole loan book of a config file, on both local chains at once.

Referees: `track --config … --format json` run through the CLI over both chains (each chain
read at its own block: the blocks the page shows), figures rounded by hand, `risk --target-ltv`
for the what-if on the second chain, and each chain's own head read directly.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chainwatch.devnet.controls import set_btc_price
from tests.dashboard.conftest import PHONE, screenshot
from tests.helpers.fault_proxy import FAKE_KEY, FaultProxy
from tests.helpers.schemas import assert_valid

D = Decimal
EVERY = "3"
CHAINS = ("devnet", "devnet-l2")


def write_book(tmp_path, devnet_url: str, l2_url: str) -> str:
    """An address book pointing both local chains at the test's endpoints."""
    path = tmp_path / "book.toml"
    path.write_text(f'[chains.devnet]\nrpc = ["{devnet_url}"]\n\n[chains.devnet-l2]\nrpc = ["{l2_url}"]\n')
    return str(path)


def write_config(tmp_path, chain, chain_l2) -> str:
    """The demo loan book: every demo wallet of both chains, labelled, and a CeFi loan begun
    30 days before the devnet's head."""
    wallets = dict.fromkeys([*chain.deployment.demo_wallets.values(), *chain_l2.deployment.demo_wallets.values()])
    since = datetime.fromtimestamp(chain.w3.eth.get_block("latest")["timestamp"], UTC) - timedelta(days=30)
    text = f"chains = {json.dumps(list(CHAINS))}\n\n"
    text += "".join(f'[[wallets]]\naddress = "{w}"\nlabel = "demo {i}"\n\n' for i, w in enumerate(wallets, 1))
    text += (
        '[[loans]]\nname = "Ledn"\nlabel = "savings"\nbtc = 0.5\ndebt_usd = 12000\napr = 0.125\n'
        f'compounding = "monthly"\nsince = {since:%Y-%m-%dT%H:%M:%SZ}\nliquidation_ltv = 0.8\nmargin_call_ltv = 0.7\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def track(cli, config: str, book: str) -> tuple[int, dict]:
    code, out, err = cli("track", "--config", config, "--address-book", book, "--format", "json")
    assert "Traceback" not in err
    return code, json.loads(out)


def page_loans(page) -> dict[tuple[str, str, str, str], dict[str, str]]:
    """Each loan card's exact figures, keyed by (chain, account, protocol, market)."""
    return {
        (card["chain"], card["account"], card["protocol"], card["market"]): card
        for card in page.eval_on_selector_all(
            "article.loan",
            """cards => cards.map(c => ({
                chain: c.dataset.chain, account: c.dataset.account, protocol: c.dataset.protocol,
                market: c.dataset.market, block: c.dataset.block, stale: c.dataset.stale,
                ltv: c.querySelector('.ltv').dataset.value, ltv_text: c.querySelector('.ltv').innerText,
                hf: c.querySelector('.health-factor').dataset.value,
                hf_text: c.querySelector('.health-factor').innerText,
                liq: c.querySelector('.liquidation-price').dataset.value,
                liq_text: c.querySelector('.liquidation-price').innerText}))""",
        )
    }


def shown_blocks(page) -> dict[str, int]:
    return {
        line["chain"]: int(line["block"])
        for line in page.eval_on_selector_all(
            "#status .chain-line[data-block]", "ls => ls.map(l => ({chain: l.dataset.chain, block: l.dataset.block}))"
        )
    }


def assert_page_matches_track(page, document: dict) -> None:
    blocks = {c["chain"]: c["block"] for c in document["chains"]}
    assert shown_blocks(page) == blocks
    loans = page_loans(page)
    assert len(loans) == len(document["positions"])
    for p in document["positions"]:
        card = loans[(p["chain"], p["account"], p["protocol"], p["market"])]
        assert card["block"] == str(blocks[p["chain"]]) and card["stale"] == "false"
        assert (card["ltv"], card["hf"], card["liq"]) == (p["ltv"], p["health_factor"], p["liquidation_price_btc"])
        assert card["ltv_text"] == f"{D(p['ltv']) * 100:.2f}%"
        assert card["hf_text"] == f"{D(p['health_factor']):.3f}"
        assert card["liq_text"] == f"${D(p['liquidation_price_btc']):,.0f}"


def test_the_whole_loan_book_of_both_chains_as_track_has_it(chain, chain_l2, cli, serve, page, browser, tmp_path):
    book = write_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    config = write_config(tmp_path, chain, chain_l2)
    server = serve("--config", config, "--address-book", book, "--every", EVERY)
    status = server.wait_for_reading()
    assert [(c["chain"], c["error"], c["stale"]) for c in status["chains"]] == [
        ("devnet", None, False),
        ("devnet-l2", None, False),
    ]
    assert status["mode"] == "live" and status["watch"] is None
    page.goto(server.url)
    code, document = track(cli, config, book)
    assert code == 0
    heads = {"devnet": chain.w3.eth.block_number, "devnet-l2": chain_l2.w3.eth.block_number}
    assert {c["chain"]: c["block"] for c in document["chains"]} == heads  # nothing moved since the page's reading
    assert {p["chain"] for p in document["positions"]} == set(CHAINS)
    (cefi,) = [p for p in document["positions"] if p["protocol"] == "cefi"]
    assert (cefi["chain"], cefi["market"]) == ("devnet", "Ledn")  # valued on the first chain read
    assert_page_matches_track(page, document)
    assert server.json("/api/track") == document
    assert_valid("track", document)
    # On top, over both chains: the worst loan and the first BTC price that liquidates one.
    worst = min(document["positions"], key=lambda p: D(p["health_factor"]))
    assert (page.get_attribute("[data-worst]", "data-worst"), page.get_attribute("[data-worst]", "data-chain")) == (
        worst["account"],
        worst["chain"],
    )
    first = max(D(p["liquidation_price_btc"]) for p in document["positions"])
    assert D(page.get_attribute(".first-liquidation", "data-value")) == first
    assert page.requested and all(url.startswith(server.url) for url in page.requested)
    desktop = screenshot(page, "portfolio-two-chains-1280x800")
    phone = browser.new_page(viewport=PHONE)
    phone.goto(server.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mobile = screenshot(phone, "portfolio-two-chains-phone", full_page=False)
    phone.close()
    assert desktop.stat().st_size > 10_000 and mobile.stat().st_size > 10_000  # README's docs/dashboard*.png

    # BTC moves on devnet-l2 only: the page shows its new block and figures by itself, no reload.
    page.evaluate("window.notReloaded = true")
    set_btc_price(chain_l2.w3, chain_l2.deployment, D(45_000))
    deadline = time.monotonic() + 45
    while shown_blocks(page).get("devnet-l2", 0) <= heads["devnet-l2"]:
        assert time.monotonic() < deadline, "the page did not show the move"
        page.wait_for_timeout(250)
    page.wait_for_timeout(300)
    assert page.evaluate("window.notReloaded") is True
    code, moved = track(cli, config, book)
    assert code == 0 and {c["chain"]: c["block"] for c in moved["chains"]} == {
        "devnet": heads["devnet"],
        "devnet-l2": chain_l2.w3.eth.block_number,
    }
    assert all(
        D(h["price_usd"]) == 45_000
        for p in moved["positions"]
        if p["chain"] == "devnet-l2"
        for h in p["collateral"]
        if h["is_btc"]
    )
    assert_page_matches_track(page, moved)

    # The what-if of a devnet-l2 loan is `risk --target-ltv` on that chain at that block.
    wallet = chain_l2.deployment.demo_wallets["A"]
    (l2_aave,) = [p for p in moved["positions"] if p["chain"] == "devnet-l2" and p["account"] == wallet]
    page.click(f"article.loan[data-chain='devnet-l2'][data-account='{wallet}'] h2 a")
    page.fill("input[name=target_ltv]", "0.3")
    page.click("button[type=submit]")
    assert page.get_attribute("#loan", "data-chain") == "devnet-l2"
    block = int(page.get_attribute("#loan", "data-block"))
    code, out, err = cli(
        "risk", wallet, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--block", block,
        "--protocol", l2_aave["protocol"], "--target-ltv", "0.3", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    (expected,) = json.loads(out)["positions"]
    shown = {
        key: page.get_attribute(f"#what-if-target .{css}", "data-value")
        for key, css in (("repay", "repay"), ("add_btc", "add-btc"), ("liquidation_price_after_repay", "after-repay"))
    }
    assert shown == {key: expected["what_if"][key] for key in shown}
    for scenario in expected["outlook"]["scenarios"]:
        row = f"tr[data-scenario='{scenario['name']}'] td[data-value]"
        assert page.eval_on_selector_all(row, "cells => cells.map(c => c.dataset.value)") == [
            scenario["ltv"],
            scenario["health_factor"],
        ]
    api = server.json(f"/api/risk?chain=devnet-l2&account={wallet}&protocol={l2_aave['protocol']}&target_ltv=0.3")
    assert api == json.loads(out)
    assert_valid("risk", api)


def test_a_dead_chain_is_shown_dead_and_the_other_chain_goes_on(chain, chain_l2, cli, serve, page, tmp_path):
    """devnet-l2 behind a proxy that starts answering HTTP 500 to everything after a good reading:
    its loans stay on the page marked not current beside its error, devnet's keep refreshing,
    and /api/status says which is which."""
    with FaultProxy(chain_l2.rpc_url) as proxy:
        book = write_book(tmp_path, chain.rpc_url, proxy.url)
        config = write_config(tmp_path, chain, chain_l2)
        server = serve("--config", config, "--address-book", book, "--every", EVERY)
        page.goto(server.url)
        assert page.locator("article.loan[data-chain='devnet-l2'][data-stale='false']").count() > 0
        proxy.always("500")
        status = server.wait_for(lambda s: s["chains"][1]["error"] is not None)
        devnet, l2 = status["chains"]
        assert devnet["error"] is None and not devnet["stale"] and devnet["block"] == chain.w3.eth.block_number
        assert l2["stale"] and l2["block"] == chain_l2.w3.eth.block_number and "127.0.0.1" in l2["error"]
        assert FAKE_KEY not in json.dumps(status)
        page.wait_for_selector("#status .chain-line[data-chain='devnet-l2'][data-state='failing']", timeout=30_000)
        text = page.inner_text("#status .chain-line[data-chain='devnet-l2']")
        assert "Cannot be read now" in text and "not current" in text and FAKE_KEY not in page.content()
        # Its old figures are never presented as fresh: every card of it says so; devnet's do not.
        stale_cards = page.locator("article.loan[data-chain='devnet-l2']")
        assert stale_cards.count() > 0
        assert all(stale_cards.nth(i).get_attribute("data-stale") == "true" for i in range(stale_cards.count()))
        assert all("not current" in stale_cards.nth(i).inner_text() for i in range(stale_cards.count()))
        assert page.locator("article.loan[data-chain='devnet'][data-stale='true']").count() == 0
        assert "not current" in page.inner_text("[data-state=stale-summary]")
        # /api/track is track's document of the last round: devnet's loans, devnet-l2 with its error.
        document = server.json("/api/track")
        assert_valid("track", document)
        assert [(c["chain"], c["error"] is None) for c in document["chains"]] == [
            ("devnet", True),
            ("devnet-l2", False),
        ]
        assert {p["chain"] for p in document["positions"]} == {"devnet"}
        screenshot(page, "dead-chain-1280x800")


def test_a_chain_never_read_shows_its_error_and_no_figure(chain, serve, page, tmp_path):
    from tests.dashboard.conftest import free_port

    book = write_book(tmp_path, chain.rpc_url, f"http://127.0.0.1:{free_port()}")
    wallet = chain.deployment.demo_wallets["A"]
    server = serve(wallet, "--chain", "devnet", "--chain", "devnet-l2", "--address-book", book, "--every", "60")
    devnet, l2 = server.status()["chains"]
    assert devnet["block"] is not None and l2["block"] is None and "127.0.0.1" in l2["error"]
    page.goto(server.url)
    assert page.locator("#status [data-chain='devnet-l2'][data-state=unreadable]").count() == 1
    assert page.locator("article.loan[data-chain='devnet-l2']").count() == 0
    assert page.locator("article.loan[data-chain='devnet']").count() == 1
