"""How well the Complex Criterion discriminates on a real grid: python benchmarks/criterion_grid.py [SOURCE].

Evaluates every MA-cross combination of a grid on EURUSD 2020-01-01..2023-10-15 (M15, M1-OHLC) and
prints how many passes lie within 1 % of the best score (a saturating score would put many there).
"""

import itertools
import sys
import time

import numpy as np

from rayga.data.load import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross


def main(source: str = "../shared/data/EURUSD") -> None:
    md = load_market_data(source, "EURUSD", "2020-01-01", "2023-10-15", "M15")
    data = prepare(md, AccountConfig(spread_points=10))
    grid = [g for g in itertools.product(range(5, 51, 5), range(20, 201, 10), range(0, 1001, 200), range(0, 2001, 400))
            if g[0] < g[1]]
    genomes = np.array(grid, dtype=float)
    t0 = time.perf_counter()
    table = evaluate(data, MACross(), genomes)
    seconds = time.perf_counter() - t0
    cc = table["complex_criterion"].to_numpy()
    best = cc.max()
    print(f"grid: {len(genomes):,} passes in {seconds:.1f} s ({len(genomes) / seconds:,.0f} passes/s)")
    print(f"passes with a score > 0: {(cc > 0).sum():,}; best score {best:.2f}")
    print(f"passes within 1 % of the best: {(cc >= 0.99 * best).sum()}; within 5 %: {(cc >= 0.95 * best).sum()}")
    top = table.sort_values("complex_criterion", ascending=False).head(10)
    print(top[["fast", "slow", "sl_points", "tp_points", "complex_criterion", "profit", "total_trades",
               "profit_factor", "recovery_factor", "sharpe_ratio", "equity_dd_rel_pct"]].to_string(index=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
