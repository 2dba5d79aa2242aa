"""The default job: what `rayga demo` runs on the embedded synthetic data (or a given config).

It loads the data and reports its bars and gaps, backtests the strategy's default values, then runs the
genetic optimizer over the config's ranges (or, where the config gives none, the strategy's own MT5-style
start/step/stop defaults) and writes the results.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd

from rayga.config import load_config
from rayga.data.gaps import summarize
from rayga.optimize import run_optimization, summary_lines, write_results
from rayga.runner import as_text, default_out_dir, run_backtest, write_deals
from rayga.strategies.registry import strategy_for


def run_demo(config_path: str | None) -> int:
    config = load_config(config_path)
    run = run_backtest(config)
    md = run.market
    print("bars and gaps of the data:")
    for line in summarize(md.m1.time).lines():
        print(f"  {line}")
    print(f"  {len(md.bars()):,} {md.timeframe} bars (server time {md.server_tz})")
    deals = write_deals(run, Path(default_out_dir(config)))
    for warning in run.warnings:
        print(f"rayga: warning: {warning}", file=sys.stderr)
    print("\none backtest of the default parameter values:")
    print(as_text(run, deals))
    if not any(isinstance(v, dict | list) for v in config.strategy.params.values()):
        strategy = strategy_for(config)
        ranges = {p.name: {"start": p.start, "step": p.step, "stop": p.stop} for p in strategy.params}
        config = dataclasses.replace(config, strategy=dataclasses.replace(config.strategy, params=ranges))
    print(f"\ngenetic optimization ({config.optimization.criterion} criterion):")
    opt = run_optimization(config, progress=False)
    stamp = pd.Timestamp.now().strftime("%Y%m%d-%H%M%S")
    paths = write_results(opt, Path("rayga_runs") / f"optimize-{config.data.symbol}-{stamp}")
    for line in summary_lines(opt):
        print(line)
    print(f"results: {paths[0]} ({len(opt.results):,} passes)")
    return 0
