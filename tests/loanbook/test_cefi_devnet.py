"""CeFi loans from the config file on the devnet: valued at the chain's own Chainlink BTC/USD
feed at the pinned block, their debt grown by their compounding to that block's time.

The referee is independent of chainwatch's read path: the BTC/USD aggregator is read directly
through web3 at the same block, and the interest is worked by hand below.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chainwatch.alerts import EventKind, Line, LineKind, Notifier, Thresholds, compose
from chainwatch.chains import get_chain
from chainwatch.devnet.controls import advance_time, republish_feeds, set_btc_price
from chainwatch.devnet.node import contract
from chainwatch.history import HistoryStore
from chainwatch.loanbook import load_loan_book
from chainwatch.watch import Watch
from tests.helpers.schemas import assert_valid

pytestmark = pytest.mark.chain
D = Decimal

LOAN = """\
[[loans]]
name = "{name}"
btc = 0.5
debt_usd = 20000
apr = 0.139
compounding = "{compounding}"
since = {since}
liquidation_ltv = 0.833
margin_call_ltv = 0.714
warn_ltv = [0.65, 0.70]
"""


def write_config(path, since: datetime, *, wallets=(), chains=("devnet",), extra="") -> str:
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"chains = {json.dumps(list(chains))}\n{extra}\n"
    text += "".join(f'[[wallets]]\naddress = "{w}"\nlabel = "cold storage"\n\n' for w in wallets)
    for name, compounding in (("Nexo daily", "daily"), ("Ledn simple", "simple"), ("Strike monthly", "monthly")):
        text += LOAN.format(name=name, compounding=compounding, since=stamp) + "\n"
    path.write_text(text)
    return str(path)


def feed_price(chain, block: int) -> Decimal:
    """The devnet's BTC/USD aggregator read straight through web3 at `block`."""
    aggregator = contract(chain.w3, "ChainlinkStyleAggregator", chain.deployment.btc_usd_feed)
    answer = aggregator.functions.latestRoundData().call(block_identifier=block)[1]
    return D(answer) / 10 ** aggregator.functions.decimals().call(block_identifier=block)


def moved_world(chain) -> tuple[int, datetime]:
    """A week passes (the feeds publish again, as their heartbeat would) and BTC falls to
    $52,000, through chainwatch.devnet.controls."""
    advance_time(chain.w3, 7 * 86_400)
    republish_feeds(chain.w3, chain.deployment)
    set_btc_price(chain.w3, chain.deployment, D(52_000))
    block = chain.w3.eth.block_number
    return block, datetime.fromtimestamp(chain.w3.eth.get_block(block)["timestamp"], UTC)


def test_a_cefi_loans_ltv_by_hand_after_the_price_and_time_move(chain, cli, tmp_path):
    block, moment = moved_world(chain)
    # The loans began 45.5 days before the block read: 45 whole days and half a day.
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=45, hours=12))
    price = feed_price(chain, block)
    assert price == 52_000
    code, out, err = cli("track", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert_valid("track", data)
    assert data["block"] == block
    loans = {p["market"]: p for p in data["positions"]}
    assert set(loans) == {"Nexo daily", "Ledn simple", "Strike monthly"}
    assert {p["protocol"] for p in loans.values()} == {"cefi"} and {p["account"] for p in loans.values()} == {""}
    # Collateral: 0.5 BTC × $52,000 (the feed's answer at that block) = $26,000.
    for p in loans.values():
        assert D(p["collateral"][0]["price_usd"]) == price and D(p["collateral_usd"]) == 26_000
        assert p["max_ltv"] is None  # a lender states no borrow limit: no number from a guess
    rate = D("0.139") / 365
    # daily: 45 days compounded, then half a day simple:
    #   20,000 × (1 + 0.139/365)^45 × (1 + 0.139/365 × 0.5) = 20,000 × 1.0172841… × 1.0001904… = 20,349.50
    daily = 20_000 * (1 + rate) ** 45 * (1 + rate / 2)
    # simple: 20,000 × (1 + 0.139 × 45.5/365) = 20,346.55
    simple = 20_000 * (1 + D("0.139") * D("45.5") / 365)
    # monthly: 45.5 days are 45.5 × 12/365 = 1.49589… months of 365/12 days: one compounded,
    #   the rest simple: 20,000 × (1 + 0.139/12) × (1 + 0.139/12 × 0.49589…) = 20,347.88
    months = D("45.5") * 12 / 365
    monthly = 20_000 * (1 + D("0.139") / 12) * (1 + D("0.139") / 12 * (months - 1))
    expected = {"Nexo daily": daily, "Ledn simple": simple, "Strike monthly": monthly}
    cents = {"Nexo daily": D("20349.50"), "Ledn simple": D("20346.55"), "Strike monthly": D("20347.88")}
    for name, debt in expected.items():
        p = loans[name]
        assert round(D(p["debt_usd"]), 2) == cents[name]
        assert abs(D(p["debt_usd"]) - debt) < D("1e-18")
        # LTV = debt / $26,000: 0.78267 (daily), 0.78256 (simple), 0.78261 (monthly)
        assert abs(D(p["ltv"]) - debt / 26_000) < D("1e-20")
        assert D(p["liquidation_ltv"]) == D("0.833")
        # HF = 26,000 × 0.833 / debt; liquidated at debt / (0.5 × 0.833) per BTC
        assert abs(D(p["health_factor"]) - D(26_000) * D("0.833") / debt) < D("1e-20")
        assert abs(D(p["liquidation_price_btc"]) - debt / D("0.4165")) < D("1e-16")
    assert round(D(loans["Nexo daily"]["ltv"]), 5) == D("0.78267")
    assert data["warnings"] == []  # the feeds were just published: not stale


def test_track_with_no_wallet_reads_the_configs_wallets_and_loans(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    block, moment = moved_world(chain)
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=10), wallets=[wallet])
    code, out, err = cli("track", "--config", config, "--rpc", chain.rpc_url, "--format", "json")
    assert code == 0, err
    kinds = sorted((p["protocol"], p["account"]) for p in json.loads(out)["positions"])
    assert kinds == [("aave-v3", wallet), ("cefi", ""), ("cefi", ""), ("cefi", "")]
    # The environment variable names the file as well as --config does; CSV rows carry the loans.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHAINWATCH_CONFIG", config)
        code, out, err = cli("track", "--rpc", chain.rpc_url, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["protocol"], r["market"]) for r in rows if r["protocol"] == "cefi"] == [
        ("cefi", "Nexo daily"), ("cefi", "Ledn simple"), ("cefi", "Strike monthly"),
    ]  # fmt: skip
    assert {r["collateral_assets"] for r in rows if r["protocol"] == "cefi"} == {"BTC"}
    # The table names every loan under its protocol, in a table of its own.
    code, out, err = cli("track", "--config", config, "--rpc", chain.rpc_url)
    assert code == 0, err
    assert "loans without a wallet" in out and "Nexo daily" in out and "Strike monthly" in out
    assert f"{wallet} · cold storage" in out  # the wallet's label beside its address
    # A wallet named on the command line reads that wallet only.
    code, out, _ = cli("track", wallet, "--config", config, "--rpc", chain.rpc_url, "--format", "json")
    assert [p["protocol"] for p in json.loads(out)["positions"]] == ["aave-v3"]
    # --protocol cefi keeps only the loans.
    code, out, _ = cli("track", "--config", config, "--rpc", chain.rpc_url, "--protocol", "cefi", "--format", "json")
    assert {p["protocol"] for p in json.loads(out)["positions"]} == {"cefi"}


def test_track_without_wallets_or_config_is_a_usage_error(cli, tmp_path):
    code, _, err = cli("track", "--config", write_empty(tmp_path))
    assert code == 2 and "give wallet addresses, or --wallets FILE (none in the config file" in err


def write_empty(tmp_path) -> str:
    path = tmp_path / "empty.toml"
    path.write_text('chains = ["devnet"]\n')
    return str(path)


def test_check_stops_at_the_margin_call_and_the_loans_own_lines(chain, cli, tmp_path):
    block, moment = moved_world(chain)
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=45, hours=12))
    # LTV 78.3% is past the margin call (71.4%) and the loan's own lines: check exits 3.
    code, out, err = cli("check", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--format", "json")
    assert code == 3, err
    data = json.loads(out)
    assert_valid("check", data)
    assert data["past_threshold"] is True
    for p in data["positions"]:
        # the user's lowest line is 80% of 83.3% = 0.6664; of the user's lines 0.6664 and 0.7497
        # (90%) are crossed, and the loan's own 0.65, 0.70 and its margin call 0.714 as well
        assert p["past_threshold"] and D(p["threshold_ltv"]) == D("0.6664") and p["alert_level"] == 2
        assert {"ltv:0.65", "ltv:0.7", "margin_call:0.714"} <= set(p["lines_crossed"])
    # The loan's lines hold whatever thresholds the command line gives.
    code, out, err = cli("check", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--ltv", "0.9")
    assert code == 3 and "PAST THRESHOLD" in out and "Nexo daily" in out
    # At $100,000 the loans are at 40.7%: below every line. --record stores the reading in the
    # config's database.
    set_btc_price(chain.w3, chain.deployment, D(100_000))
    db = tmp_path / "config-db.sqlite3"
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=45, hours=12), extra=f'db = "{db}"')
    code, out, err = cli("check", "--config", config, "--rpc", chain.rpc_url, "--record")
    assert code == 0, err
    with HistoryStore.open(str(db)) as store:
        assert sorted(r.market for r in store.history("")) == ["Ledn simple", "Nexo daily", "Strike monthly"]


def test_watch_alerts_at_the_margin_call_and_records_history(chain, cli, tmp_path):
    set_btc_price(chain.w3, chain.deployment, D(100_000))  # LTV 40%: below every line
    moment = datetime.fromtimestamp(chain.w3.eth.get_block("latest")["timestamp"], UTC)
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=1))
    book = load_loan_book(config)
    devnet = get_chain("devnet", None)
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        watch = Watch(
            [devnet], [], store=store, thresholds=Thresholds(), notifier=Notifier([]), rpc={"devnet": [chain.rpc_url]},
            loans=book.loans[:1],
        )  # fmt: skip
        assert watch.tick().events == []
        # $20,000 × (1 + ~1 day) / (0.5 × BTC) = 0.72 at BTC $55,570: past the 71.4% margin call
        set_btc_price(chain.w3, chain.deployment, D(55_570))
        (sent,) = watch.tick().events
        assert sent.event.kind is EventKind.crossed and sent.event.line == Line(LineKind.margin_call, D("0.714"))
        message = compose(sent.event)
        assert "margin call at LTV 71.4%" in message.title and "Nexo daily" in message.body
        set_btc_price(chain.w3, chain.deployment, D(100_000))
        (back,) = watch.tick().events
        assert back.event.kind is EventKind.recovered
        rows = store.history("")
        assert [(r.protocol, r.market) for r in rows] == [("cefi", "Nexo daily")] * 3
    # `history` with no wallet named shows the config's loans from that database.
    code, out, err = cli("history", "--config", config, "--db", tmp_path / "h.sqlite3", "--format", "json")
    assert code == 0, err
    assert_valid("history", json.loads(out))
    readings = json.loads(out)["readings"]
    assert [(r["protocol"], r["market"]) for r in readings] == [("cefi", "Nexo daily")] * 3
    assert [D(r["btc_price_usd"]) for r in readings] == [100_000, 55_570, 100_000]


def test_risk_reads_the_config_when_no_loan_is_given(chain, cli, tmp_path):
    block, moment = moved_world(chain)
    config = write_config(tmp_path / "c.toml", moment - timedelta(days=45, hours=12))
    code, out, err = cli(
        "risk", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--volatility", "0.5",
        "--paths", "1000", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert_valid("risk", json.loads(out))
    positions = {p["market"]: p for p in json.loads(out)["positions"]}
    assert positions["Nexo daily"]["protocol"] == "cefi"
    assert D(positions["Nexo daily"]["btc_price_usd"]) == feed_price(chain, block)
    # Each loan's interest over time follows its own compounding: Strike's monthly loan over the
    # default 90 days (2.9589… months of 365/12 days): two months compounded, the rest simple.
    strike = positions["Strike monthly"]
    assert strike["compounding"] == "monthly" and positions["Nexo daily"]["compounding"] == "daily"
    debt, months, rate = D(strike["debt_usd"]), D(90) * 12 / 365, D("0.139") / 12
    (ninety,) = [t for t in strike["time_scenarios"] if t["days"] == 90]
    assert abs(D(ninety["interest"]) - debt * ((1 + rate) ** 2 * (1 + rate * (months - 2)) - 1)) < D("1e-18")
    # --compounding holds for every loan when given.
    code, out, err = cli(
        "risk", "--config", config, "--rpc", chain.rpc_url, "--block", block, "--volatility", "0.5",
        "--paths", "1000", "--format", "json", "--compounding", "simple",
    )  # fmt: skip
    assert {p["compounding"] for p in json.loads(out)["positions"]} == {"simple"}


def test_a_chain_without_a_btc_usd_feed_cannot_value_a_loan(chain, cli, tmp_path):
    book = tmp_path / "book.toml"
    devnet = get_chain("devnet", None)
    wbtc = devnet.main_btc_asset.address
    book.write_text(
        f'[chains.nofeed]\nchain_id = 31337\nrpc = ["{chain.rpc_url}"]\n'
        f'multicall3 = "{devnet.multicall3}"\nwbtc = "{wbtc}"\n'
    )
    config = write_config(tmp_path / "c.toml", datetime(2026, 1, 1, tzinfo=UTC), chains=["nofeed"])
    code, out, err = cli("track", "--config", config, "--address-book", book, "--rpc", chain.rpc_url)
    assert code == 4 and out == ""
    assert (
        "cannot value CeFi loan(s) 'Nexo daily', 'Ledn simple', 'Strike monthly': chain nofeed has no btc_usd_feed"
        in err
    )
    # A feed address that answers no latestRoundData (here the WBTC token) values nothing either:
    # each loan is named as unreadable in its place, and the run exits 4.
    book.write_text(book.read_text() + f'btc_usd_feed = "{wbtc}"\n')
    code, out, err = cli("track", "--config", config, "--address-book", book, "--rpc", chain.rpc_url)
    assert code == 4, err
    assert f"cefi Nexo daily: position not read: Chainlink BTC/USD {wbtc}.latestRoundData failed" in err
    assert "(and 2 more" in err  # the other two loans
    assert f"price feed {wbtc} did not answer latestRoundData at block" in out  # the warning says why
    code, out, err = cli(
        "track", "--config", config, "--address-book", book, "--rpc", chain.rpc_url, "--format", "json"
    )
    assert code == 4 and json.loads(out)["positions"] == []


def test_a_loan_younger_than_the_block_read_is_refused(chain, cli, tmp_path):
    early = chain.deployment.snapshot_block - 10
    began = datetime.fromtimestamp(chain.w3.eth.get_block(early + 5)["timestamp"], UTC)
    config = write_config(tmp_path / "c.toml", began)
    code, _, err = cli("track", "--config", config, "--rpc", chain.rpc_url, "--block", early)
    assert code == 1 and "CeFi loan 'Nexo daily' begins" in err and "it had no debt then" in err
