"""Every `--plot` writes the format its file name says, with labels a borrower can read, or
refuses before any work: a name it cannot write, or nothing to draw, leaves no file.

The SVG's text is real text, so the labels checked here are the ones a person sees; the figures
in them are worked by hand from the hand-typed loan (0.5 BTC at $60,000, $20,000 of debt,
liquidation at 75% LTV: liquidated at 20,000 / (0.5 · 0.75) = $53,333).
"""

from __future__ import annotations

import pytest

LOAN = ("--btc", "0.5", "--btc-price", "60000", "--loan", "20000", "--apr", "8%", "--liquidation-ltv", "0.75")
RISK = ("risk", *LOAN, "--volatility", "0.5", "--paths", "200")
COMPARE = ("compare", "--loan", "20000", "--btc", "1", "--btc-price", "60000", "--apr", "5%", "--gas-usd", "10")


def test_risk_svg_labels_each_line_where_it_is_drawn(cli, tmp_path):
    target = tmp_path / "ltv.svg"
    code, _, err = cli(*RISK, "--plot", target)
    assert code == 0, err
    svg = target.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("liquidates at $53,333", "now $60,000, 67%", "liquidation 75%", "margin call 68%", "warning 50%"):
        assert label in svg, label
    assert "$20,000" in svg and "40%" in svg  # axes in dollars and percent


def test_compare_stops_each_line_at_its_maximum_loan(cli, tmp_path):
    target = tmp_path / "cost.svg"
    code, _, err = cli(*COMPARE, "--plot", target)
    assert code == 0, err
    svg = target.read_text()
    # 1 BTC at $60,000: every shipped CeFi offer lends at most 50% LTV, $30,000 (offers.toml).
    assert "Ledn, max $30,000" in svg and "your loan $20,000" in svg
    assert "$5,000" in svg


HISTORY = ("history", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")


@pytest.mark.parametrize("command", [RISK, COMPARE, HISTORY], ids=["risk", "compare", "history"])
def test_a_name_it_cannot_write_is_refused_up_front(cli, tmp_path, command):
    target = tmp_path / "chart.jpg"
    database = ("--db", tmp_path / "h.db") if command is HISTORY else ()
    code, out, err = cli(*command, *database, "--plot", target)
    assert code == 1 and f"--plot {target}: use a .png" in err
    assert not target.exists() and out == ""


def test_nothing_to_draw_is_one_line_and_no_file(cli, tmp_path):
    target = tmp_path / "history.png"
    code, _, err = cli(*HISTORY, "--db", tmp_path / "h.db", "--plot", target)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert not target.exists()
