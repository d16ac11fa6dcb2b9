"""Gas pricing from an eth_feeHistory answer, and the shipped gas-units data."""

from decimal import Decimal

import pytest

from chainwatch.costs.gas import GasCostUsd, GasInputError, GasPrice, gas_cost_usd, price_from_fee_history
from chainwatch.costs.lifecycle import (
    ACTIONS,
    DEFAULT_LIFECYCLE,
    MEASURED,
    PUBLISHED,
    GasDataError,
    gas_units_for,
    load_gas_units,
    parse_lifecycle,
    read_gas_document,
)
from chainwatch.rpc import RpcError

GWEI = 10**9


def history(base_fees, rewards, ratios):
    return {
        "oldestBlock": "0x10",
        "baseFeePerGas": [hex(b) for b in base_fees],
        "gasUsedRatio": ratios,
        "reward": [[hex(r) for r in row] for row in rewards],
    }


def test_next_base_fee_plus_median_tip_per_percentile():
    answer = history(
        [10 * GWEI, 11 * GWEI, 12 * GWEI, 13 * GWEI],  # the last is the next block's
        [[1 * GWEI, 2 * GWEI, 5 * GWEI], [1 * GWEI, 3 * GWEI, 9 * GWEI], [2 * GWEI, 2 * GWEI, 4 * GWEI]],
        [0.5, 0.6, 0.4],
    )
    price = price_from_fee_history(answer)
    assert price == GasPrice(Decimal(13), Decimal(14), Decimal(15), Decimal(18))


def test_empty_blocks_do_not_make_tips_free():
    answer = history([GWEI, GWEI, GWEI], [[0, 0, 0], [GWEI, 2 * GWEI, 3 * GWEI]], [0.0, 0.3])
    assert price_from_fee_history(answer) == GasPrice(Decimal(1), Decimal(2), Decimal(3), Decimal(4))


def test_all_empty_blocks_pay_the_base_fee():
    answer = history([7, 7, 7], [[0, 0, 0], [0, 0, 0]], [0.0, 0.0])
    price = price_from_fee_history(answer)
    assert price.low == price.median == price.high == Decimal("7E-9")


def test_malformed_fee_history():
    with pytest.raises(RpcError, match="unexpected shape"):
        price_from_fee_history({"baseFeePerGas": []})


def test_gas_cost_in_usd():
    price = GasPrice(Decimal(10), Decimal(10), Decimal(20), Decimal(40))
    cost = gas_cost_usd(1_000_000, price, Decimal(3000))  # 1M gas · 20 gwei = 0.02 ETH = $60
    assert cost == GasCostUsd(Decimal(30), Decimal(60), Decimal(120))


def test_overrides_are_checked():
    assert GasPrice.flat(Decimal(3)).high == 3
    with pytest.raises(GasInputError, match="--gas-price-gwei"):
        GasPrice.flat(Decimal(-1))
    with pytest.raises(GasInputError, match="--gas-usd"):
        GasCostUsd.flat(Decimal("NaN"))


def test_lifecycle_parsing():
    assert parse_lifecycle("approve, supply,borrow") == ("approve", "supply", "borrow")
    with pytest.raises(GasDataError, match="unknown action 'liquidate'"):
        parse_lifecycle("approve,liquidate")
    with pytest.raises(GasDataError, match="at least one"):
        parse_lifecycle(" , ")


def test_shipped_gas_data_says_how_it_was_obtained():
    document = read_gas_document()
    table = load_gas_units(document)
    aave = table["aave-v3"]
    assert aave.kind == MEASURED and "receipt gasUsed" in aave.how
    assert document["protocols"]["aave-v3"]["measured_on"]
    assert set(aave.units) == set(ACTIONS)
    assert aave.total(DEFAULT_LIFECYCLE) == 2 * aave.units["approve"] + sum(
        aave.units[a] for a in ("supply", "borrow", "repay", "withdraw")
    )
    compound = table["compound-v3"]
    assert compound.kind == PUBLISHED and "compound-finance/comet@d5a30b0a" in compound.how
    assert compound.units["supply"] == 153_000 and compound.units["withdraw"] == 85_000


def test_malformed_gas_data_and_missing_protocol():
    with pytest.raises(GasDataError, match="protocols.x is malformed"):
        load_gas_units({"protocols": {"x": {"kind": "guessed", "how": "", "units": {}}}})
    with pytest.raises(GasDataError, match="no gas figures for some-protocol.*--gas-usd"):
        gas_units_for(load_gas_units(), "some-protocol")
