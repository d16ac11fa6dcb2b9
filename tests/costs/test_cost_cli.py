"""`chainwatch compare` with no chain read (--apr and --gas-usd): output, plot, one-line errors.

Comparisons against DeFi markets read on chain are in test_cost_chain.py, on the devnet.
"""

import json
from decimal import Decimal

OFFER_A = """
[[offers]]
name = "Lender A"
apr = 0.08
max_ltv = 0.50
liquidation_ltv = 0.75
source = "the issue's example"
"""


def offline(tmp_path, *extra):
    offers = tmp_path / "offers.toml"
    offers.write_text(OFFER_A)
    return ["compare", "--loan", "10000", "--days", "180", "--apr", "0.05", "--gas-usd", "200",
            "--offers", str(offers), *extra]  # fmt: skip


def test_worked_example_as_json(cli, tmp_path):
    code, out, _ = cli(*offline(tmp_path, "--format", "json", "--btc", "0.5"))
    assert code == 0
    report = json.loads(out)
    a, d = report["options"]
    assert (a["name"], a["kind"], d["name"], d["kind"]) == ("Lender A", "cefi", "defi", "defi")
    assert round(Decimal(a["total_usd"]), 2) == Decimal("394.52")
    assert round(Decimal(d["interest_usd"]), 2) == Decimal("246.58")
    assert round(Decimal(d["total_usd"]), 2) == Decimal("446.58")
    assert d["gas_usd"] == "200" and d["gas_source"] == "given" and d["compounding"] == "simple"
    assert report["cheapest"] == "Lender A"
    (b,) = report["break_even"]
    assert (b["defi"], b["cefi"]) == ("defi", "Lender A") and round(Decimal(b["loan_usd"])) == 13519
    assert report["chain"] is None and report["block"] is None


def test_compounding_option_applies_to_the_given_rate(cli, tmp_path):
    _, out, _ = cli(*offline(tmp_path, "--format", "json", "--compounding", "daily"))
    d = json.loads(out)["options"][1]
    assert d["compounding"] == "daily"
    assert Decimal(d["interest_usd"]) == 10_000 * ((1 + Decimal("0.05") / 365) ** 180 - 1)


def test_table_and_plot(cli, tmp_path):
    png = tmp_path / "cost.png"
    code, out, _ = cli(*offline(tmp_path, "--plot", str(png)))
    assert code == 0
    assert "$394.52" in out and "$446.58" in out and "cheapest: Lender A" in out
    assert "break-even: DeFi cheaper" in out
    break_even = out[out.index("break-even:") :].splitlines()
    assert next(line for line in break_even if line.startswith("defi ")).split() == ["defi", "above", "$13,518.52"]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_table_into_a_file(cli, tmp_path):
    target = tmp_path / "out.txt"
    code, out, _ = cli(*offline(tmp_path, "--output", str(target)))
    assert code == 0 and out == "" and "$446.58" in target.read_text()


def test_bad_offers_file_is_one_line_naming_the_field(cli, tmp_path):
    args = offline(tmp_path)
    (tmp_path / "offers.toml").write_text(OFFER_A.replace("apr = 0.08", 'apr = "8%"'))
    code, out, err = cli(*args[:-2], "--offers", str(tmp_path / "offers.toml"))
    assert code == 1 and out == ""
    assert err.strip() == f"error: {tmp_path / 'offers.toml'}:4: offers[0].apr: expected a number"


def test_bad_numbers_are_one_line(cli, tmp_path):
    for option, value in (("--loan", "ten"), ("--gas-usd", "-1"), ("--apr", "-0.1"), ("--lifecycle", "borrow,fly")):
        args = offline(tmp_path)
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
        code, _, err = cli(*args)
        assert code == 1 and err.count("\n") == 1 and option in err, (option, err)
