"""Passes per second of every built-in strategy on the standard work unit, and what sharing indicators
within a batch saves: python benchmarks/strategies.py [SOURCE] [GENOMES].

EURUSD 2020-01-01..2023-10-15, M15, M1-OHLC modelling, spread 10 points; GENOMES (default 1,000) random
genomes from each strategy's own default MT5 ranges. Measures, in one run: passes/s on one thread and on
all threads; and for the same genomes the seconds spent computing indicators once per distinct parameter
set (what the batch does) versus once per genome (what a per-genome loop would do).
"""

import sys
import time

import numba
import numpy as np

from rayga.data.load import load_market_data
from rayga.errors import ConfigError
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.registry import BUILT_IN


def sample(strategy, n: int, seed: int = 7) -> np.ndarray:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    cols = [rng.choice(np.arange(p.start, p.stop + p.step / 2, p.step), 6 * n) for p in strategy.params]
    g = np.column_stack(cols).astype(np.float64)
    ok = []
    for row in g:
        try:
            strategy.check_genomes(row[None, :])
            ok.append(row)
        except ConfigError:
            pass
    return np.array(ok[:n])


def indicator_seconds(strategy, data, genomes: np.ndarray) -> tuple[float, float, int]:  # noqa: ANN001
    """(shared: each distinct indicator key once, per genome: once per genome, distinct keys)."""
    from rayga.indicators import _nb as ind

    name = strategy.name
    if hasattr(strategy, "tables"):  # multi-indicator strategies: their own shared table
        strategy.tables(data, genomes[:1])
        t0 = time.perf_counter()
        table, _ = strategy.tables(data, genomes)
        shared = time.perf_counter() - t0
        t0 = time.perf_counter()
        for g in genomes:
            strategy.tables(data, g[None, :])
        return shared, time.perf_counter() - t0, len(table)
    if name == "ma_cross":
        keys = [(int(v),) for v in genomes[:, :2].ravel()]
        make = lambda k: ind.sma_nb(data.tf_close, k[0])  # noqa: E731
    elif name == "rsi_reversion":
        keys = [(int(v),) for v in genomes[:, 0]]
        make = lambda k: ind.rsi_nb(data.tf_close, k[0])  # noqa: E731
    elif name == "bollinger_breakout":
        keys = [(int(v),) for v in genomes[:, 0]]
        make = lambda k: (ind.sma_nb(data.tf_close, k[0]), ind.stddev_nb(data.tf_close, k[0]))  # noqa: E731
    elif name == "donchian_breakout":
        keys = [(int(v),) for v in genomes[:, 0]]
        make = lambda k: ind.donchian_nb(data.tf_high, data.tf_low, k[0])  # noqa: E731
    else:  # macd_cross: the batch shares each EMA period
        keys = [(int(v),) for v in genomes[:, :2].ravel()]
        make = lambda k: ind.ema_nb(data.tf_close, k[0])  # noqa: E731
    make(keys[0])
    t0 = time.perf_counter()
    for k in dict.fromkeys(keys):
        make(k)
    shared = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k in keys:
        make(k)
    return shared, time.perf_counter() - t0, len(set(keys))


def main(source: str = "../shared/data/EURUSD", n: int = 1000) -> None:
    md = load_market_data(source, "EURUSD", "2020-01-01", "2023-10-15", "M15")
    data = prepare(md, AccountConfig(spread_points=10))
    threads = numba.get_num_threads()
    print(f"data: {md.label}; {n:,} random genomes per strategy from its default ranges; {threads} threads")
    for name, cls in BUILT_IN.items():
        strategy = cls()
        genomes = sample(strategy, n)
        evaluate(data, strategy, genomes[:4])  # compile / load the cache
        t0 = time.perf_counter()
        table = evaluate(data, strategy, genomes)
        all_s = time.perf_counter() - t0
        numba.set_num_threads(1)
        try:
            t0 = time.perf_counter()
            evaluate(data, strategy, genomes)
            one_s = time.perf_counter() - t0
        finally:
            numba.set_num_threads(threads)
        shared, per_genome, distinct = indicator_seconds(strategy, data, genomes)
        print(f"{name:<20} {len(genomes) / one_s:7,.0f} passes/s on 1 thread, {len(genomes) / all_s:7,.0f} on "
              f"{threads}; trades/pass {table['total_trades'].mean():6.0f}; indicators for {len(genomes):,} genomes: "
              f"{distinct} distinct rows in {shared:.3f} s shared vs {per_genome:.3f} s computed per genome "
              f"({per_genome / max(shared, 1e-9):.0f}x)")


if __name__ == "__main__":
    main(*sys.argv[1:2], *(int(a) for a in sys.argv[2:3]))
