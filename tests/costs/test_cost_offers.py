"""CeFi offers files: the issue's format loads, the shipped file cites every figure, and a bad
file is rejected with one line naming the file and the key."""

from decimal import Decimal

import pytest

from chainwatch.costs.offers import Offer, OffersFileError, load_offers, parse_offers

ISSUE_FORMAT = """
[[offers]]
name = "Lender A"
apr = 0.08                  # fraction, not percent
compounding = "simple"      # simple | daily | monthly
origination_fee = 0.0       # fraction of the loan, paid once
monthly_fee_usd = 0.0
withdrawal_fee_usd = 0.0
max_ltv = 0.50
liquidation_ltv = 0.75
source = "where the figures come from, and when"
"""


def test_the_issue_format_loads_exactly():
    (offer,) = parse_offers(ISSUE_FORMAT, "offers.toml")
    assert offer == Offer(
        name="Lender A",
        apr=Decimal("0.08"),
        max_ltv=Decimal("0.50"),
        liquidation_ltv=Decimal("0.75"),
        compounding="simple",
        source="where the figures come from, and when",
    )
    assert isinstance(offer.apr, Decimal) and str(offer.apr) == "0.08"  # never through float


def test_fees_and_compounding_default():
    (offer,) = parse_offers('[[offers]]\nname = "B"\napr = 0.1\nmax_ltv = 0.5\nliquidation_ltv = 0.8\n', "f")
    assert offer.origination_fee == offer.monthly_fee_usd == offer.withdrawal_fee_usd == 0
    assert offer.compounding == "simple"


def test_integers_are_numbers_too():
    (offer,) = parse_offers(
        '[[offers]]\nname = "B"\napr = 0\nmax_ltv = 0.5\nliquidation_ltv = 0.8\nmonthly_fee_usd = 25\n', "f"
    )
    assert offer.monthly_fee_usd == 25 and offer.apr == 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (("origination_fee = 0.0", "orgination_fee = 0.01"), "my.toml:6: offers[0]: unknown key 'orgination_fee'"),
        (("apr = 0.08", 'apr = "8%"'), "my.toml:4: offers[0].apr: expected a number"),
        (("apr = 0.08", "apr = true"), "my.toml:4: offers[0].apr: expected a number"),
        (("apr = 0.08", "apr = 8"), "my.toml:4: offers[0].apr: expected a fraction (0.08 for 8%), got 8"),
        (('name = "Lender A"', "name = 3"), "my.toml:3: offers[0].name: expected a string"),
        (('compounding = "simple"', 'compounding = "weekly"'), "my.toml:5: offers[0].compounding: expected one of"),
        (("max_ltv = 0.50", "max_ltv = 0.90"), "my.toml:9: offers[0].max_ltv: above liquidation_ltv 0.75"),
        (
            ("liquidation_ltv = 0.75", "liquidation_ltv = 75"),
            "my.toml:10: offers[0].liquidation_ltv: expected a fraction",
        ),
        (("max_ltv = 0.50\n", ""), "my.toml:2: offers[0]: missing key 'max_ltv'"),
        (
            ("monthly_fee_usd = 0.0", "monthly_fee_usd = -5"),
            "my.toml:7: offers[0].monthly_fee_usd: must be zero or more",
        ),
        (("origination_fee = 0.0", "origination_fee = 2"), "my.toml:6: offers[0].origination_fee: expected a fraction"),
    ],
)
def test_bad_fields_are_named(edit, message):
    old, new = edit
    with pytest.raises(OffersFileError) as raised:
        parse_offers(ISSUE_FORMAT.replace(old, new), "my.toml")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "f: no offers"),
        ("[offers]\nname = 1\n", "f:1: no offers"),
        ("lenders = 1\n", "f:1: unknown top-level key 'lenders'"),
        ("[[offers]\n", "f:1: not valid TOML"),
        ("offers = [1]\n", "f:1: offers[0]: must be a table"),
        (ISSUE_FORMAT * 2, "f:14: offers[1].name: 'Lender A' appears twice"),
    ],
)
def test_bad_files_are_rejected(text, message):
    with pytest.raises(OffersFileError, match=None) as raised:
        parse_offers(text, "f")
    assert str(raised.value).startswith(message)


def test_missing_file(tmp_path):
    with pytest.raises(OffersFileError, match="offers file not found"):
        load_offers(tmp_path / "nope.toml")


def test_the_shipped_offers_cite_source_and_date():
    offers = load_offers()
    assert len(offers) >= 3
    for offer in offers:
        assert "illustrative" in offer.source and "https://" in offer.source
        assert "2026-11-24" in offer.source  # when the stored pages were read
