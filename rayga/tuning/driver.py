"""`rayga optimize` on Ray: the run folder decides what is already done; market data goes into the
object store once; evaluator actors stay for the whole run; Tune drives one trial per generation
through `FastGASearcher`; the results store gets every pass before it can influence breeding."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import ray
from ray import tune

import rayga
from rayga.config import CRITERIA, Config
from rayga.errors import ConfigError, RaygaError
from rayga.ga.complete import CompleteSearch
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.optimize import build_space
from rayga.runner import load_data
from rayga.runs import (
    RESULTS,
    SUMMARY,
    ResultsStore,
    RunDir,
    changed_keys,
    run_settings,
    sorted_results,
    write_atomic,
    write_json,
)
from rayga.sim.enums import M
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import get_strategy
from rayga.tuning.hub import start_hub
from rayga.tuning.objects import put_market
from rayga.tuning.searcher import FastGASearcher
from rayga.tuning.session import cluster_cpus, ray_session
from rayga.tuning.trainable import trainable


@dataclass(frozen=True)
class TunedRun:
    path: Path
    results: pd.DataFrame  # every pass once: pass, generation, parameters, metrics, result
    summary: dict
    from_store: bool  # a finished run answered from its stored results


@dataclass(frozen=True)
class RunOptions:
    address: str | None = None
    workers: int | None = None
    out: Path = Path("rayga_runs")
    fresh: bool = False
    dashboard: bool = False
    progress: bool = True
    max_batch: int | None = None  # split a generation into batches of at most this many genomes


def optimize(config: Config, options: RunOptions = RunOptions(), announce: Callable[[str], None] = print,
             tune_callbacks: Sequence = ()) -> TunedRun:
    opt = config.optimization
    space = build_space(config)
    if not space.inputs:
        raise ConfigError(f"nothing to optimize: give at least one parameter a {{start, step, stop}} range or a list "
                          f"under [strategy.params] in {config.file}")
    mode = space.mode(opt.mode, opt.complete_budget)
    settings = run_settings(config, space, mode, rayga.__version__)
    run = RunDir.of(options.out, config, settings)
    previous = run.previous_settings(str(config.file))
    run.prepare(settings, options.fresh)
    if previous is not None:
        announce(f"settings changed since run {previous[0]} ({', '.join(changed_keys(previous[1], settings)[:4])}): "
                 f"new run {run.run_id}")
    run.remember(str(config.file))
    metric, maximize = CRITERIA[opt.criterion]
    done = run.summary()
    if done is not None and done.get("status") == "finished":
        return TunedRun(run.path, pd.read_parquet(run.path / RESULTS), done, True)
    store = ResultsStore(run.path, space)
    engine = (CompleteSearch(space, maximize) if mode == "complete"
              else GeneticOptimizer(space, GAConfig(seed=opt.seed, population=opt.population, maximize=maximize)))
    t0 = time.perf_counter()
    md = load_data(config)
    data = prepare(md, config.account, config.data.modelling)
    with ray_session(options.address, options.workers, options.dashboard) as ray_start_s:
        summary = _run(config, options, space, mode, engine, store, data, run, announce, tune_callbacks)
    summary |= {"data": md.label, "synthetic": md.synthetic, "ray_start_s": ray_start_s,
                "wall_s": time.perf_counter() - t0}
    results = sorted_results(store.load(), metric)
    write_atomic(run.path / RESULTS, lambda p: results.to_parquet(p, index=False))
    write_json(run.path / SUMMARY, summary)
    return TunedRun(run.path, results, summary, False)


def _run(config: Config, options: RunOptions, space, mode: str, engine, store: ResultsStore, data,  # noqa: ANN001
         run: RunDir, announce: Callable[[str], None], tune_callbacks: Sequence) -> dict:
    opt = config.optimization
    metric, maximize = CRITERIA[opt.criterion]
    strategy = get_strategy(config.strategy.name)
    size = options.workers or cluster_cpus()
    hub_name = f"hub-{run.run_id}"
    try:
        hub = start_hub(hub_name, put_market(data), strategy, size)
    except ValueError as exc:  # the name is taken: the same run is going on in another driver
        raise ConfigError(f"run {run.run_id} is already running on this Ray cluster ({exc})") from None
    bar = _Progress(options.progress, mode, space)
    searcher = FastGASearcher(engine, space, hub_name=hub_name, metric_index=M[metric], maximize=maximize,
                              acct=data.acct, store=store, max_batch=options.max_batch, on_batch=bar.update)
    resumed = searcher.replay(store.values(metric))
    if resumed:
        announce(f"resuming run {run.run_id}: {resumed:,} passes already stored")
    bar.start(resumed)
    t_fit = time.perf_counter()
    results = None
    if not engine.done:
        tuner = tune.Tuner(trainable(), tune_config=tune.TuneConfig(
            search_alg=searcher, num_samples=-1, max_concurrent_trials=1, reuse_actors=True),
            run_config=tune.RunConfig(name=f"tune-{uuid.uuid4().hex[:8]}", storage_path=str(run.path / "tune"),
                                      verbose=0, callbacks=list(tune_callbacks), log_to_file=False))
        results = tuner.fit()
    fit_s = time.perf_counter() - t_fit
    bar.close()
    stats = ray.get(hub.stats.remote())
    ray.kill(hub)
    if searcher.error is not None:
        raise RaygaError(f"{searcher.error} (run {run.run_id}: {store.next_batch - 1} batches kept in {store.dir}; "
                         f"run the same command again to resume)")
    genome, value = engine.best()
    best_pass = space.number_of(genome)
    frame = store.load()
    row = frame.loc[frame["pass"].map(int) == best_pass].iloc[0]
    reports = [] if results is None else [r.metrics for r in results]
    resubmitted = int(sum(m.get("resubmitted", 0) or 0 for m in reports))
    waited = float(sum(m.get("wait_s", 0.0) or 0.0 for m in reports))
    costs = searcher.tune_costs(t_fit, t_fit + fit_s)
    costs["share_pct"] = 100 * costs["seconds"] / fit_s if fit_s > 0 else 0.0
    return {
        "status": "finished", "run_id": run.run_id, "mode": mode, "criterion": opt.criterion,
        "best": {"pass": str(best_pass) if store.wide else best_pass, "result": value,
                 "params": {n: float(row[n]) for n in space.order},
                 "metrics": {k: float(row[k]) for k in M}},
        "passes": int(len(frame)), "generations": int(getattr(engine, "generation", 0)),
        "resumed_passes": resumed, "evaluators": size, "evaluators_lost": stats["lost"],
        "resubmitted_chunks": resubmitted, "evaluator_wait_s": waited, "tune_fit_s": fit_s,
        "eval_s": searcher.eval_seconds - waited,
        "tune_overhead": costs,
    }


class _Progress:
    """A live line: generation, passes done of the estimate, best so far, passes/s, ETA (tqdm)."""

    def __init__(self, enabled: bool, mode: str, space) -> None:  # noqa: ANN001
        self.enabled, self.bar, self.best = enabled, None, None
        self.total = space.n_combinations if mode == "complete" else space.estimated_passes()[0]
        self.mode = mode

    def start(self, done: int) -> None:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=max(self.total, done), initial=done, unit="pass", desc=f"{self.mode} search",
                            dynamic_ncols=True, leave=False)

    def update(self, info: dict) -> None:
        if self.bar is None:
            return
        r = info["result"]
        if self.bar.n + info["passes"] > self.bar.total:
            self.bar.total = self.bar.n + info["passes"]
        self.bar.set_postfix(gen=info["generation"], best=f"{r.get('best', float('nan')):.4g}",
                             pps=f"{r.get('passes_per_s', 0):.0f}", refresh=False)
        self.bar.update(info["passes"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def top_table(results: pd.DataFrame, params: Sequence[str], maximize: bool, n: int = 10) -> pd.DataFrame:
    """MT5's optimization results table: the best `n` passes by Result."""
    cols = {"pass": "Pass", "result": "Result", "profit": "Profit", "total_trades": "Total trades",
            "profit_factor": "Profit factor", "expected_payoff": "Expected payoff",
            "equity_dd_rel_pct": "Drawdown %", "recovery_factor": "Recovery factor", "sharpe_ratio": "Sharpe ratio"}
    order = results.sort_values("result", ascending=not maximize, kind="stable").head(n)
    table = order[list(cols) + list(params)].rename(columns=cols)
    table["Total trades"] = table["Total trades"].astype(np.int64)
    return table.reset_index(drop=True)

