"""The Tune trainable: one trial = one batch (a whole generation). It only dispatches chunks of genomes
to the evaluator actors and gathers their metrics, so it asks for no CPU; chunks held by an evaluator
that dies (its node preempted) go to the others, and replacements join when they are warm."""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np
import ray
from ray import tune

from rayga.errors import StrategyError
from rayga.sim.enums import N_METRICS
from rayga.tuning.naming import NAMESPACE


def chunk_size(n: int, evaluators: int) -> int:
    """About four chunks per evaluator (load balance, cheap failure recovery), 8..256 genomes each."""
    return int(min(max(math.ceil(n / (4 * max(evaluators, 1))), 8), 256))


class NoEvaluators(RuntimeError):
    """No evaluator is ready or starting: the cluster has no CPU left for them."""


def dispatch(hub: ray.actor.ActorHandle, params: np.ndarray, acct: np.ndarray) -> tuple[np.ndarray, dict]:
    """Metrics of every parameter row, whatever evaluators come and go meanwhile."""
    evaluators: dict[int, ray.actor.ActorHandle] = {}
    idle: deque[int] = deque()
    waited = _join(hub, evaluators, idle)
    size = chunk_size(len(params), len(evaluators))
    chunks = [slice(i, min(i + size, len(params))) for i in range(0, len(params), size)]
    pending = deque(range(len(chunks)))
    running: dict[ray.ObjectRef, tuple[int, int]] = {}
    raw = np.empty((len(params), N_METRICS))
    resubmitted = 0
    failed: dict[int, str] = {}
    while pending or running:
        while pending and idle:
            eid = idle.popleft()
            c = pending.popleft()
            running[evaluators[eid].evaluate.remote(params[chunks[c]], acct)] = (c, eid)
        if not running:  # every evaluator was lost: wait for replacements
            waited += _join(hub, evaluators, idle)
            continue
        done, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
        if not done:  # nothing finished for a second: let replacements that became ready join in
            _join(hub, evaluators, idle, block=False)
            continue
        c, eid = running.pop(done[0])
        try:
            raw[chunks[c]] = ray.get(done[0])
        except ray.exceptions.RayActorError:  # the evaluator (or its node) is gone: redo its chunk elsewhere
            evaluators.pop(eid, None)
            ray.get(hub.lost.remote([eid]))
            pending.appendleft(c)
            resubmitted += 1
            continue
        except ray.exceptions.RayTaskError as exc:  # the strategy raised: finish the others, then report
            failed[c] = str(getattr(exc, "cause", None) or exc)
        idle.append(eid)
    if failed:  # the first failing chunk in genome order, whichever finished first
        raise StrategyError(failed[min(failed)])
    return raw, {"resubmitted": resubmitted, "evaluators": len(evaluators), "wait_s": waited}


def _join(hub: ray.actor.ActorHandle, evaluators: dict, idle: deque, block: bool = True) -> float:
    """Add the hub's ready evaluators not yet known; with `block`, wait until there is at least one.
    Returns the seconds waited."""
    t0 = time.perf_counter()
    while True:
        ready, starting, error = ray.get(hub.evaluators.remote())
        if error:
            raise StrategyError(error)
        for eid, handle in ready:
            if eid not in evaluators:
                evaluators[eid] = handle
                idle.append(eid)
        if evaluators or not block:
            return time.perf_counter() - t0
        if not starting:
            raise NoEvaluators("no evaluator is ready or starting: the cluster has no CPU for them")
        time.sleep(0.05)


def evaluate_batch(config: dict) -> None:
    """Tune function trainable. Reports only scalars; the metrics go back through the hub."""
    hub = ray.get_actor(config["hub"], namespace=NAMESPACE)
    params, acct = ray.get(hub.get_batch.remote(config["key"]))
    t0 = time.perf_counter()
    try:
        raw, stats = dispatch(hub, params, acct)
    except (ray.exceptions.RayTaskError, StrategyError, NoEvaluators) as exc:  # the message names the genome
        ray.get(hub.put_result.remote(config["key"], None, str(getattr(exc, "cause", None) or exc)))
        tune.report({"generation": config["generation"], "passes": 0, "failed": 1, "best": float("nan")})
        return
    seconds = time.perf_counter() - t0 - stats["wait_s"]
    ray.get(hub.put_result.remote(config["key"], raw))
    crit = raw[:, config["metric"]]
    tune.report({"generation": config["generation"], "passes": len(raw), "failed": 0,
                 "best": float(crit.max() if config["maximize"] else crit.min()), "median": float(np.median(crit)),
                 "eval_s": seconds, "passes_per_s": len(raw) / seconds if seconds > 0 else 0.0,
                 "resubmitted": stats["resubmitted"], "evaluators": stats["evaluators"],
                 "wait_s": stats["wait_s"]})


def trainable():
    """`evaluate_batch` with its resources: none but a sliver of the head node, where the hub lives."""
    head = {"CPU": 0, "node:__internal_head__": 0.001}
    return tune.with_resources(evaluate_batch, tune.PlacementGroupFactory([head]))
