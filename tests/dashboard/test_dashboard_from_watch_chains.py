"""`serve --from-watch` beside one `chainwatch watch` process that watches both local chains:
the page shows each chain's latest stored reading at its own block.

Referee: `track` run through the CLI against each chain at the block the page shows for it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from tests.dashboard.test_dashboard_from_watch import WATCH_EVERY, card_figures
from tests.helpers.two_chains import address_book


def test_one_watch_of_two_chains_feeds_the_page(chain, chain_l2, cli, serve, page, tmp_path):
    book = str(address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url))
    wallets = [chain.deployment.demo_wallets[k] for k in ("A", "E")]  # both hold loans on both chains
    config = tmp_path / "config.toml"
    config.write_text(
        f'chains = ["devnet", "devnet-l2"]\ndb = "{tmp_path / "history.sqlite3"}"\n\n'
        + "".join(f'[[wallets]]\naddress = "{w}"\n\n' for w in wallets)
    )
    log = (tmp_path / "watch.log").open("w")
    watch = subprocess.Popen(
        [sys.executable, "-m", "chainwatch", "watch", "--config", str(config), "--address-book", book,
         "--every", WATCH_EVERY],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        server = serve("--config", str(config), "--address-book", book, "--from-watch", "--every", WATCH_EVERY)
        status = server.wait_for(lambda s: all(c["block"] is not None for c in s["chains"]))
        blocks = {c["chain"]: c["block"] for c in status["chains"]}
        assert set(blocks) == {"devnet", "devnet-l2"}
        page.goto(server.url)
        page.wait_for_selector("article.loan[data-chain='devnet-l2']")
        shown = {
            name: int(page.get_attribute(f"#status .chain-line[data-chain='{name}']", "data-block")) for name in blocks
        }
        expected = {}
        for name, block in shown.items():
            code, out, err = cli(
                "track", *wallets, "--chain", name, "--address-book", book, "--block", block, "--format", "json"
            )
            assert code == 0, err
            expected |= {
                (p["account"], p["protocol"], p["market"]): (str(block), p["ltv"], p["health_factor"],
                                                             p["liquidation_price_btc"])
                for p in json.loads(out)["positions"]
            }  # fmt: skip
        figures = card_figures(page)
        assert figures == expected
        assert {key[1] for key in figures} >= {"aave-v3", "morpho-blue"}
    finally:
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=30) == 0
        log.close()
