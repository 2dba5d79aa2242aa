"""Backtest and batch-evaluate MA-cross genomes from Python.

    python examples/backtest_api.py                    # embedded synthetic data
    python examples/backtest_api.py ../shared/data/EURUSD
"""

import sys

import numpy as np

from rayga.data import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import backtest, evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross


def main(source: str = "synthetic") -> None:
    md = load_market_data(source, "EURUSD", "2022-01-01", "2023-01-01", "M15")
    account = AccountConfig(deposit=100_000, leverage=100, lots=1.0, spread_points=10, commission_per_lot=3.5)
    data = prepare(md, account)  # arrays shared by every pass
    strategy = MACross()
    print(md.label)

    # one pass, with its deals (MT5's Deals table)
    result = backtest(md, strategy, strategy.genome({"fast": 12, "slow": 48, "sl_points": 300, "tp_points": 600}),
                      account, data)
    print({k: round(result.metrics[k], 2) for k in ("profit", "total_trades", "profit_factor", "equity_dd_rel_pct",
                                                     "sharpe_ratio", "complex_criterion")})
    print(result.deals.head())

    # a batch: one row per genome, parameters then metrics
    rng = np.random.default_rng(1)
    fast = rng.integers(5, 40, 500)
    genomes = np.column_stack([fast, fast + rng.integers(5, 150, 500), rng.integers(0, 10, 500) * 100.0,
                               rng.integers(0, 20, 500) * 100.0])
    table = evaluate(data, strategy, genomes)
    print(table.sort_values("complex_criterion", ascending=False).head(5).to_string(index=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
