"""Local optimization (one machine, no Ray): config -> parameter space -> GA or complete search over
batch evaluations -> results table. The Ray Tune path drives the same ask/tell engines."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.config import CRITERIA, Config
from rayga.errors import ConfigError
from rayga.ga.complete import CompleteSearch
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.ga.space import ParamSpace, range_values, space_from_params
from rayga.runner import load_data
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.registry import strategy_for


def strategy_params(config: Config) -> dict:
    """[strategy.params] over the inputs of `set_file` that the strategy has (the config's own win)."""
    params = dict(config.strategy.params)
    if config.strategy.set_file:
        from rayga.reports.setfile import read_set

        strategy = strategy_for(config)
        names, inputs = set(strategy.param_names), getattr(strategy, "set_inputs", {})
        from_set = {inputs.get(k, k): v for k, v in read_set(config.strategy.set_file).params().items()
                    if inputs.get(k, k) in names}
        for k, v in from_set.items():  # a range the .set cannot mean is named with the .set file
            if isinstance(v, dict) and k not in params:
                range_values(k, v["start"], v["step"], v["stop"], where=f"in {config.strategy.set_file}")
        params = {**from_set, **params}
    return params


def build_space(config: Config) -> ParamSpace:
    strategy = strategy_for(config)
    kinds = {p.name: p.kind for p in strategy.params}
    params = strategy_params(config)
    unknown = sorted(set(params) - set(strategy.param_names))
    if unknown:
        raise ConfigError(f"strategy {strategy.name} has no parameter `{unknown[0]}`; its parameters are "
                          f"{', '.join(strategy.param_names)} (under [strategy.params] in {config.file})")
    return space_from_params(strategy.param_names, kinds, params, strategy.defaults(),
                             strategy.constraints + config.optimization.constraints, f"in {config.file}")


@dataclass(frozen=True)
class OptimizeRun:
    results: pd.DataFrame  # one row per pass: pass number, parameters, metrics, Result
    mode: str
    space: ParamSpace
    best: dict
    seconds: float
    market_label: str
    synthetic: bool


def run_optimization(config: Config, progress: bool = True) -> OptimizeRun:
    opt = config.optimization
    strategy = strategy_for(config)
    space = build_space(config)
    if not space.inputs:
        raise ConfigError(f"nothing to optimize: give at least one parameter a {{start, step, stop}} range or a list "
                          f"under [strategy.params] in {config.file}")
    metric, maximize = CRITERIA[opt.criterion]
    mode = space.mode(opt.mode, opt.complete_budget)
    search = (CompleteSearch(space, maximize) if mode == "complete"
              else GeneticOptimizer(space, GAConfig(seed=opt.seed, population=opt.population, maximize=maximize)))
    t0 = time.perf_counter()
    md = load_data(config)
    data = prepare(md, config.account, config.data.modelling)
    tables = []
    bar = _progress(progress, mode, space)
    while not search.done:
        genomes = search.ask()
        table = evaluate(data, strategy, space.decode(genomes), config.account, opt.engine)
        search.tell(genomes, table[metric].to_numpy())
        table.insert(0, "combination", space.numbers_of(genomes))
        tables.append(table)
        if bar is not None:
            bar.update(len(genomes))
    if bar is not None:
        bar.close()
    results = pd.concat(tables, ignore_index=True)
    results.insert(0, "pass", np.arange(1, len(results) + 1))
    results["result"] = results[metric]
    genome, value = search.best()
    best_row = results.loc[results["combination"] == space.number_of(genome)].iloc[0]
    best = {"criterion": opt.criterion, "result": value,
            "params": {n: float(best_row[n]) for n in strategy.param_names},
            "metrics": {k: float(best_row[k]) for k in results.columns if k not in strategy.param_names
                        and k not in ("pass", "combination", "result")}}
    return OptimizeRun(results, mode, space, best, time.perf_counter() - t0, md.label, md.synthetic)


def _progress(enabled: bool, mode: str, space: ParamSpace):
    if not enabled:
        return None
    from tqdm import tqdm

    total = space.n_combinations if mode == "complete" else space.estimated_passes()[0]
    return tqdm(total=total, unit="pass", desc=f"{mode} search", leave=False)


def write_results(run: OptimizeRun, out_dir: Path) -> list[Path]:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir}: is a file; give a folder for the results")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "results.parquet", out_dir / "results.csv", out_dir / "best.json"]
    for path, write in zip(paths, (lambda p: run.results.to_parquet(p, index=False),
                                   lambda p: run.results.to_csv(p, index=False),
                                   lambda p: p.write_text(json.dumps(run.best, indent=2))), strict=True):
        tmp = path.with_name(f".{path.name}.tmp")
        write(tmp)
        tmp.replace(path)
    return paths


def summary_lines(run: OptimizeRun) -> list[str]:
    space = run.space
    low, high = space.estimated_passes()
    sizes = " x ".join(f"{i.name}[{i.size}]" for i in space.inputs)
    lines = [f"data: {run.market_label}",
             f"space: {sizes} = {space.n_combinations:,} combinations; mode {run.mode}"
             + (f", population {space.population_size()}, estimated {low:,}..{high:,} passes" if run.mode == "genetic"
                else ""),
             f"passes: {len(run.results):,} in {run.seconds:.1f} s ({len(run.results) / run.seconds:,.0f} passes/s)",
             f"best {run.best['criterion']}: {run.best['result']:.4f} with "
             + " ".join(f"{k}={v:g}" for k, v in run.best["params"].items())]
    m = run.best["metrics"]
    lines.append("  " + ", ".join(f"{k} {m[k]:,.2f}" for k in ("profit", "total_trades", "profit_factor",
                                                                 "equity_dd_rel_pct", "recovery_factor",
                                                                 "sharpe_ratio", "complex_criterion")))
    return lines
