"""Walk-forward optimization on Ray: one GA per (train, test) window, all windows at once over one
evaluator pool holding the whole date range once (each window's passes run on its own dates cut
out of it); then each window's chosen pass is tested on the window's test period, the out-of-sample
equity curves are stitched and the walk-forward efficiency is computed.

Each window is an ordinary run with its own folder under `--out` (resumable, reported, with its
overfitting statistics); the walk-forward folder holds the windows table, the stitched out-of-sample
equity and the summary. Running the same command again resumes the windows not finished."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.config import Config
from rayga.data.market import date_to_ns
from rayga.errors import ConfigError
from rayga.runs import write_atomic, write_json
from rayga.sim.engine import backtest
from rayga.sim.enums import METRICS
from rayga.tuning.driver import RunOptions, _load_prepared, _plan, run_planned

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class WalkForward:
    path: Path
    windows: pd.DataFrame   # one row per window: dates, run, chosen pass, its parameters, IS and OOS figures
    equity: pd.DataFrame    # stitched out-of-sample equity at each bar's close (time, equity, window)
    summary: dict


def window_configs(config: Config) -> list[tuple[tuple[str, str, str], Config]]:
    if config.optimization.forward:
        raise ConfigError(f"a walk-forward tests every window out of sample itself: remove `forward` under "
                          f"[optimization] in {config.file}")
    if len(config.variants()) > 1:
        raise ConfigError(f"a walk-forward runs one configuration: {config.file} sweeps "
                          f"{', '.join(k for _, k, _ in config.sweep)}; give one value")
    out = []
    for w in config.walkforward.windows(config.data.start, config.data.end, config.file):
        out.append((w, dataclasses.replace(config, data=dataclasses.replace(config.data, start=w[0], end=w[1]))))
    return out


def annual_return(profit: float, deposit: float, start: str, end: str) -> float:
    years = (pd.Timestamp(end) - pd.Timestamp(start)).days / YEAR_DAYS
    return profit / deposit / years if years > 0 else 0.0


def walk_forward(config: Config, options: RunOptions = RunOptions(), announce: Callable[[str], None] = print  # noqa: B008
                 ) -> WalkForward:
    t0 = time.perf_counter()
    windows = window_configs(config)
    wf = config.walkforward
    announce(f"walk-forward: {len(windows)} {'anchored' if wf.anchored else 'rolling'} windows, train "
             f"{wf.train}, test {wf.test}, {windows[0][0][0]} .. {windows[-1][0][2]}")
    planned = [_plan(c, options, announce, key=f"{config.file} window {w[0]}..{w[1]}", windowed=True)
               for w, c in windows]
    runs = run_planned(planned, config, options, announce)
    md, data = _load_prepared(config)
    from rayga.strategies.registry import strategy_for

    strategy = strategy_for(config)
    deposit = config.account.deposit
    rows, curves = [], []
    offset = 0.0
    for i, ((train_start, cut, test_end), run) in enumerate(zip([w for w, _ in windows], runs, strict=True)):
        best = run.summary["best"]
        values = {**run.summary["settings"]["space"]["fixed"], **best["params"]}
        first, stop = (data.bar_index(date_to_ns(t, config.data.server_tz, "window")) for t in (cut, test_end))
        if stop <= first:
            continue  # no bars in this test period (a holiday-only tail)
        test = backtest(md, strategy, strategy.genome(values), config.account, data.window(first, stop))
        oos = test.metrics
        times = pd.DatetimeIndex(data.m1_time[data.m1_start[first:stop]].view("datetime64[ns]"), tz="UTC")
        curves.append(pd.DataFrame({"time": times, "equity": test.equity + offset, "window": i}))
        offset += oos["final_balance"] - deposit  # each test starts on the deposit: money adds up (fixed lots)
        row = {"window": i, "train_start": train_start, "train_end": cut, "test_end": test_end,
               "run": run.path.name, "pass": str(best["pass"]),
               **{k: v for k, v in best["params"].items() if k in run.summary["settings"]["space"]["inputs"]},
               "is_result": best["result"]}
        row |= {f"is_{m}": best["metrics"][m] for m in METRICS}
        row |= {f"oos_{m}": oos[m] for m in METRICS}
        row["is_annual_return"] = annual_return(best["metrics"]["profit"], deposit, train_start, cut)
        row["oos_annual_return"] = annual_return(oos["profit"], deposit, cut, test_end)
        pbo = (run.summary.get("overfitting") or {}).get("pbo") or {}
        row["pbo"] = pbo.get("pbo", np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["oos_total_trades"] = table["oos_total_trades"].astype(np.int64)
    equity = pd.concat(curves, ignore_index=True)
    is_ret, oos_ret = table["is_annual_return"].mean(), table["oos_annual_return"].mean()
    oos_profit = float(table["oos_profit"].sum())
    oos_start, oos_end = table["train_end"].iloc[0], table["test_end"].iloc[-1]
    summary = {
        "status": "finished", "windows": len(table), "anchored": wf.anchored, "train": wf.train, "test": wf.test,
        "criterion": config.optimization.criterion, "data": md.label,
        "oos_profit": oos_profit, "oos_trades": int(table["oos_total_trades"].sum()),
        "oos_annual_return": annual_return(oos_profit, deposit, oos_start, oos_end),
        "mean_is_annual_return": is_ret, "mean_oos_annual_return": oos_ret,
        "wfe": oos_ret / is_ret if is_ret > 0 else None,
        "oos_max_drawdown": float((equity["equity"].cummax() - equity["equity"]).max()),
        "median_pbo": float(table["pbo"].median()) if table["pbo"].notna().any() else None,
        "passes": int(sum(r.summary["passes"] for r in runs)),
        "runs": [r.path.name for r in runs], "wall_s": time.perf_counter() - t0,
    }
    path = Path(options.out).expanduser().resolve() / f"walkforward-{config.strategy.label}-{config.data.symbol}-" \
        f"{config.data.timeframe}-{_hash(summary['runs'])}"
    path.mkdir(parents=True, exist_ok=True)
    write_atomic(path / "windows.parquet", lambda p: table.to_parquet(p, index=False))
    write_atomic(path / "oos_equity.parquet", lambda p: equity.to_parquet(p, index=False))
    write_json(path / "summary.json", summary)
    result = WalkForward(path, table, equity, summary)
    try:
        from rayga.reports.wf_html import write_walkforward_report

        summary["report"] = str(write_walkforward_report(result, [r.path for r in runs]))
        write_json(path / "summary.json", summary)
    except (ConfigError, OSError, ValueError) as exc:
        announce(f"warning: walk-forward report not written ({str(exc).splitlines()[0]})")
    return result


def _hash(names: list[str]) -> str:
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()[:12]


def lines(wf: WalkForward) -> list[str]:
    s = wf.summary
    wfe = "n/a (in-sample returns not positive)" if s["wfe"] is None else f"{s['wfe']:.2f}"
    pbo = "n/a" if s["median_pbo"] is None else f"{s['median_pbo']:.2f}"
    out = [f"walk-forward over {s['windows']} windows ({'anchored' if s['anchored'] else 'rolling'}, train "
           f"{s['train']}, test {s['test']}): {s['passes']:,} passes in {s['wall_s']:.1f} s",
           f"out of sample: profit {s['oos_profit']:,.2f} in {s['oos_trades']:,} trades, annual return "
           f"{s['oos_annual_return'] * 100:.2f} %, max drawdown {s['oos_max_drawdown']:,.2f}",
           f"walk-forward efficiency (mean OOS / mean IS annual return): {wfe}; median PBO of the windows: {pbo}"]
    cols = ["window", "train_start", "train_end", "test_end", "pass", "is_result", "is_profit", "oos_profit",
            "oos_total_trades", "pbo"]
    params = [c for c in wf.windows.columns if c not in cols and not c.startswith(("is_", "oos_"))
              and c not in ("run",)]
    out.append(wf.windows[cols + params].to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    out.append(f"walk-forward: {wf.path}")
    return out

