"""The config file (the loan book): the issue's format loads exactly, and every bad config is one
line naming the file, the line and the key, refused with exit 1 before anything is read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from chainwatch.alerts import Thresholds
from chainwatch.loanbook import CefiLoan, ConfigError, Wallet, load_loan_book, parse_loan_book
from chainwatch.model import Compounding

D = Decimal
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)

ISSUE_LOAN = """\
[[loans]]
name = "Nexo credit line"      # shown as the market; protocol is "cefi"
btc = 0.5                      # BTC collateral
debt_usd = 20000               # principal
apr = 0.139                    # fraction per year
compounding = "daily"          # simple | daily | monthly
since = 2026-06-01             # interest accrues from this date to the reading's time
liquidation_ltv = 0.833
margin_call_ltv = 0.714        # optional: the lender's margin call
warn_ltv = [0.65, 0.70]        # optional: this loan's own alert lines
"""

FULL = (
    """\
chains = ["devnet"]
notify = ["json://127.0.0.1:9/hook"]
db = "/tmp/history.sqlite3"

[thresholds]
ltv = [0.6, 0.7]
hysteresis = 0.01

[[wallets]]
address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
label = "cold storage"

[[wallets]]
address = "Vitalik.eth"

"""
    + ISSUE_LOAN
)


def test_the_issue_loan_loads_exactly():
    book = parse_loan_book(ISSUE_LOAN, "config.toml", NOW)
    assert book.loans == (
        CefiLoan(
            name="Nexo credit line",
            btc=D("0.5"),
            debt_usd=D(20000),
            apr=D("0.139"),
            compounding=Compounding.DAILY,
            since=datetime(2026, 6, 1, tzinfo=UTC),
            liquidation_ltv=D("0.833"),
            margin_call_ltv=D("0.714"),
            warn_ltv=(D("0.65"), D("0.70")),
        ),
    )
    assert str(book.loans[0].apr) == "0.139"  # from the TOML text, never through float


def test_every_part_of_a_full_config():
    book = parse_loan_book(FULL, "config.toml", NOW)
    assert book.chains == ("devnet",)
    assert book.notify == ("json://127.0.0.1:9/hook",)
    assert book.db == "/tmp/history.sqlite3"
    assert book.thresholds == Thresholds(levels=(D("0.6"), D("0.7")), relative=False, hysteresis=D("0.01"))
    assert book.wallets == (
        Wallet("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "cold storage"),
        Wallet("vitalik.eth"),  # normalised: the form that hashes right
    )
    assert len(book.loans) == 1


def test_optional_parts_default_and_a_label_names_the_account():
    text = ISSUE_LOAN.replace("margin_call_ltv = 0.714", 'label = "Nexo"').replace("warn_ltv = [0.65, 0.70]", "")
    (loan,) = parse_loan_book(text, "c.toml", NOW).loans
    assert loan.margin_call_ltv is None and loan.warn_ltv == () and loan.label == "Nexo"
    position = loan.position("devnet", 7, datetime(2026, 6, 1, tzinfo=UTC), D(60000))
    assert (position.protocol, position.market, position.account) == ("cefi", "Nexo credit line", "Nexo")


def test_a_time_with_its_offset_is_accepted():
    (loan,) = parse_loan_book(ISSUE_LOAN.replace("2026-06-01", "2026-06-01T09:30:00+02:00"), "c", NOW).loans
    assert loan.since == datetime(2026, 6, 1, 7, 30, tzinfo=UTC)


def test_thresholds_default_to_fractions_of_the_liquidation_ltv():
    book = parse_loan_book("[thresholds]\nwarn = [0.7, 0.85]\n", "c", NOW)
    assert book.thresholds == Thresholds(levels=(D("0.7"), D("0.85")), relative=True)
    assert parse_loan_book("", "c", NOW).thresholds is None


def _loan(replace: str, by: str) -> str:
    assert replace in ISSUE_LOAN
    return ISSUE_LOAN.replace(replace, by)


BAD = [
    # unknown keys, each on its own line
    ("wallet = []\n" + ISSUE_LOAN, "c.toml:1: unknown top-level key 'wallet'"),
    (_loan("btc = 0.5", "btc = 0.5\nliquidation_lvt = 0.8"), "c.toml:4: loans[0]: unknown key 'liquidation_lvt'"),
    ('[[wallets]]\naddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\nname = "x"\n',
     "c.toml:3: wallets[0]: unknown key 'name'"),
    ("[thresholds]\nwarning = [0.5]\n", "c.toml:2: thresholds: unknown key 'warning'"),
    # wrong types
    (_loan("btc = 0.5", 'btc = "0.5"'), "c.toml:3: loans[0].btc: expected a number"),
    (_loan("debt_usd = 20000", "debt_usd = true"), "c.toml:4: loans[0].debt_usd: expected a number"),
    (_loan("since = 2026-06-01", 'since = "2026-06-01"'), "c.toml:7: loans[0].since: expected a date (2026-06-01)"),
    (_loan("warn_ltv = [0.65, 0.70]", 'warn_ltv = [0.65, "0.7"]'), "c.toml:10: loans[0].warn_ltv[1]: expected a number"),
    (_loan("warn_ltv = [0.65, 0.70]", "warn_ltv = 0.65"), "c.toml:10: loans[0].warn_ltv: expected a list"),
    (_loan('name = "Nexo credit line"', "name = 7"), "c.toml:2: loans[0].name: expected a string"),
    ('chains = "devnet"\n', "c.toml:1: chains: expected a list of strings"),
    ("notify = [1]\n", "c.toml:1: notify[0]: expected a string"),
    ("db = 3\n", "c.toml:1: db: expected a string"),
    ("loans = 3\n", "c.toml:1: loans: expected [[loans]] tables"),
    ("thresholds = [0.5]\n", "c.toml:1: thresholds: expected a table"),
    # LTVs outside (0, 1)
    (_loan("liquidation_ltv = 0.833", "liquidation_ltv = 83.3"),
     "c.toml:8: loans[0].liquidation_ltv: expected an LTV between 0 and 1 (0.75 for 75%), got 83.3"),
    (_loan("liquidation_ltv = 0.833", "liquidation_ltv = 0"), "c.toml:8: loans[0].liquidation_ltv: expected an LTV"),
    (_loan("margin_call_ltv = 0.714", "margin_call_ltv = 1"), "c.toml:9: loans[0].margin_call_ltv: expected an LTV"),
    (_loan("warn_ltv = [0.65, 0.70]", "warn_ltv = [0.65, -0.1]"), "c.toml:10: loans[0].warn_ltv[1]: expected an LTV"),
    ("[thresholds]\nltv = [0.6, 1.2]\n", "c.toml:2: thresholds.ltv[1]: expected an LTV between 0 and 1"),
    # lines above the liquidation LTV
    (_loan("margin_call_ltv = 0.714", "margin_call_ltv = 0.85"),
     "c.toml:9: loans[0].margin_call_ltv: above liquidation_ltv 0.833"),
    (_loan("warn_ltv = [0.65, 0.70]", "warn_ltv = [0.65, 0.9]"),
     "c.toml:10: loans[0].warn_ltv[1]: not below liquidation_ltv 0.833"),
    # dates in the future (NOW is 2026-12-07 12:00 UTC)
    (_loan("since = 2026-06-01", "since = 2026-12-08"), "c.toml:7: loans[0].since: 2026-12-08 is in the future"),
    (_loan("since = 2026-06-01", "since = 2026-12-07T13:00:00Z"), "c.toml:7: loans[0].since: 2026-12-07 13:00:00+00:00 is in the future"),
    (_loan("since = 2026-06-01", "since = 2026-06-01T09:00:00"), "c.toml:7: loans[0].since: a time needs its offset"),
    # other impossible terms
    (_loan('compounding = "daily"', 'compounding = "weekly"'),
     "c.toml:6: loans[0].compounding: expected one of simple, daily, monthly"),
    (_loan("apr = 0.139", "apr = 13.9"), "c.toml:5: loans[0].apr: expected a fraction (0.08 for 8%), got 13.9"),
    (_loan("btc = 0.5", "btc = 0"), "c.toml:3: loans[0].btc: expected BTC more than 0"),
    (_loan("debt_usd = 20000", "debt_usd = -5"), "c.toml:4: loans[0].debt_usd: expected USD more than 0"),
    (_loan('name = "Nexo credit line"', 'name = " "'), "c.toml:2: loans[0].name: must not be empty"),
    (_loan("btc = 0.5                      # BTC collateral\n", ""), "c.toml:1: loans[0]: missing key 'btc'"),
    (ISSUE_LOAN + ISSUE_LOAN.replace("Nexo credit line", "NEXO Credit Line"), "c.toml:12: loans[1].name: appears twice"),
    ('[[wallets]]\naddress = "0x1234"\n', "c.toml:2: wallets[0].address: "),
    ("[[wallets]]\nlabel = \"x\"\n", "c.toml:1: wallets[0]: missing key 'address'"),
    ("[thresholds]\nwarn = [0.8]\nltv = [0.6]\n", "c.toml:3: thresholds.ltv: give either warn or ltv, not both"),
    ("[thresholds]\nltv = [0.6, 0.6]\n", "c.toml:2: thresholds.ltv: thresholds repeat"),
    ("[thresholds]\nltv = [0.6]\nhysteresis = 0.7\n", "c.toml:2: thresholds.ltv: hysteresis 0.7 must be below"),
    ("[[loans]\n", "c.toml:1: not valid TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_config_is_one_line_naming_file_line_and_key(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_loan_book(text, "c.toml", NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_default_file_is_optional_a_named_one_is_not(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("CHAINWATCH_CONFIG", raising=False)
    assert load_loan_book().loans == ()
    (tmp_path / "chainwatch").mkdir()
    (tmp_path / "chainwatch" / "config.toml").write_text(ISSUE_LOAN)
    assert load_loan_book().loans[0].name == "Nexo credit line"
    monkeypatch.setenv("CHAINWATCH_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing.toml: config file not found"):
        load_loan_book()


ON_THE_COMMAND_LINE = [
    case for case in BAD if any(k in case[1] for k in ("liquidation_lvt", "got 83.3", "above liq", "in the future"))
]


@pytest.mark.parametrize(("text", "message"), ON_THE_COMMAND_LINE)
def test_every_command_refuses_a_bad_config_with_exit_1(cli, tmp_path, text, message):
    assert len(ON_THE_COMMAND_LINE) == 5  # unknown key, LTV not in (0, 1), margin call, two futures
    config = tmp_path / "c.toml"
    config.write_text(text)
    for command in ("track", "check", "risk", "watch", "history"):
        code, out, err = cli(command, "--config", config)
        assert code == 1, (command, err)
        (line,) = err.strip().splitlines()
        assert line.startswith(f"error: {config}{message.removeprefix('c.toml')}"), command


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        ("track", 'chains = ["nochain"]\n' + ISSUE_LOAN, "c.toml:1: chains: unknown chain 'nochain' (known: arbitrum, base, devnet, "),
        ("risk", 'chains = ["devnet", "nochain"]\n' + ISSUE_LOAN,
         "c.toml:1: chains: unknown chain 'nochain' (known: arbitrum, base, devnet, "),
        ("watch", 'notify = ["nonsense"]\n' + ISSUE_LOAN, "c.toml:1: notify: --notify nonsense"),
    ],
)  # fmt: skip
def test_a_chain_or_notify_url_the_config_names_badly_is_one_line_with_its_place(cli, tmp_path, command, text, message):
    config = tmp_path / "c.toml"
    config.write_text(text)
    code, _, err = cli(command, "--config", config)
    (line,) = err.strip().splitlines()
    assert code == 1 and line.startswith(f"error: {config}{message.removeprefix('c.toml')}"), line


def test_the_readmes_example_config_is_a_valid_one():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## Config file and CeFi loans") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", section.index("```toml\n"))]
    book = parse_loan_book(example, "config.toml", NOW)
    assert [loan.name for loan in book.loans] == ["Nexo credit line"] and book.loans[0].label == "Nexo"
    assert book.chains == ("ethereum",) and book.wallets[0].label == "cold storage"
    with pytest.raises(ConfigError, match=r"^config.toml:21: loans\[0\].margin_call_ltv: above liquidation_ltv 0.833$"):
        parse_loan_book(example.replace("margin_call_ltv = 0.714", "margin_call_ltv = 0.85"), "config.toml", NOW)
