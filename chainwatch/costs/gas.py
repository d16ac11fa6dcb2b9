"""What gas costs in USD now: the gas price from `eth_feeHistory`, times ETH/USD from Chainlink
(read through `chainwatch.feeds`).

A transaction pays the next block's base fee plus the priority fee it offers. `eth_feeHistory`
returns both for recent blocks: the base fee of every block and of the next one, and the
priority fees paid at chosen percentiles of each block's transactions. A user who wants in
quickly pays a high percentile, a patient one a low one, so the cost comes as a range: the next
base fee plus the median over the blocks of each percentile's priority fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median_low
from typing import Any

from chainwatch.errors import ChainwatchError
from chainwatch.model import from_raw
from chainwatch.rpc import EndpointPool, RpcError

GWEI_DECIMALS = 9
FEE_HISTORY_BLOCKS = 20
PERCENTILES = (10, 50, 90)  # low, median, high


class GasInputError(ChainwatchError):
    """A gas figure given on the command line that cannot be a price."""


@dataclass(frozen=True)
class GasPrice:
    """Gas prices in gwei at three levels of urgency, and the next block's base fee in them."""

    base_fee: Decimal
    low: Decimal
    median: Decimal
    high: Decimal

    @classmethod
    def flat(cls, gwei: Decimal) -> GasPrice:
        """One price at every level (`--gas-price-gwei`)."""
        if not gwei.is_finite() or gwei < 0:
            raise GasInputError(f"--gas-price-gwei must be zero or more, got {gwei}")
        return cls(gwei, gwei, gwei, gwei)


@dataclass(frozen=True)
class GasCostUsd:
    """The USD cost of a number of gas units at the three price levels."""

    low: Decimal
    median: Decimal
    high: Decimal

    @classmethod
    def flat(cls, usd: Decimal) -> GasCostUsd:
        """A cost given directly (`--gas-usd`): the same at every level."""
        if not usd.is_finite() or usd < 0:
            raise GasInputError(f"--gas-usd must be zero or more, got {usd}")
        return cls(usd, usd, usd)


def price_from_fee_history(history: dict[str, Any]) -> GasPrice:
    """A `GasPrice` from an `eth_feeHistory` answer asked for `PERCENTILES`.

    The last `baseFeePerGas` entry is the next block's base fee (the one a transaction sent now
    pays). Blocks without transactions report priority fees of zero; they are left out so that
    a quiet spell does not pretend tips are free, unless every block is empty.
    """
    try:
        base = int(history["baseFeePerGas"][-1], 16)
        rewards = [[int(r, 16) for r in row] for row in history.get("reward") or []]
        ratios = [Decimal(str(r)) for r in history.get("gasUsedRatio") or []]
    except (KeyError, IndexError, TypeError, ValueError):
        raise RpcError("eth_feeHistory answered in an unexpected shape") from None
    busy = [row for row, ratio in zip(rewards, ratios) if ratio > 0] or rewards
    levels = [median_low(row[i] for row in busy) if busy else 0 for i in range(len(PERCENTILES))]
    low, mid, high = (from_raw(base + tip, GWEI_DECIMALS) for tip in levels)
    return GasPrice(from_raw(base, GWEI_DECIMALS), low, mid, high)


def read_gas_price(pool: EndpointPool, block: int, blocks: int = FEE_HISTORY_BLOCKS) -> GasPrice:
    """The gas price over the `blocks` blocks up to `block`."""
    history = pool.request("eth_feeHistory", [hex(blocks), hex(block), list(PERCENTILES)])
    if not isinstance(history, dict):
        raise RpcError("eth_feeHistory returned nothing (give --gas-price-gwei)")
    return price_from_fee_history(history)


def gas_cost_usd(units: int, price: GasPrice, eth_usd: Decimal) -> GasCostUsd:
    """`units` of gas at each price level, in USD."""
    per_gwei = Decimal(units) * eth_usd / 10**GWEI_DECIMALS
    return GasCostUsd(price.low * per_gwei, price.median * per_gwei, price.high * per_gwei)
