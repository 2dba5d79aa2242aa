"""Benchmark of the backtest engine (same as `rayga bench`): python benchmarks/bench_sim.py [SOURCE]."""

import sys

from rayga.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
