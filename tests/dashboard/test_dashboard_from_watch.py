"""`serve --from-watch`: the dashboard shows what a running `chainwatch watch` process stores,
reads no chain and writes nothing.

Referees: `track` and `risk` run through the CLI against the chain at the block the page shows
(the stored figures rebuilt from the database must be the chain's own, risk's compounding
included), and the watch process itself: stopped by Ctrl-C, its lock free, the page says so.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chainwatch.devnet.controls import set_btc_price
from tests.dashboard.conftest import screenshot
from tests.helpers.schemas import assert_valid

D = Decimal
WATCH_EVERY = "2"


def write_config(tmp_path, chain) -> str:
    """Wallets A and E, a CeFi loan (monthly compounding: its own terms) and the database."""
    since = datetime.fromtimestamp(chain.w3.eth.get_block("latest")["timestamp"], UTC) - timedelta(days=30)
    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "E")]
    text = f'chains = ["devnet"]\ndb = "{tmp_path / "history.sqlite3"}"\n\n'
    text += "".join(f'[[wallets]]\naddress = "{w}"\n\n' for w in wallets)
    text += (
        '[[loans]]\nname = "Ledn"\nlabel = "savings"\nbtc = 0.5\ndebt_usd = 12000\napr = 0.125\n'
        f'compounding = "monthly"\nsince = {since:%Y-%m-%dT%H:%M:%SZ}\nliquidation_ltv = 0.8\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def card_figures(page) -> dict[tuple[str, str, str], tuple[str, str, str, str]]:
    return {
        (c["account"], c["protocol"], c["market"]): (c["block"], c["ltv"], c["hf"], c["liq"])
        for c in page.eval_on_selector_all(
            "article.loan",
            """cards => cards.map(c => ({account: c.dataset.account, protocol: c.dataset.protocol,
                market: c.dataset.market, block: c.dataset.block,
                ltv: c.querySelector('.ltv').dataset.value, hf: c.querySelector('.health-factor').dataset.value,
                liq: c.querySelector('.liquidation-price').dataset.value}))""",
        )
    }


def track_figures(cli, config, chain, block: int) -> dict[tuple[str, str, str], tuple[str, str, str, str]]:
    code, out, err = cli("track", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--format", "json")
    assert code == 0, err
    return {
        (p["account"], p["protocol"], p["market"]): (
            str(block),
            p["ltv"],
            p["health_factor"],
            p["liquidation_price_btc"],
        )
        for p in json.loads(out)["positions"]
    }


def shown_block(page) -> int:
    return int(page.get_attribute("#status .chain-line[data-chain='devnet']", "data-block"))


def test_the_page_shows_what_a_running_watch_stores(chain, cli, serve, page, tmp_path):
    config = write_config(tmp_path, chain)
    log = (tmp_path / "watch.log").open("w")
    watch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chainwatch",
            "watch",
            "--config",
            config,
            "--rpc",
            chain.rpc_url,
            "--every",
            WATCH_EVERY,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        server = serve("--config", config, "--from-watch", "--every", WATCH_EVERY, "--volatility", "0.5")
        status = server.status()
        assert status["mode"] == "from-watch" and status["watch"]["running"] is True
        (devnet,) = status["chains"]
        assert not devnet["stale"] and devnet["positions"] == 3  # A's, E's and the CeFi loan
        page.goto(server.url)
        block = shown_block(page)
        assert block == devnet["block"]
        assert card_figures(page) == track_figures(cli, config, chain, block)
        assert "chainwatch watch" in page.inner_text("#status .source")
        # The outlook from stored readings is `risk`'s at that block: each loan's compounding came back.
        code, out, err = cli(
            "risk", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--volatility", "0.5",
            "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        risk = server.json("/api/risk")
        assert risk == json.loads(out)
        assert_valid("risk", risk)
        assert {p["compounding_source"] for p in risk["positions"]} == {"protocol", "loan"}

        # A price move: the watch stores a new reading and the page shows it by itself.
        page.evaluate("window.notReloaded = true")
        set_btc_price(chain.w3, chain.deployment, D(48_000))
        deadline = time.monotonic() + 30
        while shown_block(page) <= block:
            assert time.monotonic() < deadline, "the page did not show the watch's new reading"
            page.wait_for_timeout(250)
        page.wait_for_timeout(300)
        assert page.evaluate("window.notReloaded") is True
        moved = shown_block(page)
        assert card_figures(page) == track_figures(cli, config, chain, moved)
        assert page.get_attribute("article.loan", "data-stale") == "false"
    finally:
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=30) == 0
        log.close()
    # The watch stopped: its lock is free, and the page says its figures are its last, not now's.
    status = server.wait_for(lambda s: s["watch"]["running"] is False)
    assert status["chains"][0]["stale"] and status["chains"][0]["block"] == moved
    page.wait_for_selector("[data-state=watch-stopped]", timeout=15_000)
    assert "not the chains' now" in page.inner_text("[data-state=watch-stopped]")
    stale = page.locator("article.loan")
    assert stale.count() == 3
    assert all(stale.nth(i).get_attribute("data-stale") == "true" for i in range(3))
    # The dashboard wrote nothing: the database and its write-ahead log stay as the watch left them.
    files = sorted(tmp_path.glob("history.sqlite3*"))
    before = {f.name: (f.stat().st_size, f.stat().st_mtime_ns) for f in files}
    time.sleep(5)
    assert {f.name: (f.stat().st_size, f.stat().st_mtime_ns) for f in files} == before
    screenshot(page, "from-watch-stopped-1280x800")


def test_without_a_database_the_page_says_so(chain, serve, page, tmp_path):
    db = tmp_path / "none.sqlite3"
    wallet = chain.deployment.demo_wallets["A"]
    server = serve(wallet, "--chain", "devnet", "--from-watch", "--db", str(db), wait=False)
    status = server.wait_for(lambda s: s["error"] is not None)
    assert "no history yet" in status["error"] and status["chains"][0]["block"] is None
    page.goto(server.url)
    assert "no history yet" in page.inner_text("[data-state=round-failed]")
    assert not db.exists()  # the dashboard creates no database


def test_from_watch_refuses_what_would_read_a_chain(cli):
    code, _, err = cli("serve", "0x" + "1" * 40, "--from-watch", "--chain", "devnet", "--rpc", "http://127.0.0.1:1")
    assert code == 2 and "--from-watch reads no chain" in err
    code, _, err = cli("serve", "vitalik.eth", "--from-watch", "--chain", "devnet")
    assert code == 2 and "give its address" in err
