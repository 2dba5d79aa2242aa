"""Indicator rows kept between batches: a kept row equals a fresh one, the store never mixes rows up
when it evicts, and results never depend on what was kept."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from rayga.data.load import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies import rows as R
from rayga.strategies.registry import BUILT_IN, get_strategy
from tests.strategies.test_strategies import default_space_sample


def test_store_evicts_least_recently_used_rows_and_keeps_values_right():
    store = R.RowStore(n_bars=4, budget_bytes=3 * 4 * 8)  # room for three rows
    assert store.capacity == 3
    made = []

    def make(key):
        made.append(key)
        return np.full(4, float(key))

    m, idx = store.table([1, 2, 1], make)
    assert [m[i][0] for i in idx] == [1, 2, 1] and made == [1, 2]
    m, idx = store.table([3, 1], make)  # 1 is used again: 2 is now the least recently used
    m, idx = store.table([4, 3], make)  # full: evicts 2, not 1
    assert [m[i][0] for i in idx] == [4, 3] and made == [1, 2, 3, 4]
    assert set(store.index) == {1, 3, 4}
    m, idx = store.table([2, 1, 4], make)  # 2 again (recomputed), evicting 3, the oldest not wanted
    assert [m[i][0] for i in idx] == [2, 1, 4] and set(store.index) == {1, 2, 4}
    assert sorted(store.index.values()) == [0, 1, 2]  # each row holds one key


def test_rows_made_at_once_fill_free_rows_then_the_rest_one_by_one():
    store = R.RowStore(n_bars=3, budget_bytes=3 * 3 * 8)  # room for three rows
    calls = []

    def make(key):
        calls.append(("one", key))
        return np.full(3, float(key))

    def make_rows(keys, matrix, rows):
        calls.append(("all", list(keys)))
        for key, row in zip(keys, rows, strict=True):
            matrix[row] = float(key)

    m, idx = store.table([1, 2, 1], make, make_rows)
    assert [m[i][0] for i in idx] == [1, 2, 1] and calls == [("all", [1, 2])]
    m, idx = store.table([2, 3, 4], make, make_rows)  # one free row: 3 at once, 4 evicts 1 (not wanted)
    assert [m[i][0] for i in idx] == [2, 3, 4] and calls[1:] == [("all", [3]), ("one", 4)]
    assert set(store.index) == {2, 3, 4} and sorted(store.index.values()) == [0, 1, 2]
    wide, idx = store.table([7, 8, 9, 10], make, make_rows)  # wider than the store: a matrix of its own
    assert [wide[i][0] for i in idx] == [7, 8, 9, 10] and set(store.index) == {2, 3, 4}

    small = R.RowStore(n_bars=3, budget_bytes=2 * 3 * 8)
    small.table([1], make)

    def boom(keys, matrix, rows):
        matrix[rows] = -1.0  # writes its free rows, then fails
        raise ValueError("bad rows")

    with pytest.raises(ValueError):
        small.table([5], make, boom)
    assert list(small.index) == [1] and small.matrix[small.index[1]][0] == 1


def test_a_batch_wider_than_the_store_gets_its_own_matrix_and_a_failing_row_changes_nothing():
    store = R.RowStore(n_bars=2, budget_bytes=2 * 2 * 8)
    m, idx = store.table([5, 6, 7, 5], lambda k: np.full(2, float(k)))
    assert m is not store.matrix and [m[i][0] for i in idx] == [5, 6, 7, 5] and not store.index
    store.table([1, 2], lambda k: np.full(2, float(k)))
    before = dict(store.index)

    def boom(key):
        raise ValueError("bad row")

    with pytest.raises(ValueError):
        store.table([3], boom)
    assert store.index == before and store.matrix[before[1]][0] == 1 and store.matrix[before[2]][0] == 2


@pytest.fixture(scope="module")
def market():
    return load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-03-01", "M15")


@pytest.mark.parametrize("name", list(BUILT_IN))
def test_results_do_not_depend_on_the_kept_rows(name, market, monkeypatch):
    strategy = get_strategy(name)
    genomes = default_space_sample(strategy, 40, seed=3)
    if "sl_atr" in strategy.param_names:
        genomes[::2, strategy.param_names.index("sl_atr")] = 1.5  # half the genomes with ATR stops
    data = prepare(market, AccountConfig())
    first = evaluate(data, strategy, genomes)
    again = evaluate(data, strategy, genomes[::-1])  # every row kept, in another order
    monkeypatch.setattr(R, "BUDGET_BYTES", 3 * 8 * len(data.tf_close))  # a store of three rows: evictions
    small = evaluate(prepare(market, AccountConfig()), strategy, genomes)
    for table in (again.iloc[::-1].reset_index(drop=True), small):
        for col in first.columns:
            np.testing.assert_array_equal(table[col].to_numpy(), first[col].to_numpy(), err_msg=col)


def test_rows_are_shared_by_the_same_bars_and_dropped_with_them():
    from rayga.tuning.objects import with_account

    data = prepare(load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15"), AccountConfig())
    strategy = get_strategy("ma_cross")
    evaluate(data, strategy, strategy.genome({})[None, :])
    store = R._STORES[id(data.tf_close)]
    other = with_account(data, data.acct * 1.0)
    evaluate(other, strategy, strategy.genome({"fast": 7})[None, :])
    assert R._STORES[id(other.tf_close)] is store and len(store.index) == 3
    windows: dict = {}
    acct = data.acct.copy()
    acct[14], acct[15] = 100, 900  # A_BAR_FIRST, A_BAR_STOP: a walk-forward window
    w1, w2 = with_account(data, acct, windows), with_account(data, acct, windows)
    assert w1.tf_close is w2.tf_close  # the same window view batch after batch: its rows stay kept
    key = id(data.tf_close)
    del data, other, w1, w2, windows
    gc.collect()
    assert key not in R._STORES


def test_all_kept_rows_stay_within_the_process_budget(monkeypatch):
    md = [load_market_data("synthetic", "EURUSD", start, end, "M15")
          for start, end in (("2022-01-03", "2022-01-20"), ("2022-02-01", "2022-02-20"))]
    a, b = (prepare(m, AccountConfig()) for m in md)
    row = 8 * max(len(a.tf_close), len(b.tf_close))
    monkeypatch.setattr(R, "TOTAL_BYTES", 5 * row)
    strategy = get_strategy("ma_cross")
    genomes = np.array([[f, f + 10, 300, 600] for f in (5, 6)], dtype=float)  # four MA rows
    first = evaluate(a, strategy, genomes)
    evaluate(b, strategy, genomes)  # four more rows: a's go (b is in use)
    assert R._STORES[id(a.tf_close)].kept_bytes == 0 and len(R._STORES[id(b.tf_close)].index) == 4
    again = evaluate(a, strategy, genomes)  # recomputed: the same figures
    for col in first.columns:
        np.testing.assert_array_equal(again[col].to_numpy(), first[col].to_numpy(), err_msg=col)


@pytest.mark.parametrize("holes", ["none", "scattered", "leading"])
def test_batched_moving_averages_are_vectorbts_bit_for_bit(holes):
    from vectorbt.generic.nb import rolling_mean_1d_nb

    from rayga.strategies._nb_rows import sma_rows_nb

    rng = np.random.default_rng(5)
    close = 1.1 + np.cumsum(rng.normal(0, 1e-4, 5_000))
    if holes == "scattered":
        close[rng.choice(len(close), 200, replace=False)] = np.nan
    elif holes == "leading":
        close[:30] = np.nan
    periods = np.array([1, 2, 7, 50, 333, 4_999, 5_000, 6_000], dtype=np.int64)
    matrix = np.full((len(periods) + 2, len(close)), -1.0)
    rows = np.arange(2, len(periods) + 2, dtype=np.int64)  # rows 0 and 1 are not to be touched
    sma_rows_nb(close, periods, matrix, rows)
    assert (matrix[:2] == -1.0).all()
    for p, row in zip(periods, rows, strict=True):
        expected = rolling_mean_1d_nb(close, int(p), int(p))
        np.testing.assert_array_equal(matrix[row].view(np.int64), expected.view(np.int64), err_msg=f"period {p}")
