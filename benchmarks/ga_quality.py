"""How close the GA gets to the exhaustive optimum, against random search and Optuna TPE at equal budget.

    python benchmarks/ga_quality.py [SOURCE] [--seeds 10] [--no-tpe]

On EURUSD 2020-01-01..2023-10-15 (M15, M1 OHLC), MA cross with SL/TP over a grid of >= 75,000
combinations: the Complex Criterion of every feasible combination is computed once with the fast engine
(cached under ~/.cache/rayga/bench/), then each optimizer is scored against that table. Needs optuna
(`pip install optuna`, a benchmark-only dependency) unless --no-tpe.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.data.load import load_market_data
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.ga.space import space_from_params
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross

PARAMS = {"fast": {"start": 5, "step": 1, "stop": 50}, "slow": {"start": 20, "step": 10, "stop": 200},
          "sl_points": {"start": 0, "step": 100, "stop": 1000}, "tp_points": {"start": 0, "step": 200, "stop": 2000}}
CONSTRAINTS = ("fast < slow",)


def exhaustive(source: str, space) -> np.ndarray:
    """Complex Criterion of every combination (NaN where infeasible), computed once and cached."""
    key = hashlib.sha256(repr((source, PARAMS, CONSTRAINTS)).encode()).hexdigest()[:12]
    cache = Path.home() / ".cache" / "rayga" / "bench" / f"ga_quality_{key}.npy"
    if cache.exists():
        return np.load(cache)
    md = load_market_data(source, "EURUSD", "2020-01-01", "2023-10-15", "M15")
    data = prepare(md, AccountConfig(spread_points=10))
    n = space.n_combinations
    genomes = np.array([space.genome_of(i) for i in range(n)])
    feasible = space.feasible(genomes)
    values = np.full(n, np.nan)
    t0 = time.perf_counter()
    rows = space.decode(genomes[feasible])
    values[feasible] = evaluate(data, MACross(), rows)["complex_criterion"].to_numpy()
    print(f"exhaustive grid: {feasible.sum():,} feasible passes in {time.perf_counter() - t0:.0f} s")
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, values)
    return values


def run_ga(space, values: np.ndarray, seed: int) -> tuple[float, int]:
    ga = GeneticOptimizer(space, GAConfig(seed=seed))
    while not ga.done:
        todo = ga.ask()
        ga.tell(todo, values[[space.number_of(g) for g in todo]])
    return ga.best()[1], ga.passes


def run_random(space, values: np.ndarray, seed: int, budget: int) -> float:
    feasible = np.flatnonzero(~np.isnan(values))
    pick = np.random.default_rng(seed).choice(feasible, min(budget, len(feasible)), replace=False)
    return float(values[pick].max())


def run_tpe(space, values: np.ndarray, seed: int, budget: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sizes = space.sizes

    def objective(trial):
        genome = np.array([trial.suggest_int(f"g{k}", 0, s - 1) for k, s in enumerate(sizes)])
        v = values[space.number_of(genome)]
        return -1.0 if np.isnan(v) else float(v)

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=budget)
    return float(study.best_value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default="../shared/data/EURUSD")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--no-tpe", action="store_true")
    args = parser.parse_args()
    strategy = MACross()
    space = space_from_params(strategy.param_names, {p.name: p.kind for p in strategy.params}, PARAMS,
                              strategy.defaults(), CONSTRAINTS)
    values = exhaustive(args.source, space)
    optimum = float(np.nanmax(values))
    grid = int((~np.isnan(values)).sum())
    within = int((values >= 0.99 * optimum).sum())
    print(f"grid: {space.n_combinations:,} combinations, {grid:,} feasible; optimum {optimum:.3f}; "
          f"{within} passes within 1 % of it ({within / grid:.4%}); GA population {space.population_size()}")
    rows = []
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        best, passes = run_ga(space, values, seed)
        ga_s = time.perf_counter() - t0
        rank = int((values > best).sum()) + 1
        rnd = run_random(space, values, seed, passes)
        tpe = np.nan if args.no_tpe else run_tpe(space, values, seed, passes)
        rows.append({"seed": seed, "ga_best/opt": best / optimum, "ga_rank": rank, "passes": passes,
                     "passes/grid": passes / grid, "random_best/opt": rnd / optimum, "tpe_best/opt": tpe / optimum,
                     "ga_seconds": round(ga_s, 2)})
        print(rows[-1])
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    ok = ((table["ga_best/opt"] >= 0.99) & (table["passes/grid"] <= 0.02)).sum()
    print(f"seeds with >= 99 % of the optimum using <= 2 % of the grid: {ok}/{len(table)}")


if __name__ == "__main__":
    main()
