"""The probability that BTC touches a liquidation price within a horizon.

BTC follows geometric Brownian motion, dS/S = μ dt + σ dW (μ = 0 unless a drift is given). The
liquidation price may itself rise at a constant log rate as interest accrues on the debt. In
log space both are straight lines, so the problem is a Brownian motion with drift hitting a
fixed level, which has a closed form; the Monte Carlo beside it is the check a reader can trust
without the algebra, and the place to grow into barriers the closed form cannot handle.

The simulation watches the barrier continuously: between two time steps, a path that stayed
above the barrier at both ends still crossed it with the Brownian-bridge probability
exp(−2·a·b / (σ²·Δt)), a and b its log distances at the two ends. That formula is exact for a
straight-line barrier in log space, so the step size only trades speed against nothing.
Numpy floats live only inside this module; inputs and results are Decimal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.risk.errors import RiskInputError, require_positive


@dataclass(frozen=True)
class BarrierProblem:
    """BTC at `spot`, liquidation at `barrier` (below spot: a fall liquidates; above: a rise).

    `volatility` and `drift` are yearly (fractions); `barrier_rate` is the yearly log rate at
    which the barrier moves, e.g. as debt accrues interest; `horizon_years` is how long to watch.
    """

    spot: Decimal
    barrier: Decimal
    volatility: Decimal
    horizon_years: Decimal
    drift: Decimal = Decimal(0)
    barrier_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        require_positive("BTC price", self.spot)
        require_positive("liquidation price", self.barrier)
        require_positive("volatility", self.volatility)
        require_positive("horizon", self.horizon_years)

    def _distance_and_drift(self) -> tuple[float, float, float]:
        """Start distance to the barrier in log space, the drift of that distance, and σ.

        The distance shrinks when the price falls towards a lower barrier or rises towards a
        higher one; reflecting the upper case makes both the same first-passage problem.
        """
        sigma = float(self.volatility)
        log_drift = float(self.drift) - sigma * sigma / 2 - float(self.barrier_rate)
        log_barrier = math.log(float(self.barrier / self.spot))
        side = 1.0 if log_barrier < 0 else -1.0
        return -side * log_barrier, side * log_drift, sigma


@dataclass(frozen=True)
class MonteCarloEstimate:
    probability: Decimal
    standard_error: Decimal
    paths: int


def closed_form_probability(problem: BarrierProblem) -> Decimal:
    """P(min over [0, T] of a + m·t + σ·W_t ≤ 0) for a Brownian motion starting at a > 0:
    Φ((−a − mT)/(σ√T)) + exp(−2ma/σ²)·Φ((−a + mT)/(σ√T))."""
    a, m, sigma = problem._distance_and_drift()
    if a <= 0:
        return Decimal(1)
    t = float(problem.horizon_years)
    scale = sigma * math.sqrt(t)
    first = _normal_cdf((-a - m * t) / scale)
    tail = _normal_cdf((-a + m * t) / scale)
    # exp(−2ma/σ²) overflows where the tail underflows; the product, a probability, does not.
    second = math.exp(min(-2 * m * a / (sigma * sigma) + math.log(tail), 0.0)) if tail > 0 else 0.0
    return _decimal(min(first + second, 1.0))


def monte_carlo_probability(
    problem: BarrierProblem, paths: int = 100_000, steps_per_year: int = 365, seed: int = 0
) -> MonteCarloEstimate:
    """Seeded simulation of `paths` paths, vectorised across paths, one step per day by default.

    Each path contributes its probability of having crossed (1 at a step ending past the
    barrier, else one minus the product of the bridge survival probabilities): a conditional
    expectation, so its variance is below that of counting hits.
    """
    if paths < 2:
        raise RiskInputError(f"paths must be at least 2, got {paths}")
    a, m, sigma = problem._distance_and_drift()
    if a <= 0:
        return MonteCarloEstimate(Decimal(1), Decimal(0), paths)
    t = float(problem.horizon_years)
    steps = max(1, math.ceil(t * steps_per_year))
    dt = t / steps
    import numpy as np  # a fifth of a second to import: only a simulation loads it

    rng = np.random.default_rng(seed)
    distance = np.full(paths, a)
    survival = np.ones(paths)
    for _ in range(steps):
        moved = distance + m * dt + sigma * math.sqrt(dt) * rng.standard_normal(paths)
        above = moved > 0
        bridge = np.exp(-2 * np.maximum(distance, 0) * np.maximum(moved, 0) / (sigma * sigma * dt))
        survival *= np.where(above, 1 - bridge, 0)
        distance = moved
    crossed = 1 - survival
    return MonteCarloEstimate(
        probability=_decimal(float(crossed.mean())),
        standard_error=_decimal(float(crossed.std(ddof=1) / math.sqrt(paths))),
        paths=paths,
    )


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _decimal(x: float) -> Decimal:
    """A float result as the Decimal of its shortest repr, not its full binary expansion."""
    return Decimal(repr(x))
