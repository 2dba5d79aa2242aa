"""rayga's GA as a plain Ray Tune search: `tune.Tuner` over `FastGASearcher`, one trial per generation.

    python examples/tune_api.py                      # embedded synthetic data, a small MA-cross space
    python examples/tune_api.py path/to/config.toml  # any rayga config

The TensorBoard logs and Tune's result table hold per-generation scalars (best and median criterion,
passes, passes/s); the passes themselves are in the searcher's engine (`rayga optimize` also stores
them on disk and resumes from them).
"""

import sys
from pathlib import Path

import numpy as np
import ray
from ray import tune

from rayga.config import load_config, parse_config
from rayga.tuning.api import tune_setup

if len(sys.argv) > 1:
    config = load_config(sys.argv[1])
else:
    config = parse_config({
        "data": {"source": "synthetic", "start": "2022-01-03", "end": "2022-07-01", "timeframe": "M30"},
        "strategy": {"name": "ma_cross", "params": {"fast": {"start": 4, "step": 2, "stop": 30},
                                                      "slow": {"start": 10, "step": 5, "stop": 120},
                                                      "sl_points": {"start": 0, "step": 150, "stop": 600}}},
        "optimization": {"seed": 1}}, "tune_api example")

ray.init(address="local", include_dashboard=False, logging_level="ERROR")
setup = tune_setup(config)
storage = str(Path("rayga_runs").resolve())  # Tune's experiment folder (results, TensorBoard logs)
tuner = tune.Tuner(setup.trainable, tune_config=setup.tune_config(),
                   run_config=tune.RunConfig(name="tune_api", storage_path=storage, verbose=0))
grid = tuner.fit()
ga = setup.searcher.optimizer
genome, value = ga.best()
params = dict(zip(ga.space.order, ga.space.decode(genome[None, :])[0], strict=True))
print(f"{len(grid)} generations as Tune trials, {ga.passes} passes; best {config.optimization.criterion} "
      f"{value:.4f} with " + " ".join(f"{k}={v:g}" for k, v in params.items()))
best_generation = int(np.argmax([r.metrics.get("best", -np.inf) for r in grid]))
print(f"best criterion first reached in trial {best_generation} (Tune's own view of the run)")
setup.close()
ray.shutdown()
