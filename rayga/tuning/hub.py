"""The run's hub actor: the evaluator pool's membership (replacing evaluators lost with their node) and
the genomes and metrics of each batch, keyed by batch id, so that trial configs carry only the key."""

from __future__ import annotations

import numpy as np
import ray

from rayga.strategies.base import Strategy
from rayga.tuning.evaluator import ACTOR_ENV, Evaluator
from rayga.tuning.naming import NAMESPACE


class RunHub:
    """Ray actor class (created by `start_hub`, zero CPUs, on the driver's node)."""

    def __init__(self, data_box: list, strategy: Strategy, size: int) -> None:
        self.data_ref = data_box[0]  # boxed so that Ray passes the reference, not the arrays
        self.strategy = strategy
        self.size = size
        self.next_id = 0
        self.ready_actors: dict[int, ray.actor.ActorHandle] = {}
        self.starting: dict[int, tuple[ray.actor.ActorHandle, ray.ObjectRef]] = {}
        self.batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.results: dict[str, np.ndarray] = {}
        self.errors: dict[str, str] = {}
        self.lost_count = 0
        self.start_error: str | None = None
        for _ in range(size):
            self._spawn()

    def _spawn(self) -> None:
        handle = ray.remote(Evaluator).options(num_cpus=1, runtime_env=ACTOR_ENV, scheduling_strategy="SPREAD",
                                              max_restarts=0).remote(self.data_ref, self.strategy)
        self.starting[self.next_id] = (handle, handle.ready.remote())
        self.next_id += 1

    def _promote(self, timeout: float = 0.0) -> None:
        if not self.starting:
            return
        refs = {ref: i for i, (_, ref) in self.starting.items()}
        done, _ = ray.wait(list(refs), num_returns=len(refs), timeout=timeout)
        for ref in done:
            i = refs[ref]
            handle, _ = self.starting.pop(i)
            try:
                ray.get(ref)
            except ray.exceptions.RayTaskError as exc:  # the strategy failed while warming up
                self.start_error = str(getattr(exc, "cause", exc))
                continue
            except ray.exceptions.RayActorError:  # lost while starting (its node went away): try again
                self.lost_count += 1
                self._spawn()
                continue
            self.ready_actors[i] = handle

    def evaluators(self) -> tuple[list[tuple[int, ray.actor.ActorHandle]], int, str | None]:
        """The ready evaluators (replacements join as soon as they are warm), how many are still starting,
        and the error of an evaluator whose warm-up failed (the strategy raised)."""
        self._promote()
        return sorted(self.ready_actors.items(), key=lambda kv: kv[0]), len(self.starting), self.start_error

    def lost(self, ids: list[int]) -> None:
        """Evaluators found dead: forget them and ask for replacements (they start when capacity returns)."""
        for i in ids:
            if self.ready_actors.pop(i, None) is not None:
                self.lost_count += 1
                self._spawn()

    def stats(self) -> dict:
        """Evaluators ready and starting, and how many were lost (while starting or once ready)."""
        return {"ready": len(self.ready_actors), "starting": len(self.starting), "lost": self.lost_count}

    # -- batches -----------------------------------------------------------------------------------
    def put_batch(self, key: str, params: np.ndarray, acct: np.ndarray) -> None:
        self.batches[key] = (params, acct)

    def get_batch(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        return self.batches[key]

    def put_result(self, key: str, raw: np.ndarray, error: str | None = None) -> None:
        if error is not None:
            self.errors[key] = error
        else:
            self.results[key] = raw

    def take_result(self, key: str) -> tuple[np.ndarray | None, str | None]:
        self.batches.pop(key, None)
        return self.results.pop(key, None), self.errors.pop(key, None)


def start_hub(name: str, data_ref: ray.ObjectRef, strategy: Strategy, size: int) -> ray.actor.ActorHandle:
    """The hub, pinned to this (the driver's) node and owned by this driver."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return ray.remote(RunHub).options(name=name, namespace=NAMESPACE, num_cpus=0, scheduling_strategy=here,
                                      max_concurrency=1).remote([data_ref], strategy, size)
