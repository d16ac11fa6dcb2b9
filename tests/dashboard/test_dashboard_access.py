"""Private by default: loopback only without a token, the token on every request otherwise,
nothing but GET, and no notify URL or RPC key in any answer."""

from __future__ import annotations

import json
import urllib.request

import pytest

from chainwatch.devnet.node import rpc
from tests.dashboard.conftest import free_port, screenshot


def devnet_args(devnet) -> list[str]:
    return ["--chain", "devnet", "--rpc", devnet.rpc_url]


def test_off_loopback_every_request_needs_the_token(devnet, serve, page):
    server = serve(devnet.deployment.demo_wallets["A"], *devnet_args(devnet), "--host", "0.0.0.0", token=True)
    assert server.token and len(server.token) >= 32
    for path in ("/", "/api/track", "/api/status", "/compare", "/static/style.css"):
        status, body = server.get(path)
        assert status == 401 and "token" in body, path
    assert server.get("/api/track", {"Authorization": "Bearer wrong"})[0] == 401
    assert server.get("/api/track", {"Authorization": f"Bearer {server.token}"})[0] == 200
    # The printed address works in a browser; the token moves into a cookie and out of the address bar.
    page.goto(f"http://127.0.0.1:{server.port}/?token={server.token}")
    assert "token" not in page.url
    assert page.locator("article.loan").count() == 1
    page.goto(f"http://127.0.0.1:{server.port}/compare")
    assert page.locator("form").count() == 1


def test_only_get_and_only_this_machine_by_name(devnet, serve):
    server = serve(devnet.deployment.demo_wallets["A"], *devnet_args(devnet), "--every", "60")
    assert server.url.startswith("http://127.0.0.1:")
    for method in ("POST", "PUT", "DELETE"):
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/track", method=method, data=b"")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405
    # A page elsewhere that rebinds its own name to 127.0.0.1 still cannot read the portfolio.
    assert server.get("/api/track", {"Host": f"attacker.example:{server.port}"})[0] == 403
    assert server.get("/api/track", {"Host": f"localhost:{server.port}"})[0] == 200


def test_rpc_keys_never_appear_and_a_dead_chain_says_so(devnet, serve, page):
    host_port = devnet.rpc_url.removeprefix("http://")
    keyed = f"http://keyuser:SECRETPASS@{host_port}/?apikey=SECRETKEY"
    server = serve(devnet.deployment.demo_wallets["A"], "--chain", "devnet", "--rpc", keyed, "--every", "60")
    key = next(p for p in server.json("/api/track")["positions"])
    answers = [
        server.get(path)[1]
        for path in (
            "/",
            f"/loans/devnet/{key['protocol']}/{key['market']}/{key['account']}".lower(),
            "/compare?loan=10000",
            "/api/track",
            "/api/risk",
            "/api/status",
            "/api/compare?loan=10000",
        )
    ]
    assert all("SECRET" not in answer and "keyuser" not in answer for answer in answers)
    # An endpoint that does not answer: the page says the chain cannot be read, naming the
    # endpoint without its key, and shows no figure as if it were current.
    dead = f"http://127.0.0.1:{free_port()}/v2/SECRETKEY"
    down = serve(devnet.deployment.demo_wallets["A"], "--chain", "devnet", "--rpc", dead, wait=False)
    page.goto(down.url)
    # Endpoints are retried for seconds first: meanwhile the page says a first reading is running.
    assert page.locator("[data-state=first-reading]").count() == 1
    status, body = down.get("/api/track")
    assert status == 503 and "first reading is in progress" in body
    page.wait_for_selector("[data-state=unreadable]", timeout=60_000)
    text = page.inner_text("#status")
    assert "cannot be read" in text and "127.0.0.1" in text and "SECRET" not in page.content()
    assert page.locator("article.loan").count() == 0
    status, body = down.get("/api/track")
    assert status == 503 and "SECRET" not in body
    screenshot(page, "unreadable-chain")


def test_a_partial_reading_is_labelled_partial(chain, cli, serve, page):
    """The devnet's ETH/USD feed made to revert (real bytecode that always reverts): the two demo
    loans holding WETH cannot be valued; the page names them, `/api/track` carries the CLI's
    errors, and `/api/risk` refuses a portfolio of the rest, as `risk` does."""
    rpc(chain.w3, "anvil_setCode", [chain.deployment.feeds["ETH/USD"], "0x60006000fd"])
    wallets = list(chain.deployment.demo_wallets.values())
    server = serve(*wallets, *devnet_args(chain), "--every", "60")
    document = server.json("/api/track")
    code, out, _ = cli("track", *wallets, *devnet_args(chain), "--block", str(document["block"]), "--format", "json")
    assert code == 4 and json.loads(out)["errors"] == document["errors"] and len(document["errors"]) == 2
    page.goto(server.url)
    banners = page.locator("[data-state=partial]")
    assert banners.count() == 2
    assert {e["account"] for e in document["errors"]} <= {
        a for a in wallets if any(a in banners.nth(i).inner_text() for i in range(2))
    }
    assert page.locator("article.loan").count() == len(document["positions"])
    assert "leave out 2 loans that could not be read" in page.inner_text("[data-state=partial-summary]")
    screenshot(page, "partial-reading")
    status, body = server.get("/api/risk")
    assert status == 503 and "not read" in body
