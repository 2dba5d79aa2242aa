"""The Ray-free optimization path (used by `rayga demo` and the Python API): GA and complete search over a
config, deterministic results. `rayga optimize` on Ray is tested in tests/tuning."""

from __future__ import annotations

import pandas as pd

from rayga.cli import main
from rayga.config import parse_config
from rayga.optimize import run_optimization

BASE = {"data": {"source": "synthetic", "start": "2022-01-03", "end": "2022-04-01", "timeframe": "M30"},
        "strategy": {"name": "ma_cross", "params": {"fast": {"start": 4, "step": 2, "stop": 30},
                                                      "slow": {"start": 10, "step": 5, "stop": 120},
                                                      "sl_points": {"start": 0, "step": 150, "stop": 600}}}}


def config(mode, **opt):
    return parse_config({**BASE, "optimization": {"mode": mode, "seed": 3, **opt}}, "test.toml")


def test_complete_search_finds_the_grid_optimum():
    run = run_optimization(config("complete"), progress=False)
    feasible = run.results
    assert len(feasible) == len(feasible["combination"].unique())
    assert (feasible["fast"] < feasible["slow"]).all()
    assert run.best["result"] == feasible["complex_criterion"].max()


def test_genetic_is_deterministic_and_close_to_the_grid_optimum():
    a = run_optimization(config("genetic"), progress=False)
    b = run_optimization(config("genetic"), progress=False)
    pd.testing.assert_frame_equal(a.results, b.results)
    full = run_optimization(config("complete"), progress=False)
    assert len(a.results) < len(full.results)
    assert a.best["result"] >= 0.9 * full.best["result"]


def test_minimizing_criterion_and_auto_mode():
    run = run_optimization(config("auto", criterion="drawdown", complete_budget=10 ** 6), progress=False)
    assert run.mode == "complete"
    assert run.best["result"] == run.results["balance_dd_rel_pct"].min()


def test_nothing_to_optimize(capsys):
    assert main(["optimize", "--quiet"]) == 2  # the embedded default has single values only
    assert "nothing to optimize" in capsys.readouterr().err
