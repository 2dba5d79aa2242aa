"""The MT5 results table: columns, MT5's filters, expression filters, sorting, export, Sharpe reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.errors import ConfigError
from rayga.reports.table import (
    FILTERS,
    HEADINGS,
    REFUSALS,
    apply_filters,
    export,
    mt5_table,
    select,
    sharpe_reading,
)
from rayga.sim.enums import METRICS


def results(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"pass": np.arange(1, n + 1), "generation": rng.integers(0, 5, n),
                          "fast": rng.integers(1, 10, n) * 5.0, "slow": rng.integers(2, 20, n) * 10.0})
    for m in METRICS:
        frame[m] = rng.normal(0, 1, n)
    frame["total_trades"] = rng.integers(0, 5, n) * 10.0
    frame["profit"] = rng.normal(0, 1000, n)
    frame["equity_dd_rel_pct"] = rng.uniform(0, 100, n)
    frame["recovery_factor"] = rng.normal(1, 1, n)
    frame["sharpe_ratio"] = rng.normal(0.5, 1, n)
    frame["complex_criterion"] = rng.uniform(0, 100, n)
    frame["result"] = frame["complex_criterion"]
    for name in REFUSALS:  # counts: none refused unless a test says so
        frame[name] = 0.0
    return frame


def test_columns_are_mt5s_in_order_then_parameters_then_the_sharpe_reading():
    table = mt5_table(results(), ["fast", "slow"])
    assert list(table.columns) == [*HEADINGS.values(), "fast", "slow", "Sharpe reading"]
    assert table["fast"].dtype == np.int64 and table["Total trades"].dtype == np.int64


def test_the_entries_the_guards_refused_follow_the_parameters_where_some_pass_has_one():
    frame = results(50)
    frame["skipped_window"] = np.arange(50) % 3 * 7.0
    frame["no_money"] = 2.0
    table = mt5_table(frame, ["fast", "slow"])
    assert list(table.columns) == [*HEADINGS.values(), "fast", "slow", "No money", "Skipped: window", "Sharpe reading"]
    assert table["Skipped: window"].tolist() == (np.arange(50) % 3 * 7).tolist()
    assert table["Skipped: window"].dtype == np.int64


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_mt5_filter_removes_exactly_its_passes(name):
    frame = results()
    kept = apply_filters(frame, [name])
    expect = {"no-trades": frame.total_trades > 0, "loss": frame.profit >= 0, "dd50": frame.equity_dd_rel_pct <= 50,
              "rf1": frame.recovery_factor >= 1, "sharpe05": frame.sharpe_ratio >= 0.5}[name]
    assert 0 < len(kept) < len(frame)
    assert set(kept["pass"]) == set(frame.loc[expect, "pass"])


def test_all_filters_and_an_expression():
    frame = results()
    every = apply_filters(frame, ["all"])
    assert ((every.total_trades > 0) & (every.profit >= 0) & (every.equity_dd_rel_pct <= 50)
            & (every.recovery_factor >= 1) & (every.sharpe_ratio >= 0.5)).all()
    expr = apply_filters(frame, ["total_trades >= 20 and fast <= 25"])
    assert set(expr["pass"]) == set(frame.loc[(frame.total_trades >= 20) & (frame.fast <= 25), "pass"])


@pytest.mark.parametrize(("bad", "words"), [("los", "did you mean loss"), ("nosuch > 1", "nosuch"),
                                            ("profit +", "--filter")])
def test_bad_filters_name_themselves(bad, words):
    with pytest.raises(ConfigError, match="--filter") as err:
        apply_filters(results(), [bad])
    assert words in str(err.value) and "\n" not in str(err.value)


def test_sort_by_heading_or_metric_name_any_case_and_top():
    frame = results()
    by_heading = select(frame, ["fast", "slow"], True, sort="profit factor", top=7)
    by_metric = select(frame, ["fast", "slow"], True, sort="PROFIT_FACTOR", top=7)
    pd.testing.assert_frame_equal(by_heading, by_metric)
    assert list(by_heading["Profit factor"]) == sorted(frame["profit_factor"], reverse=True)[:7]
    default = select(frame, ["fast", "slow"], maximize=False)
    assert default["Result"].is_monotonic_increasing  # a minimized criterion: best first
    up = select(frame, ["fast", "slow"], True, sort="slow", ascending=True)
    assert up["slow"].is_monotonic_increasing
    with pytest.raises(ConfigError, match='did you mean "Profit"'):
        select(frame, ["fast"], True, sort="proft")
    with pytest.raises(ConfigError, match="--top"):
        select(frame, ["fast"], True, top=0)


def test_export_round_trips_csv_and_parquet(tmp_path):
    table = select(results(), ["fast", "slow"], True, filters=["no-trades"])
    pd.testing.assert_frame_equal(pd.read_parquet(export(table, tmp_path / "t.parquet")), table)
    back = pd.read_csv(export(table, tmp_path / "t.csv"))
    assert list(back.columns) == list(table.columns) and len(back) == len(table)
    np.testing.assert_allclose(back["Profit"], table["Profit"])
    with pytest.raises(ConfigError, match=".csv or .parquet"):
        export(table, tmp_path / "t.xlsx")


@pytest.mark.parametrize(("value", "reading"), [(-0.01, "bad"), (0.0, "indefinite"), (0.99, "indefinite"),
                                                (1.0, "good"), (2.99, "good"), (3.0, "very good")])
def test_sharpe_reading_is_mt5s(value, reading):
    assert sharpe_reading(value) == reading
