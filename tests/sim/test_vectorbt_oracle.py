"""The fused kernels against vectorbt's `Portfolio.from_signals` on the M1 bars (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.data.load import load_market_data
from rayga.errors import ConfigError
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross

TRADE_METRICS = ("total_trades", "total_deals", "long_trades", "short_trades", "wins")
MONEY_METRICS = ("profit", "gross_profit", "gross_loss", "balance_dd_max", "balance_dd_rel_pct", "balance_dd_abs",
                 "final_balance")


def random_genomes(n, seed, stops):
    rng = np.random.default_rng(seed)
    fast = rng.integers(3, 40, n)
    slow = fast + rng.integers(2, 120, n)
    sl = rng.integers(0, 6, n) * 0.001 if stops else np.zeros(n)
    tp = rng.integers(0, 6, n) * 0.002 if stops else np.zeros(n)
    return np.column_stack([fast, slow, sl, tp]).astype(float)


def assert_engines_agree(data, genomes):
    fast = evaluate(data, MACross(), genomes)
    oracle = evaluate(data, MACross(), genomes, engine="vectorbt")
    assert (oracle["total_trades"] > 0).all()
    for name in TRADE_METRICS:
        np.testing.assert_array_equal(fast[name].to_numpy(), oracle[name].to_numpy(), err_msg=name)
    for name in MONEY_METRICS:
        np.testing.assert_allclose(fast[name].to_numpy(), oracle[name].to_numpy(), rtol=1e-6, atol=1e-6, err_msg=name)


def test_engines_agree_on_synthetic_data():
    md = load_market_data("synthetic", "EURUSD", "2022-03-01", "2022-05-01", "M15")
    assert_engines_agree(prepare(md, AccountConfig(commission_per_lot=3.5)), random_genomes(8, 1, stops=False))
    assert_engines_agree(prepare(md, AccountConfig(stop_mode="vectorbt")), random_genomes(8, 2, stops=True))


def test_vectorbt_engine_refuses_mt5_stops():
    md = load_market_data("synthetic", "EURUSD", "2022-03-01", "2022-03-15", "M15")
    with pytest.raises(ConfigError, match="stop_mode = \"vectorbt\""):
        evaluate(prepare(md, AccountConfig()), MACross(), random_genomes(2, 3, stops=True), engine="vectorbt")


@pytest.mark.shared
@pytest.mark.slow
def test_no_stops_full_range_equals_vectorbt(eurusd_dir):
    """Without stops, over all of 2020-01-01..2023-10-15: identical trades, profit to 1e-6."""
    md = load_market_data(eurusd_dir, "EURUSD", "2020-01-01", "2023-10-15", "M15")
    assert_engines_agree(prepare(md, AccountConfig(commission_per_lot=3.0)), random_genomes(4, 11, stops=False))


@pytest.mark.shared
@pytest.mark.slow
def test_vectorbt_stop_mode_quarter_equals_vectorbt(eurusd_dir):
    """Stops under vectorbt's rules, 200 random genomes over one quarter of real bars."""
    md = load_market_data(eurusd_dir, "EURUSD", "2021-01-01", "2021-04-01", "M15")
    data = prepare(md, AccountConfig(stop_mode="vectorbt", commission_per_lot=2.0))
    assert_engines_agree(data, random_genomes(200, 12, stops=True))
