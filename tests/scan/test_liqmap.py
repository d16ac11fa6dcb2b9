"""The liquidation map on hand-made positions: every position in one row, rows summing to totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chainwatch.model import Asset, Holding, Position
from chainwatch.scan.liqmap import asset_amount, liquidation_map

D = Decimal
WBTC = Asset("devnet", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "WBTC", 8, is_btc=True)
WETH = Asset("devnet", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "WETH", 18)
USDC = Asset("devnet", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", "USDC", 6)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def position(
    wbtc: Decimal, debt: Decimal, weth: Decimal = D(0), btc: Decimal = D(60000), account: str = "0x1"
) -> Position:
    collateral = [Holding(WBTC, wbtc, btc, D("0.73"), D("0.78"))]
    if weth:
        collateral.append(Holding(WETH, weth, D(3000), D("0.80"), D("0.825")))
    borrowed = (Holding(USDC, debt, D(1)),) if debt else ()
    return Position("aave-v3", "0xpool", account, "devnet", 1, NOW, tuple(collateral), borrowed)


def test_a_position_lands_in_the_band_of_its_liquidation_price():
    # 1 WBTC at $60,000 against $23,400: liquidated at $30,000, a 50% fall: band 50-55%.
    liqmap = liquidation_map([position(D(1), D(23400))], WBTC.address)
    (band,) = [b for b in liqmap.bands if b.positions]
    assert (band.low, band.high) == (D("0.50"), D("0.55"))
    assert band.btc == D(1) and band.debt_usd == D(23400) and band.collateral_usd == D(60000)
    assert band.price_high == D(30000) and band.price_low == D(27000)


def test_rows_outside_the_bands():
    underwater = position(D(1), D(50000))  # HF 0.936
    covered = position(D(1), D(1000), weth=D(10))  # WETH alone carries the debt
    lender = position(D(2), D(0))
    liqmap = liquidation_map([underwater, covered, lender], WBTC.address)
    assert liqmap.now.positions == 1 and liqmap.never.positions == 2
    assert not any(b.positions for b in liqmap.bands)


amounts = st.decimals(min_value=D("0.00000001"), max_value=D(1000), places=8)
debts = st.decimals(min_value=D(0), max_value=D(50_000_000), places=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(amounts, debts, st.decimals(min_value=D(0), max_value=D(100), places=2)), max_size=30))
def test_bands_sum_to_the_totals(loans):
    positions = [position(w, d, e, account=f"0x{i}") for i, (w, d, e) in enumerate(loans)]
    liqmap = liquidation_map(positions, WBTC.address)
    total = liqmap.total
    assert total.positions == len(positions) == sum(r.positions for r in liqmap.rows)
    assert total.btc == sum((asset_amount(p, WBTC.address) for p in positions), D(0))
    assert total.debt_usd == sum((p.debt_usd for p in positions), D(0))
    assert total.collateral_usd == sum((p.collateral_usd for p in positions), D(0))
    # a band holds exactly the positions whose liquidation price lies inside it
    for band in liqmap.bands:
        inside = [
            p
            for p in positions
            if p.health_factor is not None
            and p.health_factor >= 1
            and p.liquidation_price_btc is not None
            and band.price_low < p.liquidation_price_btc <= band.price_high  # liquidated once BTC is below it
        ]
        assert band.positions == len(inside)


def test_positions_without_the_asset_are_left_out():
    no_wbtc = Position(
        "aave-v3", "0xpool", "0x9", "devnet", 1, NOW, (Holding(WETH, D(1), D(3000), D("0.8"), D("0.825")),), ()
    )
    assert liquidation_map([no_wbtc], WBTC.address).total.positions == 0


CBBTC = Asset("devnet", "0x" + "cb" * 20, "cbBTC", 8, is_btc=True)


def test_every_btc_asset_maps_alone_and_in_total():
    """A cbBTC loan, a WBTC loan and one backed by both: the total map counts every BTC asset's
    collateral once per position; each asset's own map counts only its own."""
    cb_only = Position(
        "aave-v3", "0xpool", "0x2", "devnet", 1, NOW,
        (Holding(CBBTC, D(2), D(60000), D("0.73"), D("0.78")),), (Holding(USDC, D(46800), D(1)),),
    )  # fmt: skip
    both = Position(
        "aave-v3", "0xpool", "0x3", "devnet", 1, NOW,
        (Holding(WBTC, D(1), D(60000), D("0.73"), D("0.78")), Holding(CBBTC, D("0.5"), D(60000), D("0.73"), D("0.78"))),
        (Holding(USDC, D(35100), D(1)),),
    )  # fmt: skip
    positions = [position(D(1), D(23400)), cb_only, both]
    total = liquidation_map(positions, [WBTC.address, CBBTC.address])
    assert total.total.positions == 3 and total.total.btc == D("4.5")
    # each is liquidated at $30,000 (debt / (BTC amount × 0.78 × $60,000) = 0.5): all in 50-55%
    (band,) = [b for b in total.bands if b.positions]
    assert (band.low, band.positions, band.btc) == (D("0.50"), 3, D("4.5"))
    wbtc, cbbtc = liquidation_map(positions, WBTC.address), liquidation_map(positions, CBBTC.address)
    assert (wbtc.total.positions, wbtc.total.btc) == (2, D(2))
    assert (cbbtc.total.positions, cbbtc.total.btc) == (2, D("2.5"))
