"""The dashboard in a real headless browser, on the devnet's real protocol bytecode.

Referees: `track --format json` read by the CLI at the block the page shows (every figure's
exact value sits in a `data-value` attribute, its rounding on screen), `risk --target-ltv` for
the what-if, and hand-worked LTV arithmetic from the track document.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

from chainwatch.devnet.controls import set_btc_price
from tests.dashboard.conftest import PHONE, screenshot
from tests.helpers.schemas import assert_valid

D = Decimal
EVERY = "3"  # seconds between readings: the page's refresh too


def devnet_args(devnet) -> list[str]:
    return ["--chain", "devnet", "--rpc", devnet.rpc_url]


def track_at(cli, devnet, wallets, block: int) -> dict:
    code, out, err = cli("track", *wallets, *devnet_args(devnet), "--block", str(block), "--format", "json")
    assert code == 0, err
    return json.loads(out)


def page_loans(page) -> dict[tuple[str, str, str], dict[str, str]]:
    """Each loan card's exact figures, keyed by (account, protocol, market)."""
    return {
        (card["account"], card["protocol"], card["market"]): card
        for card in page.eval_on_selector_all(
            "article.loan",
            """cards => cards.map(c => ({
                account: c.dataset.account, protocol: c.dataset.protocol, market: c.dataset.market,
                block: c.dataset.block,
                ltv: c.querySelector('.ltv').dataset.value, ltv_text: c.querySelector('.ltv').innerText,
                hf: c.querySelector('.health-factor').dataset.value,
                hf_text: c.querySelector('.health-factor').innerText,
                liq: c.querySelector('.liquidation-price').dataset.value,
                liq_text: c.querySelector('.liquidation-price').innerText}))""",
        )
    }


def shown_block(page) -> int:
    return int(page.get_attribute("#status [data-block]", "data-block"))


def assert_page_matches_track(page, document: dict) -> None:
    loans = page_loans(page)
    assert len(loans) == len(document["positions"]) > 0
    for position in document["positions"]:
        card = loans[(position["account"], position["protocol"], position["market"])]
        assert card["block"] == str(document["block"])
        assert (card["ltv"], card["hf"], card["liq"]) == (
            position["ltv"],
            position["health_factor"],
            position["liquidation_price_btc"],
        )
        # What a person reads: the same figures, rounded by hand here.
        assert card["ltv_text"] == f"{D(position['ltv']) * 100:.2f}%"
        assert card["hf_text"] == f"{D(position['health_factor']):.3f}"
        assert card["liq_text"] == f"${D(position['liquidation_price_btc']):,.0f}"


def test_the_page_shows_every_demo_loan_as_track_does(devnet, cli, serve, page, browser):
    wallets = list(devnet.deployment.demo_wallets.values())
    server = serve(*wallets, *devnet_args(devnet), "--every", EVERY)
    page.goto(server.url)
    block = shown_block(page)
    document = track_at(cli, devnet, wallets, block)
    assert {p["protocol"] for p in document["positions"]} == {
        "aave-v3", "spark", "aave-v3.6", "morpho-blue", "compound-v3",
    }  # fmt: skip
    assert_page_matches_track(page, document)
    # The API's documents are the CLI's, by the shipped schemas.
    assert_valid("track", server.json("/api/track"))
    assert_valid("risk", server.json("/api/risk"))
    # On top: the worst loan (lowest health factor) and the first BTC price that liquidates one.
    worst = min(document["positions"], key=lambda p: D(p["health_factor"]))
    assert page.get_attribute("[data-worst]", "data-worst") == worst["account"]
    first = max(D(p["liquidation_price_btc"]) for p in document["positions"])
    assert D(page.get_attribute(".first-liquidation", "data-value")) == first
    # Everything the page loaded came from the server itself: no CDN, nothing from elsewhere.
    assert page.requested and all(url.startswith(server.url) for url in page.requested), page.requested
    desktop = screenshot(page, "portfolio-1280x800")
    phone = browser.new_page(viewport=PHONE)
    phone.goto(server.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off the side
    mobile = screenshot(phone, "portfolio-phone")
    phone.close()
    assert desktop.stat().st_size > 10_000 and mobile.stat().st_size > 10_000


def test_a_price_move_shows_within_one_refresh(chain, cli, serve, page):
    wallets = list(chain.deployment.demo_wallets.values())
    server = serve(*wallets, *devnet_args(chain), "--every", EVERY)
    page.goto(server.url)
    before = shown_block(page)
    page.evaluate("window.notReloaded = true")
    set_btc_price(chain.w3, chain.deployment, D(40_000))
    # One reading (≤ EVERY s after it starts, plus its own time) and one refresh of the page.
    deadline = time.monotonic() + 45
    while shown_block(page) <= before:  # the page's own CSP forbids the eval wait_for_function needs
        assert time.monotonic() < deadline, "the page did not show the move"
        page.wait_for_timeout(250)
    assert page.evaluate("window.notReloaded") is True  # refreshed in place: a typed form would survive
    document = track_at(cli, chain, wallets, shown_block(page))
    assert all(
        D(p["collateral"][0]["price_usd"]) == 40_000
        for p in document["positions"]
        if p["collateral"][0]["symbol"] == "WBTC"
    )
    assert_page_matches_track(page, document)


def test_the_what_if_gives_risk_target_ltv_numbers(devnet, cli, serve, page):
    wallet = devnet.deployment.demo_wallets["A"]
    server = serve(wallet, *devnet_args(devnet), "--every", "60")
    page.goto(server.url)
    page.click("article.loan h2 a")
    page.fill("input[name=target_ltv]", "0.3")
    page.click("button[type=submit]")
    block = int(page.get_attribute("#loan", "data-block"))
    code, out, err = cli(
        "risk", wallet, *devnet_args(devnet), "--block", str(block), "--target-ltv", "0.3", "--format", "json"
    )
    assert code == 0, err
    risk = json.loads(out)
    # The 14-day outlook and the liquidation probability are `risk`'s own.
    outlook = risk["positions"][0]["outlook"]["scenarios"]
    for scenario in outlook:
        row = f"tr[data-scenario='{scenario['name']}'] td[data-value]"
        assert page.eval_on_selector_all(row, "cells => cells.map(c => c.dataset.value)") == [
            scenario["ltv"],
            scenario["health_factor"],
        ]
    probability = risk["positions"][0]["liquidation_probability"]["probability"]
    assert page.get_attribute(".probability [data-value]", "data-value") == probability
    assert page.locator("svg.chart title", has_text="LTV against the BTC price").count() == 1
    expected = risk["positions"][0]["what_if"]
    shown = {
        key: page.get_attribute(f"#what-if-target .{css}", "data-value")
        for key, css in (
            ("repay", "repay"),
            ("liquidation_price_after_repay", "after-repay"),
            ("add_btc", "add-btc"),
            ("liquidation_price_after_add_btc", "after-add"),
        )
    }
    assert shown == {key: expected[key] for key in shown}
    # Typing that repayment gives the target LTV, worked by hand from the track document.
    page.fill("input[name=target_ltv]", "")
    page.fill("input[name=repay]", expected["repay"])
    page.click("button[type=submit]")
    (position,) = track_at(cli, devnet, [wallet], block)["positions"]
    after = D(page.get_attribute("#what-if-after .ltv", "data-value"))
    by_hand = (D(position["debt_usd"]) - D(expected["repay"])) / D(position["collateral_usd"])
    assert abs(after - by_hand) < D("1e-20") and abs(after - D("0.3")) < D("1e-20")
    after_price = D(page.get_attribute("#what-if-after .liquidation-price", "data-value"))
    assert abs(after_price - D(expected["liquidation_price_after_repay"])) < D("1e-12")
    # The API answers the CLI's own document for the same question.
    api = server.json(f"/api/risk?account={wallet}&target_ltv=0.3")
    assert api == risk
    assert_valid("risk", api)
    screenshot(page, "loan-1280x800")


def test_a_target_past_liquidation_is_one_line_on_the_page(devnet, serve, page):
    server = serve(devnet.deployment.demo_wallets["A"], *devnet_args(devnet), "--every", "60")
    page.goto(server.url)
    page.click("article.loan h2 a")
    page.fill("input[name=target_ltv]", "0.9")
    page.click("button[type=submit]")
    assert "is not below the liquidation LTV" in page.inner_text("#what-if-error")
