"""Barrier-hit probability: the closed form on a hand-worked case, and the seeded Monte Carlo
agreeing with it within sampling error."""

import math
from decimal import Decimal

import pytest

from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.montecarlo import (
    BarrierProblem,
    closed_form_probability,
    monte_carlo_probability,
)

D = Decimal
Z_975 = 1.959963984540054  # Φ(−Z_975) = 0.025


def test_closed_form_on_a_driftless_log_price():
    # With μ = σ²/2 the log price has no drift, and the reflection principle gives
    # P(min ≤ b) = 2 Φ(b / (σ√T)). A barrier 1.96 σ√T below in log space: 2 × 0.025 = 0.05.
    sigma = D("0.5")
    below = D(100) * D(-Z_975 * 0.5).exp()
    above = D(100) * D(Z_975 * 0.5).exp()
    for barrier in (below, above):
        problem = BarrierProblem(D(100), barrier, sigma, D(1), drift=sigma * sigma / 2)
        assert abs(closed_form_probability(problem) - D("0.05")) < D("1e-9")


def test_closed_form_with_zero_price_drift():
    # dS/S = σ dW: the log distance a = ln(100/80) = 0.223144 shrinks at m = −σ²/2 = −0.18 a
    # year, σ√T = 0.6. P = Φ((−a − m)/0.6) + e^(−2ma/σ²) Φ((−a + m)/0.6)
    #   = Φ(−0.071906) + e^(0.223144) Φ(−0.671906) = 0.471338 + 1.25 × 0.250822 = 0.784866
    problem = BarrierProblem(D(100), D(80), D("0.6"), D(1))
    assert round(closed_form_probability(problem), 5) == D("0.78487")


CASES = {
    "14 days, no drift (the outlook)": BarrierProblem(D(60000), D(50000), D("0.55"), D(14) / 365),
    "a year, no drift": BarrierProblem(D(100), D(80), D("0.6"), D(1)),
    "upward drift, barrier rising with interest": BarrierProblem(
        D(100), D(80), D("0.6"), D(1), drift=D("0.2"), barrier_rate=D("0.08")
    ),
    "a rise liquidates": BarrierProblem(D(100), D(120), D("0.5"), D(30) / 365),
    "downward drift": BarrierProblem(D(100), D(50), D("0.8"), D(1), drift=D("-0.3")),
}


@pytest.mark.parametrize("problem", CASES.values(), ids=CASES.keys())
def test_monte_carlo_agrees_with_the_closed_form(problem):
    estimate = monte_carlo_probability(problem, paths=100_000, seed=7)
    assert estimate.paths == 100_000
    assert abs(estimate.probability - closed_form_probability(problem)) < 4 * estimate.standard_error


def test_the_bridge_makes_even_one_step_per_year_watch_continuously():
    # Checking only at the end of the year would miss every path that dipped and came back.
    problem = CASES["a year, no drift"]
    estimate = monte_carlo_probability(problem, paths=100_000, steps_per_year=1, seed=3)
    assert abs(estimate.probability - closed_form_probability(problem)) < 4 * estimate.standard_error


def test_seeded_runs_repeat_and_seeds_differ():
    problem = CASES["14 days, no drift (the outlook)"]
    assert monte_carlo_probability(problem, 20_000, seed=1) == monte_carlo_probability(problem, 20_000, seed=1)
    assert monte_carlo_probability(problem, 20_000, seed=1) != monte_carlo_probability(problem, 20_000, seed=2)


def test_a_price_already_past_the_barrier_is_certain():
    problem = BarrierProblem(D(100), D(100), D("0.5"), D(1))
    assert closed_form_probability(problem) == 1
    assert monte_carlo_probability(problem, 1000).probability == 1


def test_a_far_barrier_is_near_impossible():
    problem = BarrierProblem(D(100), D(1), D("0.3"), D(14) / 365)
    assert closed_form_probability(problem) < D("1e-12")
    assert monte_carlo_probability(problem, 10_000).probability < D("1e-12")


@pytest.mark.parametrize(
    "fields",
    [
        {"volatility": D(0)},
        {"spot": D(0)},
        {"barrier": D(-1)},
        {"horizon_years": D(0)},
    ],
)
def test_bad_problems_are_refused(fields):
    base = {"spot": D(100), "barrier": D(80), "volatility": D("0.5"), "horizon_years": D(1)}
    with pytest.raises(RiskInputError):
        BarrierProblem(**{**base, **fields})


def test_too_few_paths_is_refused():
    with pytest.raises(RiskInputError):
        monte_carlo_probability(CASES["a year, no drift"], paths=1)


def test_probabilities_are_decimals_of_the_shortest_float_repr():
    estimate = monte_carlo_probability(CASES["a year, no drift"], 1000)
    assert isinstance(estimate.probability, Decimal)
    assert estimate.probability == D(repr(float(estimate.probability)))
    assert not math.isnan(float(estimate.standard_error))
