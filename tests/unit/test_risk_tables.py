"""The rich tables show the report's figures, rounded, and the portfolio when there are several."""

import io
from dataclasses import replace
from decimal import Decimal

from rich.console import Console

from chainwatch.context import RunContext
from chainwatch.risk.manual import manual_position
from chainwatch.risk.report import RiskSettings, build_report
from chainwatch.risk.tables import risk_tables

D = Decimal
CONTEXT = RunContext.unread()
SETTINGS = RiskSettings(D("0.55"), "--volatility", target_ltv=D("0.3"), paths=1000)


def text(report) -> str:
    console = Console(width=200, file=io.StringIO(), no_color=True)
    console.print(risk_tables(report))
    return console.file.getvalue()


def test_one_loan():
    loan = manual_position(D("0.15"), D(100000), D(7000), D("0.08"), D("0.75"))
    out = text(build_report([loan], SETTINGS, CONTEXT))
    assert "$62,222.22" in out and "$37,777.78 (37.78%)" in out
    assert "-30%" in out and "big bear" in out and "repay" in out and "add BTC" in out
    assert "all 1 positions" not in out


def test_several_loans_add_the_portfolio():
    tight = replace(manual_position(D("0.15"), D(100000), D(7000), D(0), D("0.75")), account="0xa")
    loose = replace(manual_position(D("0.5"), D(100000), D(20000), D(0), D("0.75")), account="0xb")
    out = text(build_report([tight, loose], SETTINGS, CONTEXT))
    assert "all 2 positions" in out
    lines = out.splitlines()
    assert "manual · 0xa" in next(line for line in lines if "worst position" in line)
    assert "1.607" in next(line for line in lines if "its health factor" in line)
    assert "$53,333.33" in out
