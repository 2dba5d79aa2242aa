"""Overfitting statistics on synthetic cases with known answers: noise strategies are caught (high PBO,
deflated Sharpe near zero), real skill is not; a lone spike ranks below a broad plateau."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rayga.metrics.overfit import (
    deflated_sharpe,
    expected_max_sharpe,
    plateau_scores,
    probability_of_overfitting,
    sharpe_probability,
)

DAYS = 252


def noise(n_passes: int, periods: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, (periods, n_passes))


def sharpes(m: np.ndarray) -> np.ndarray:
    return m.mean(axis=0) / m.std(axis=0)


def test_expected_max_sharpe_matches_monte_carlo():
    rng = np.random.default_rng(1)
    n, t = 200, 500
    maxima = [sharpes(rng.normal(0, 1, (t, n))).max() for _ in range(200)]
    var = 1.0 / t  # variance of a Sharpe estimate of zero-mean returns
    assert expected_max_sharpe(n, var) == pytest.approx(np.mean(maxima), rel=0.05)
    assert expected_max_sharpe(1, var) == 0.0 and expected_max_sharpe(10, 0.0) == 0.0


def test_best_of_many_noise_passes_deflates_to_nothing():
    probs, deflated, raw = [], [], []
    for seed in range(20):
        m = noise(500, 3 * DAYS, seed)
        s = sharpes(m)
        d = deflated_sharpe(m[:, int(np.argmax(s))], s, DAYS)
        probs.append(d.probability)
        deflated.append(d.deflated)
        raw.append(d.sharpe * math.sqrt(DAYS))
    assert np.mean(raw) > 1.5  # the best of 500 noise passes looks like a great strategy...
    assert abs(np.mean(deflated)) < 0.35  # ...and is worth about nothing once deflated
    assert np.mean(probs) < 0.7 and max(probs) < 0.99


def test_real_skill_survives_deflation():
    m = noise(500, 3 * DAYS, 7)
    m[:, 0] += 0.003  # annualised Sharpe about 4.8
    s = sharpes(m)
    d = deflated_sharpe(m[:, 0], s, DAYS)
    assert int(np.argmax(s)) == 0 and d.probability > 0.99 and d.deflated > 2.0
    assert d.as_dict()["trials"] == 500


def test_probabilistic_sharpe_ratio_against_its_closed_form():
    # with normal returns (skew 0, kurtosis 3) PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 + SR^2 / 2))
    sr, bench, t = 0.1, 0.02, 400
    expect = 0.5 * (1 + math.erf((sr - bench) * math.sqrt(t - 1) / math.sqrt(1 + sr * sr / 2) / math.sqrt(2)))
    assert sharpe_probability(sr, bench, t, 0.0, 3.0) == pytest.approx(expect, rel=1e-12)
    # negative skew and fat tails make the same Sharpe less convincing
    assert sharpe_probability(sr, bench, t, -1.0, 8.0) < sharpe_probability(sr, bench, t, 0.0, 3.0)


def test_pbo_is_high_for_noise_and_low_for_skill():
    pbos = [probability_of_overfitting(noise(40, 4 * DAYS, seed), blocks=10).pbo for seed in range(8)]
    assert 0.3 < np.mean(pbos) < 0.7  # noise: the in-sample winner is a coin flip out of sample
    m = noise(40, 4 * DAYS, 99)
    m += np.linspace(0, 0.002, 40)[None, :]  # pass 39 truly best, 38 next ...
    res = probability_of_overfitting(m, blocks=10)
    assert res.pbo < 0.05 and res.splits == math.comb(10, 5) and res.passes == 40


def test_pbo_rejects_bad_shapes():
    with pytest.raises(ValueError, match="two passes"):
        probability_of_overfitting(np.zeros((100, 1)))
    with pytest.raises(ValueError, match="blocks"):
        probability_of_overfitting(np.zeros((5, 3)), blocks=16)


def test_a_lone_spike_ranks_below_a_broad_plateau():
    grid = np.array([(i, j) for i in range(20) for j in range(20)])
    values = np.zeros(len(grid))
    spike = 5 * 20 + 5
    values[spike] = 10.0  # a lone spike: best pass, neighbours worthless
    dist = np.abs(grid - [14, 14]).max(axis=1)
    values += np.where(dist <= 2, 8.0 - dist, 0.0)  # a broad plateau peaking at 8
    peak = 14 * 20 + 14
    top = [spike, peak]
    assert values[spike] > values[peak]
    scores = plateau_scores(grid, values, top)
    assert scores[0]["plateau"] < scores[1]["plateau"]
    assert scores[0]["neighbours"] == 8 and scores[1]["neighbours"] == 8
    corner = plateau_scores(grid, values, [0])[0]
    assert corner["neighbours"] == 3  # the grid's edge has fewer neighbours
    # neighbours the search never evaluated are asked of the lookup
    sparse = [k for k in range(len(grid)) if k not in (spike - 1, spike + 1)]
    asked = []

    def lookup(points):  # noqa: ANN001, ANN202
        asked.extend(map(tuple, points))
        return np.zeros(len(points))

    (s,) = plateau_scores(grid[sparse], values[sparse], [sparse.index(spike)], lookup)
    assert sorted(asked) == [(5, 4), (5, 6)] and s["plateau"] == pytest.approx(scores[0]["plateau"])
