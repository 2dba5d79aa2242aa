"""The overfitting statistics of a run (see `rayga.metrics.overfit`), from its results and re-runs of
its top passes: the deflated Sharpe ratio of the best pass, the PBO of the top passes, and the
parameter plateau of the best passes (grid neighbours the search never evaluated are evaluated here)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rayga.ga.space import Input, ParamSpace
from rayga.metrics.overfit import deflated_sharpe, plateau_scores, probability_of_overfitting
from rayga.reports.run import Run, equity_frame
from rayga.sim import _nb_state as S

PBO_PASSES = 50     # the top passes whose daily returns PBO cross-validates
PBO_BLOCKS = 16     # time blocks (C(16, 8) = 12,870 in-sample / out-of-sample splits)
PLATEAU_PASSES = 10  # best passes scored by their neighbourhood


def run_space(run: Run) -> ParamSpace:
    sp = run.settings["space"]
    return ParamSpace(order=tuple(sp["order"]), inputs=tuple(Input(n, tuple(v)) for n, v in sp["inputs"].items()),
                      fixed=dict(sp["fixed"]), constraints=tuple(sp["constraints"]))


def bar_log_returns(equity: np.ndarray) -> np.ndarray:
    """Per-bar log returns of an equity curve, unchanged bars skipped (as MT5's Sharpe ratio takes them)."""
    eq = np.asarray(equity, dtype=np.float64)
    prev, now = eq[:-1], eq[1:]
    ok = (now != prev) & (now > 0) & (prev > 0)
    return np.log(now[ok] / prev[ok])


def overfitting(run: Run, pbo_passes: int = PBO_PASSES, blocks: int = PBO_BLOCKS,
                plateau_passes: int = PLATEAU_PASSES) -> dict:
    """`summary.json`'s "overfitting" block."""
    from rayga.sim.engine import evaluate
    from rayga.strategies.registry import strategy_for

    name, metric, maximize = run.criterion
    results = run.results
    ranked = results.sort_values("result", ascending=not maximize, kind="stable").reset_index(drop=True)
    md, data = run.market()
    per_year = float(data.acct[S.A_BARS_PER_YEAR])
    out: dict = {"passes_tried": len(results), "criterion": name}

    top = ranked.head(max(pbo_passes, 1))
    curves = {str(p): equity_frame(data, run.backtest(p))["equity"] for p in top["pass"]}
    start = float(data.acct[S.A_DEPOSIT])  # the kernel's first return is from the deposit to bar 0's close
    best_returns = bar_log_returns(np.concatenate([[start], curves[str(top["pass"].iloc[0])].to_numpy()]))
    trial = results["sharpe_ratio"].to_numpy(dtype=np.float64) / math.sqrt(per_year)
    out["deflated_sharpe"] = {"pass": str(top["pass"].iloc[0]),
                              **deflated_sharpe(best_returns, trial, per_year).as_dict()}

    daily = pd.DataFrame(curves).resample("1D").last().dropna(how="all").ffill()
    rets = daily.pct_change().iloc[1:].to_numpy()
    if rets.shape[1] >= 2 and rets.shape[0] >= blocks:
        out["pbo"] = {**probability_of_overfitting(rets, blocks).as_dict(), "periods": "days",
                      "observations": int(rets.shape[0])}
    else:
        out["pbo"] = None  # fewer than two passes or too short a run to cut into blocks

    space = run_space(run)
    values = {i.name: np.asarray(i.values, dtype=np.float64) for i in space.inputs}
    coords = np.column_stack([np.searchsorted(values[i.name], results[i.name].to_numpy(dtype=np.float64))
                              for i in space.inputs])
    config = run.config()
    strategy = strategy_for(config)
    sizes = np.array(space.sizes)

    def lookup(points: np.ndarray) -> np.ndarray:
        vals = np.full(len(points), np.nan)
        inside = (points < sizes).all(axis=1)
        pts = points[inside]
        if len(pts):
            feasible = space.feasible(pts)
            genomes = space.decode(pts[feasible])
            if len(genomes):
                table = evaluate(data, strategy, genomes, config.account)
                got = np.full(len(pts), np.nan)
                got[feasible] = table[metric].to_numpy()
                vals[inside] = got
        return vals

    order = ranked["pass"].astype(str).head(plateau_passes)
    rows = pd.Index(results["pass"].astype(str)).get_indexer(order)
    scores = plateau_scores(coords, results["result"].to_numpy(dtype=np.float64), rows, lookup)
    for s in scores:
        s["pass"] = str(results["pass"].iloc[s.pop("row")])
    scores.sort(key=lambda s: -s["plateau"] if maximize else s["plateau"])
    out["plateau"] = {"radius": 1, "passes": scores}
    return out
