"""The default job: what `rayga demo` runs on the embedded synthetic data (or a given config).

Today: load the data, report its bars and gaps, and backtest the config's strategy with its default
parameter values; the optimizer joins it when it lands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rayga.config import load_config
from rayga.data.gaps import summarize
from rayga.runner import as_text, default_out_dir, run_backtest, write_deals


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
    print(as_text(run, deals))
    return 0
