"""Evaluator actors: one per CPU, each holding a read-only view of the run's market data from the
object store, warmed once, evaluating chunks of genomes for as long as the run lasts."""

from __future__ import annotations

import os

import numpy as np

from rayga.errors import StrategyError
from rayga.sim.engine import finish_metrics, run_batch
from rayga.sim.enums import N_METRICS
from rayga.sim.prepared import SimData
from rayga.strategies.base import Strategy
from rayga.tuning.objects import with_account

# Numba runs single-threaded inside an evaluator: one evaluator per core already fills the machine.
ACTOR_ENV = {"env_vars": {"NUMBA_NUM_THREADS": "1"}}


def describe(strategy: Strategy, row: np.ndarray) -> str:
    return ", ".join(f"{n}={v:g}" for n, v in zip(strategy.param_names, row, strict=True))


class Evaluator:
    """Ray actor class (wrapped with `ray.remote` by the hub)."""

    def __init__(self, data: SimData, strategy: Strategy) -> None:
        self.data = data
        self.strategy = strategy
        self.windows: dict = {}  # walk-forward window views by bar range, reused batch after batch
        warm = strategy.genome({})  # compiles (or loads from cache) the read-only-array specialisation once
        self.evaluate(warm[None, :], data.acct)

    def ready(self) -> tuple[str, int]:
        import ray

        return ray.get_runtime_context().get_node_id(), os.getpid()

    def evaluate(self, params: np.ndarray, acct: np.ndarray) -> np.ndarray:
        """Metrics (rows x METRICS) of parameter rows in the strategy's order."""
        data = with_account(self.data, acct, self.windows)
        raw = np.zeros((len(params), N_METRICS))
        try:
            run_batch(self.strategy, data, params, raw)
        except Exception:  # noqa: BLE001 - any strategy failure is reported with the genome that caused it
            raise StrategyError(self._culprit(data, params)) from None
        return finish_metrics(raw)

    def _culprit(self, data: SimData, params: np.ndarray) -> str:
        """Re-run the genomes one by one to name the first that fails."""
        one = np.zeros((1, N_METRICS))
        for row in params:
            try:
                self.strategy.run_batch(data, row[None, :], one)
            except Exception as exc:  # noqa: BLE001
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                return (f"strategy {self.strategy.name} failed on genome {describe(self.strategy, row)}: "
                        f"{type(exc).__name__}{': ' + text if text else ''}")
        return f"strategy {self.strategy.name} failed on a batch of {len(params)} genomes but on none alone"
