"""Scaling with evaluators: passes/s with 1 and 2 evaluator actors on this machine, measured in one run.

    python benchmarks/scaling.py [CONFIG] [--genomes 2000] [--population 512]

(a) evaluation alone: the same random genomes through the evaluator pool (one trial's dispatch) with 1 and
    with 2 evaluators; (b) end to end: `rayga optimize CONFIG --fresh` with a population of 512
    (--population; with MT5's 64 genomes per generation Tune's fixed start dominates) with --workers 1 and
    2 on one local Ray. Efficiency = passes/s with 2 / (2 x passes/s with 1).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import ray

from rayga.config import load_config
from rayga.optimize import build_space
from rayga.runner import apply_sets, load_data
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import get_strategy
from rayga.tuning.driver import RunOptions, optimize
from rayga.tuning.hub import start_hub
from rayga.tuning.objects import put_market
from rayga.tuning.trainable import dispatch

ROOT = Path(__file__).resolve().parents[1]


def evaluation_rate(config, genomes: int, evaluators: int, seed: int = 0) -> float:  # noqa: ANN001
    data = prepare(load_data(config), config.account, config.data.modelling)
    space = build_space(config)
    rng = np.random.default_rng(seed)
    pool = np.column_stack([rng.integers(0, s, 4 * genomes) for s in space.sizes])
    params = space.decode(pool[space.feasible(pool)][:genomes])
    hub = start_hub(f"scaling-{evaluators}", put_market(data), get_strategy(config.strategy.name), evaluators)
    try:
        while len(ray.get(hub.evaluators.remote())[0]) < evaluators:
            time.sleep(0.1)
        dispatch(hub, params[:64], data.acct)  # warm every evaluator
        t0 = time.perf_counter()
        dispatch(hub, params, data.acct)
        return len(params) / (time.perf_counter() - t0)
    finally:
        ray.kill(hub)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default=str(ROOT / "examples" / "eurusd_ma_cross.toml"))
    parser.add_argument("--genomes", type=int, default=2000)
    parser.add_argument("--population", type=int, default=512, help="GA population of the end-to-end runs")
    args = parser.parse_args()
    config = load_config(args.config)
    big = apply_sets(config, [f"optimization.population={args.population}"])
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    out: dict = {"config": args.config}
    try:
        rates = {n: evaluation_rate(config, args.genomes, n) for n in (1, 2)}
        out["evaluation"] = {"genomes": args.genomes, "passes_per_s": rates, "efficiency": rates[2] / (2 * rates[1])}
        print(f"evaluation alone, {args.genomes} genomes: 1 evaluator {rates[1]:,.0f} passes/s, 2 evaluators "
              f"{rates[2]:,.0f} passes/s: efficiency {out['evaluation']['efficiency']:.0%}")
        with tempfile.TemporaryDirectory() as tmp:
            runs = {}
            for n in (1, 2):
                run = optimize(big, RunOptions(workers=n, out=Path(tmp), fresh=True, progress=False),
                               announce=lambda s: None)
                s = run.summary
                runs[n] = {"passes": s["passes"], "search_s": s["tune_fit_s"], "eval_s": s["eval_s"],
                           "passes_per_s_searching": s["passes"] / s["tune_fit_s"],
                           "passes_per_s_evaluating": s["passes"] / s["eval_s"]}
            eff = runs[2]["passes_per_s_searching"] / (2 * runs[1]["passes_per_s_searching"])
            out["end_to_end"] = {"runs": runs, "efficiency": eff}
            for n, r in runs.items():
                print(f"rayga optimize --workers {n} (population {args.population}): {r['passes']:,} passes, search "
                      f"{r['search_s']:.1f} s ({r['passes_per_s_searching']:,.0f} passes/s), evaluating "
                      f"{r['passes_per_s_evaluating']:,.0f}/s")
            print(f"end-to-end efficiency 1 -> 2 workers: {eff:.0%} (the same passes: results are identical)")
    finally:
        ray.shutdown()
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
