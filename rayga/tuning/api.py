"""Plain Ray Tune use: everything a `tune.Tuner` needs for a rayga config on the connected Ray cluster."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import ray
from ray import tune

from rayga.config import CRITERIA, Config
from rayga.errors import ConfigError
from rayga.ga.complete import CompleteSearch
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.optimize import build_space
from rayga.runner import load_data
from rayga.sim.enums import M
from rayga.sim.prepared import prepare
from rayga.strategies.registry import strategy_for
from rayga.tuning.hub import start_hub
from rayga.tuning.objects import put_market
from rayga.tuning.searcher import FastGASearcher
from rayga.tuning.session import cluster_cpus
from rayga.tuning.trainable import trainable


@dataclass
class TuneSetup:
    """Pass `trainable` and `searcher` to `tune.Tuner` (see `tune_config`); `hub` holds the evaluators."""

    trainable: object
    searcher: FastGASearcher
    hub: ray.actor.ActorHandle

    def tune_config(self) -> tune.TuneConfig:
        """One trial per generation, trial actors reused, no end but the GA's own."""
        return tune.TuneConfig(search_alg=self.searcher, num_samples=-1, max_concurrent_trials=1, reuse_actors=True)

    def close(self) -> None:
        ray.kill(self.hub)


def tune_setup(config: Config, workers: int | None = None) -> TuneSetup:
    """Load the config's data, put it into the object store, start the evaluators and build the searcher
    (Ray must be initialised). Results are not stored on disk: read them from `searcher.optimizer`."""
    if not ray.is_initialized():
        raise ConfigError("tune_setup needs a running Ray: call ray.init() first")
    space = build_space(config)
    opt = config.optimization
    metric, maximize = CRITERIA[opt.criterion]
    mode = space.mode(opt.mode, opt.complete_budget)
    engine = (CompleteSearch(space, maximize) if mode == "complete"
              else GeneticOptimizer(space, GAConfig(seed=opt.seed, population=opt.population, maximize=maximize)))
    data = prepare(load_data(config), config.account, config.data.modelling)
    name = f"hub-{uuid.uuid4().hex[:12]}"
    hub = start_hub(name, put_market(data), strategy_for(config), workers or cluster_cpus())
    searcher = FastGASearcher(engine, space, hub_name=name, metric_index=M[metric], maximize=maximize, acct=data.acct)
    return TuneSetup(trainable(), searcher, hub)
