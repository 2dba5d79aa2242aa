"""The default job: what `rayga demo` runs on the embedded synthetic data (or a given config)."""

from __future__ import annotations

import time
from pathlib import Path

from rayga.config import load_config, with_data_source
from rayga.data.gaps import summarize
from rayga.data.load import load_market_data


def run_demo(config_path: str | None) -> int:
    config = load_config(config_path)
    if config_path:
        config = with_data_source(config, Path(config_path).resolve().parent)
    d = config.data
    t0 = time.perf_counter()
    md = load_market_data(d.source, d.symbol, d.start, d.end, d.timeframe, d.server_tz, config.symbol, d.format, d.tz)
    bars = md.bars()
    seconds = time.perf_counter() - t0
    if md.synthetic:
        print(f"data: {md.source}")
    print(f"market data: {md.label}")
    for line in summarize(md.m1.time).lines():
        print(f"  {line}")
    print(f"  {len(bars):,} {md.timeframe} bars built in {seconds:.2f} s (server time {md.server_tz})")
    return 0
