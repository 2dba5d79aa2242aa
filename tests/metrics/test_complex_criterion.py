"""Properties of rayga's Complex Criterion: range, gate, monotonicity, lot-size insensitivity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rayga.metrics.complex import MIN_TRADES, complex_criterion

trades = st.integers(min_value=MIN_TRADES, max_value=100_000)
pf = st.floats(min_value=1.0001, max_value=50.0)
rf = st.floats(min_value=0.0, max_value=1_000.0)
sharpe = st.floats(min_value=-5.0, max_value=20.0)
dd = st.floats(min_value=0.0, max_value=100.0)


def score(n, p, r, s, d, profit=1.0):
    return float(complex_criterion(n, p, r, s, d, profit))


@given(trades, pf, rf, sharpe, dd)
def test_range_and_defined(n, p, r, s, d):
    v = score(n, p, r, s, d)
    assert 0.0 <= v < 100.0 and np.isfinite(v)


@given(st.integers(min_value=0, max_value=MIN_TRADES - 1), pf, rf, sharpe, dd)
def test_gated_below_min_trades(n, p, r, s, d):
    assert score(n, p, r, s, d) == 0.0


@given(trades, pf, rf, sharpe, dd, st.floats(min_value=-1e6, max_value=0.0))
def test_zero_for_losing_passes(n, p, r, s, d, loss):
    assert score(n, p, r, s, d, profit=loss) == 0.0


@settings(max_examples=300)
@given(trades, pf, rf, sharpe, dd, st.floats(min_value=0.0, max_value=10.0), st.integers(0, 4))
def test_monotone_in_each_input(n, p, r, s, d, step, which):
    base = score(n, p, r, s, d)
    if which == 0:
        better = score(n + int(step * 100) + 1, p, r, s, d)
    elif which == 1:
        better = score(n, p + step, r, s, d)
    elif which == 2:
        better = score(n, p, r + step, s, d)
    elif which == 3:
        better = score(n, p, r, s + step, d)
    else:
        better = score(n, p, r, s, max(d - step, 0.0))
    assert better >= base


def test_lots_and_deposit_scaled_together_leave_the_score_unchanged():
    """Money scales with lots; with the deposit scaled alike every input is the same ratio or percentage."""
    from rayga.data.load import load_market_data
    from rayga.sim.account import AccountConfig
    from rayga.sim.engine import evaluate
    from rayga.sim.prepared import prepare
    from rayga.strategies.ma_cross import MACross

    md = load_market_data("synthetic", "EURUSD", "2022-01-01", "2022-07-01", "M15")
    genomes = np.array([[8.0, 30.0, 300.0, 600.0], [12.0, 48.0, 0.0, 0.0], [10.0, 160.0, 100.0, 1900.0]])
    one = evaluate(prepare(md, AccountConfig(lots=1.0, deposit=100_000)), MACross(), genomes)
    ten = evaluate(prepare(md, AccountConfig(lots=10.0, deposit=1_000_000)), MACross(), genomes)
    assert (one["complex_criterion"] > 0).any()
    np.testing.assert_allclose(ten["profit"], one["profit"] * 10, rtol=1e-6)
    np.testing.assert_allclose(ten["complex_criterion"], one["complex_criterion"], rtol=1e-6)


def test_strictly_discriminates_good_from_better():
    a = score(200, 1.3, 2.0, 0.8, 15.0)
    b = score(200, 1.3, 2.5, 0.8, 15.0)
    c = score(200, 1.4, 2.5, 0.8, 15.0)
    assert a < b < c < 80.0


def test_no_profit_factor_when_no_loss_counts_as_best_payoff():
    # MT5 prints profit factor 0.00 when there is no losing deal; such a profitable pass is not penalized
    assert score(50, 0.0, 5.0, 2.0, 5.0) > score(50, 3.0, 5.0, 2.0, 5.0)
