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


EXIT_RULE = """
import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_LONG, EXIT_SHORT, SELL, sma_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def cross_then_exit(open_, high, low, close, p):
    fast, slow = sma_nb(close, int(p[0])), sma_nb(close, int(p[1]))
    out = np.zeros(close.shape[0], np.int8)
    for k in range(1, close.shape[0]):
        if np.isnan(slow[k - 1]):
            continue
        if fast[k] > slow[k] and fast[k - 1] <= slow[k - 1]:
            out[k] = BUY + (EXIT_SHORT if k % 3 == 0 else 0)  # a reversal written as exit + entry
        elif fast[k] < slow[k] and fast[k - 1] >= slow[k - 1]:
            out[k] = SELL
        elif k % int(p[2]) == 0:
            out[k] = EXIT_LONG if (k // int(p[2])) % 2 else EXIT_SHORT
    return out


class CrossThenExit(UserStrategy):
    name = "cross_then_exit"
    params = (Param("fast", "int", 10, 3, 1, 40), Param("slow", "int", 40, 10, 5, 200),
              Param("every", "int", 30, 5, 1, 90))
    signal = cross_then_exit
"""


@pytest.mark.parametrize("mode", ["reverse", "close", "ignore"])
def test_exits_and_opposite_entry_modes_equal_vectorbt(tmp_path, mode):
    """Exits to flat and the three opposite-entry modes, as vectorbt orders them (genomes without stops)."""
    from rayga.strategies.registry import get_strategy

    (tmp_path / "exits.py").write_text(EXIT_RULE)
    strategy = get_strategy(f"{tmp_path / 'exits.py'}:CrossThenExit")
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-06-01", "M15")
    data = prepare(md, AccountConfig(commission_per_lot=3.5, opposite_entry=mode))
    rng = np.random.default_rng(["reverse", "close", "ignore"].index(mode))
    fast = rng.integers(3, 30, 12)
    genomes = np.column_stack([fast, fast + rng.integers(5, 80, 12), rng.integers(5, 90, 12)]).astype(float)
    ours = evaluate(data, strategy, genomes)
    oracle = evaluate(data, strategy, genomes, engine="vectorbt")
    assert (oracle["total_trades"] > 10).all()
    for name in TRADE_METRICS:
        np.testing.assert_array_equal(ours[name].to_numpy(), oracle[name].to_numpy(), err_msg=name)
    for name in MONEY_METRICS:
        np.testing.assert_allclose(ours[name].to_numpy(), oracle[name].to_numpy(), rtol=1e-6, atol=1e-6, err_msg=name)


REENTRY_RULE = """
import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_LONG
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def reenter(open_, high, low, close, p):
    out = np.zeros(close.shape[0], np.int8)
    out[5] = BUY
    out[10] = EXIT_LONG + BUY  # close the long and buy again on the same tick
    return out


class Reenter(UserStrategy):
    name = "reenter"
    params = (Param("unused", "int", 1, 1, 1, 2),)
    signal = reenter
"""


def test_the_vectorbt_engine_refuses_what_it_cannot_order(tmp_path):
    from rayga.strategies.registry import get_strategy

    (tmp_path / "reenter.py").write_text(REENTRY_RULE)
    strategy = get_strategy(f"{tmp_path / 'reenter.py'}:Reenter")
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15")
    data = prepare(md, AccountConfig())
    assert evaluate(data, strategy, np.array([[1.0]]))["total_trades"].iloc[0] == 2  # rayga's kernel runs it
    with pytest.raises(ConfigError, match=r"^genome 0 of reenter: the decision at bar 10 exits and re-enters "
                                          r"the same way on one tick, which vectorbt cannot order"):
        evaluate(data, strategy, np.array([[1.0]]), engine="vectorbt")


def test_the_vectorbt_engine_refuses_stops_per_entry():
    from rayga.strategies.registry import get_strategy

    strategy = get_strategy("rsi_reversion")
    md = load_market_data("synthetic", "EURUSD", "2022-03-01", "2022-04-01", "M15")
    genome = strategy.genome({"period": 7, "lower": 35, "upper": 65, "sl_points": 0, "tp_points": 0, "sl_atr": 1.5})
    with pytest.raises(ConfigError, match=r"^genome 0 of rsi_reversion: stops per entry .* use engine = \"numba\"$"):
        evaluate(prepare(md, AccountConfig(stop_mode="vectorbt")), strategy, genome[None, :], engine="vectorbt")
