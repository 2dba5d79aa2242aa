"""`rayga optimize` on Ray: the run folder decides what is already done; market data goes into the
object store once; evaluator actors stay for the whole run; Tune drives one trial per generation
through `FastGASearcher`; the results store gets every pass before it can influence breeding."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import ray
from ray import tune

import rayga
from rayga.config import CRITERIA, Config
from rayga.data.market import MarketData, date_to_ns
from rayga.errors import ConfigError, RaygaError
from rayga.ga.complete import CompleteSearch
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.ga.nsga2 import NSGA2Optimizer
from rayga.ga.space import ParamSpace
from rayga.optimize import build_space
from rayga.runner import load_data, margin_warning
from rayga.runs import (
    RESULTS,
    SETTINGS,
    SUMMARY,
    ResultsStore,
    RunDir,
    changed_keys,
    run_settings,
    sorted_results,
    write_atomic,
    write_json,
)
from rayga.sim import _nb_state as S
from rayga.sim.enums import M
from rayga.sim.prepared import SimData, prepare

FORWARD_FLOOR = 256  # MT5 re-runs at least this many passes on the forward period (all, when fewer)
from rayga.strategies.registry import strategy_for
from rayga.tuning.hub import start_hub
from rayga.tuning.objects import put_market
from rayga.tuning.observe import RunObserver
from rayga.tuning.searcher import FastGASearcher, StudySearcher
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


@dataclass
class Study:
    """One optimization of a run: its config (one variant of a sweep), space, folder, store and engine."""

    config: Config
    space: ParamSpace
    mode: str
    run: RunDir
    store: ResultsStore
    engine: object
    searcher: FastGASearcher | None = None
    bar: RunObserver | None = None
    resumed: int = 0
    windowed: bool = False  # a walk-forward window: its dates cut from the run's shared data

    @property
    def criterion(self) -> tuple[str, bool]:
        """The metric of the `result` column: the criterion, or the first objective."""
        terms = self.config.optimization.objective_terms()
        return terms[0] if terms else CRITERIA[self.config.optimization.criterion]

    @property
    def told(self) -> str | list[str]:
        """What the engine is told per pass: the criterion's metric, or every objective's."""
        terms = self.config.optimization.objective_terms()
        return [m for m, _ in terms] if terms else self.criterion[0]


def optimize(config: Config, options: RunOptions = RunOptions(), announce: Callable[[str], None] = print,
             tune_callbacks: Sequence = ()) -> TunedRun:
    """One optimization (a config that sweeps `lots` or `seed` is several: use `optimize_all`)."""
    if len(config.variants()) > 1:
        raise ConfigError(f"{config.file} sweeps {config.variants()[0].label()} ...: use optimize_all")
    return optimize_all(config, options, announce, tune_callbacks)[0]


def optimize_all(config: Config, options: RunOptions = RunOptions(), announce: Callable[[str], None] = print,
                 tune_callbacks: Sequence = ()) -> list[TunedRun]:
    """Every variant of the config (one unless it sweeps `lots` or `seed`), concurrently over one set of
    evaluators; finished runs answer from their stored results without starting Ray."""
    planned = [_plan(v, options, announce) for v in config.variants()]
    return run_planned(planned, config.period("back"), options, announce, tune_callbacks)


def run_planned(planned: list[Study | TunedRun], data_config: Config, options: RunOptions,
                announce: Callable[[str], None], tune_callbacks: Sequence = ()) -> list[TunedRun]:
    """Run the planned studies concurrently over one evaluator pool holding `data_config`'s bars (a
    walk-forward's windowed studies each take their dates out of them) and store what they found."""
    studies = [p for p in planned if isinstance(p, Study)]
    finished: dict[int, TunedRun] = {}
    if studies:
        t0 = time.perf_counter()
        forward_data: dict = {}  # the forward period's bars, loaded once for every variant
        with ThreadPoolExecutor(1) as pool:  # the data loads while Ray starts (both mostly wait)
            loading = pool.submit(_load_prepared, data_config)
            with ray_session(options.address, options.workers, options.dashboard) as ray_start_s:
                md, data = loading.result()
                summaries, errors = _run(studies, data, md, options, announce, tune_callbacks)
        for study, summary in zip(studies, summaries, strict=True):
            if summary is None:
                continue
            warning = margin_warning(md, study.config, summary["best"]["metrics"])
            summary |= {"data": md.label, "synthetic": md.synthetic, "ray_start_s": ray_start_s,
                        "wall_s": time.perf_counter() - t0, "variant": study.config.label(),
                        "warnings": [f"best pass: {warning}"] if warning else []}
            if study.windowed:
                summary["window"] = [study.config.data.start, study.config.data.end]
            results = sorted_results(study.store.load(), study.criterion[0])
            if study.config.optimization.forward:
                results = _forward(study, results, summary, forward_data)
            write_atomic(study.run.path / RESULTS, lambda p, r=results: r.to_parquet(p, index=False))
            _write_best_set(study, summary)
            _finish(study.run.path, None if study.windowed else md, summary, announce)
            finished[id(study)] = TunedRun(study.run.path, results, summary, False)
        if errors:
            raise RaygaError(errors[0])
    return [finished[id(p)] if isinstance(p, Study) else p for p in planned]


def _write_best_set(study: Study, summary: dict) -> None:
    """`best.set` beside the results: the best pass as an MT5 .set file (the user's .set with new values,
    or a new one with every parameter and its range)."""
    from rayga.reports.setfile import pass_set, read_set

    space, sf = study.space, study.config.strategy.set_file
    ranges = {i.name: (i.values[0], i.values[1] - i.values[0] if i.size > 1 else 0.0, i.values[-1])
              for i in space.inputs}
    inputs = getattr(strategy_for(study.config), "set_inputs", {}) if sf else {}
    best = pass_set(space.order, summary["best"]["params"], ranges, read_set(sf) if sf else None, inputs)
    write_atomic(study.run.path / "best.set", best.write)
    summary["best_set"] = str(study.run.path / "best.set")


def _finish(path: Path, md: MarketData | None, summary: dict | None, announce: Callable[[str], None]) -> None:
    """The overfitting statistics into `summary` (then written), and report.html. The results are stored
    before: a statistic or report that fails costs a warning (`rayga report RUN_DIR` writes the report
    later), never the run."""
    from rayga.reports.html import write_run_report
    from rayga.reports.overfitting import overfitting
    from rayga.reports.run import open_run

    run = open_run(path)
    run.market_data = md
    if summary is not None:
        try:
            summary["overfitting"] = overfitting(run)
        except Exception as exc:  # noqa: BLE001 - an extra statistic never costs the stored run
            announce(f"warning: overfitting statistics not computed ({type(exc).__name__}: {_first_line(exc)})")
        write_json(path / SUMMARY, summary)
        run.summary = summary
    try:
        write_run_report(run)
    except Exception as exc:  # noqa: BLE001 - the report never costs the stored run
        announce(f"warning: report not written ({type(exc).__name__}: {_first_line(exc)}); run `rayga report {path}`")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _forward(study: Study, results: pd.DataFrame, summary: dict, cache: dict) -> pd.DataFrame:
    """MT5's forward test: the best 25 % of a genetic run's passes (10 % of a complete one; at least 256,
    or all) re-run on the forward period; their forward figures join the results as `forward_*` columns."""
    from rayga.sim.engine import evaluate
    from rayga.strategies.registry import strategy_for

    config = study.config.period("forward")
    if "md" not in cache:
        cache["md"] = load_data(config)
    md = cache["md"]
    data = prepare(md, config.account, config.data.modelling)
    metric, maximize = study.criterion
    share = 0.10 if study.mode == "complete" else 0.25
    n = len(results)
    k = n if n <= FORWARD_FLOOR else max(FORWARD_FLOOR, math.ceil(share * n))
    chosen = results.sort_values("result", ascending=not maximize, kind="stable").head(k)
    genomes = np.column_stack([chosen[name].to_numpy(dtype=np.float64) if name in chosen else
                               np.full(len(chosen), study.space.fixed[name]) for name in study.space.order])
    table = evaluate(data, strategy_for(study.config), genomes)
    forward = pd.DataFrame({"pass": chosen["pass"].to_numpy(), "forward_result": table[metric].to_numpy()})
    for name in M:
        forward[f"forward_{name}"] = table[name].to_numpy()
    merged = results.merge(forward, on="pass", how="left")
    best = forward.loc[forward["forward_result"].idxmax() if maximize else forward["forward_result"].idxmin()]
    row = merged.loc[merged["pass"] == best["pass"]].iloc[0]
    summary["forward"] = {
        "split": study.config.forward_split(), "end": study.config.data.end, "data": md.label,
        "passes": int(k), "share": share, "floor": FORWARD_FLOOR,
        "best": {"pass": str(best["pass"]), "forward_result": float(best["forward_result"]),
                 "back_result": float(row["result"]), "params": {p: float(row[p]) for p in study.space.order
                                                                 if p not in study.space.fixed}},
    }
    return merged


def _load_prepared(config: Config) -> tuple[MarketData, SimData]:
    md = load_data(config)
    return md, prepare(md, config.account, config.data.modelling)


def _plan(config: Config, options: RunOptions, announce: Callable[[str], None], key: str | None = None,
          windowed: bool = False) -> Study | TunedRun:
    opt = config.optimization
    config.forward_split()  # a forward period outside the dates fails before any work
    space = build_space(config)
    if not space.inputs:
        raise ConfigError(f"nothing to optimize: give at least one parameter a {{start, step, stop}} range or a list "
                          f"under [strategy.params] in {config.file}")
    mode = "nsga2" if opt.objectives else space.mode(opt.mode, opt.complete_budget)
    settings = run_settings(config, space, mode, rayga.__version__)
    run = RunDir.of(options.out, config, settings)
    key = key or f"{config.file} {config.label()}".strip()
    previous = run.previous_settings(key)
    run.prepare(settings, options.fresh)
    if previous is not None:
        announce(f"settings changed since run {previous[0]} ({', '.join(changed_keys(previous[1], settings)[:4])}): "
                 f"new run {run.run_id}")
    run.remember(key)
    done = run.summary()
    if done is not None and done.get("status") == "finished":
        if not (run.path / "report.html").is_file():
            _finish(run.path, None, None, announce)
        return TunedRun(run.path, pd.read_parquet(run.path / RESULTS), done, True)
    metric, maximize = CRITERIA[opt.criterion]
    announce(plan_line(config, space, mode))
    if mode == "nsga2":
        engine = NSGA2Optimizer(space, tuple(up for _, up in opt.objective_terms()), seed=opt.seed,
                                population=opt.population)
    elif mode == "complete":
        engine = CompleteSearch(space, maximize)
    else:
        engine = GeneticOptimizer(space, GAConfig(seed=opt.seed, population=opt.population, maximize=maximize))
    return Study(config, space, mode, run, ResultsStore(run.path, space), engine, windowed=windowed)


def plan_line(config: Config, space: ParamSpace, mode: str) -> str:
    """What the run will do, before it starts: the space, the mode and MT5's estimate of the passes."""
    sizes = " x ".join(f"{i.name}[{i.size}]" for i in space.inputs)
    head = f"{config.label() + ': ' if config.label() else ''}{sizes} = {space.n_combinations:,} combinations; "
    if mode == "complete":
        return head + "complete search (every feasible combination)"
    if mode == "nsga2":
        pop = config.optimization.population or space.population_size()
        return head + f"NSGA-II over {', '.join(config.optimization.objectives)}, population {pop}"
    pop = config.optimization.population or space.population_size()
    return head + f"genetic, population {pop}, estimated {pop * 20:,}..{pop * 41:,} passes"


def _run(studies: list[Study], data: SimData, md: MarketData, options: RunOptions, announce: Callable[[str], None],
         tune_callbacks: Sequence) -> tuple[list[dict | None], list[str]]:
    strategy = strategy_for(studies[0].config)
    size = options.workers or cluster_cpus()
    hub_name = "hub-" + "-".join(s.run.run_id for s in studies)[:60]
    try:
        hub = start_hub(hub_name, put_market(data), strategy, size)
    except ValueError as exc:  # the name is taken: the same run is going on in another driver
        raise ConfigError(f"run {studies[0].run.run_id} is already running on this Ray cluster ({exc})") from None
    bars_per_year = data.acct[S.A_BARS_PER_YEAR]
    for i, study in enumerate(studies):
        metric, maximize = study.criterion
        label = study.config.label()
        study.bar = RunObserver(study.run.path, options.progress, study.mode, study.space, label, i,
                                study.config.optimization.population)
        told = [M[m] for m in study.told] if isinstance(study.told, list) else M[study.told]
        acct = study.config.account.vector(md.symbol, bars_per_year)
        if study.windowed:  # the window's bars out of the shared data (and its own bars per year)
            d = study.config.data
            first, stop = (data.bar_index(date_to_ns(t, d.server_tz, "window")) for t in (d.start, d.end))
            acct[S.A_BARS_PER_YEAR] = data.window(first, stop).acct[S.A_BARS_PER_YEAR]
            acct[S.A_BAR_FIRST], acct[S.A_BAR_STOP] = first, stop
        study.searcher = FastGASearcher(study.engine, study.space, hub_name=hub_name, metric_index=told,
                                        maximize=maximize, acct=acct,
                                        store=study.store, max_batch=options.max_batch, on_batch=study.bar.update,
                                        tag=f"{i}:")
        study.resumed = study.searcher.replay(study.store.values(study.told))
        if study.resumed:
            announce(f"resuming run {study.run.run_id}{' (' + label + ')' if label else ''}: "
                     f"{study.resumed:,} passes already stored")
        study.bar.start(study.resumed)
    searchers = [s.searcher for s in studies]
    t_fit = time.perf_counter()
    results = None
    if not all(s.finished for s in searchers):
        search_alg = searchers[0] if len(searchers) == 1 else StudySearcher(searchers)
        tuner = tune.Tuner(trainable(), tune_config=tune.TuneConfig(
            search_alg=search_alg, num_samples=-1, max_concurrent_trials=len(searchers), reuse_actors=True),
            run_config=tune.RunConfig(name=f"tune-{uuid.uuid4().hex[:8]}",
                                      storage_path=str(studies[0].run.path / "tune"), verbose=0,
                                      callbacks=list(tune_callbacks), log_to_file=False))
        results = tuner.fit()
    fit_s = time.perf_counter() - t_fit
    for study in studies:
        study.bar.close()
    stats = ray.get(hub.stats.remote())
    ray.kill(hub)
    reports = [] if results is None else [r.metrics for r in results]
    shared = {"evaluators": size, "evaluators_lost": stats["lost"], "tune_fit_s": fit_s,
              "resubmitted_chunks": int(sum(m.get("resubmitted", 0) or 0 for m in reports))}
    summaries, errors = [], []
    for study in studies:
        problem = study.searcher.error
        if problem is None and not study.engine.done:  # Tune stopped early (Ctrl-C): not a finished run
            problem = "interrupted before the search ended"
        if problem is not None:
            errors.append(f"{problem} (run {study.run.run_id}: {study.store.next_batch - 1} batches kept "
                          f"in {study.store.dir}; run the same command again to resume)")
            summaries.append(None)
        else:
            summaries.append(_summary(study, shared, t_fit, fit_s))
    return summaries, errors


def _summary(study: Study, shared: dict, t_fit: float, fit_s: float) -> dict:
    searcher, space, store = study.searcher, study.space, study.store
    frame = store.load()
    front = None
    if isinstance(study.engine, NSGA2Optimizer):  # the Pareto front; "best" = its best first objective
        genomes, values = study.engine.pareto_front()
        terms = study.config.optimization.objective_terms()
        numbers = space.numbers_of(genomes)
        front = [{"pass": n, "objectives": {m: float(v) for (m, _), v in zip(terms, row, strict=True)},
                  "params": dict(zip(space.order, map(float, p), strict=True))}
                 for n, row, p in zip(numbers, values, space.decode(genomes), strict=True)]
        first = values[:, 0] if terms[0][1] else -values[:, 0]
        best_pass, value = numbers[int(np.argmax(first))], float(values[int(np.argmax(first)), 0])
    else:
        genome, value = study.engine.best()
        best_pass = space.number_of(genome)
    row = frame.loc[frame["pass"].map(int) == best_pass].iloc[0]
    costs = searcher.tune_costs(t_fit, t_fit + fit_s)
    costs["share_pct"] = 100 * costs["seconds"] / fit_s if fit_s > 0 else 0.0
    steady_s = costs["per_batch_ms"] / 1000 * max(costs["batches"] - 1, 0)
    costs["per_generation_share_pct"] = 100 * steady_s / fit_s if fit_s > 0 else 0.0
    return {
        "status": "finished", "run_id": study.run.run_id,
        "settings": json.loads((study.run.path / SETTINGS).read_text()), "mode": study.mode,
        "criterion": study.config.optimization.objectives[0] if front else study.config.optimization.criterion,
        "best": {"pass": str(best_pass) if store.wide else best_pass, "result": value,
                 "params": {n: float(row[n]) for n in space.order}, "metrics": {k: float(row[k]) for k in M}},
        "passes": int(len(frame)), "generations": int(getattr(study.engine, "generation", 0)),
        "resumed_passes": study.resumed, **shared,
        **({"objectives": list(study.config.optimization.objectives), "pareto_front": front} if front else {}),
        "eval_s": searcher.eval_seconds, "evaluator_wait_s": searcher.wait_seconds,
        "tune_overhead": costs,
    }


def top_table(results: pd.DataFrame, params: Sequence[str], maximize: bool, n: int = 10) -> pd.DataFrame:
    """MT5's optimization results table: the best `n` passes by Result."""
    from rayga.reports.table import select

    return select(results, params, maximize, top=n)
