"""`FastGASearcher`: a Ray Tune searcher that is a thin adapter over rayga's Ray-free ask/tell engines
(GA or complete search). Each trial is one batch - the rest of the current generation - whose genomes
travel through the run's hub actor (never inside trial configs); per-genome metrics come back through
the hub, are appended to the results store, and only then are told to the engine."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import ray
from ray.tune.search import Searcher

from rayga.ga.space import ParamSpace
from rayga.runs import ResultsStore
from rayga.tuning.naming import NAMESPACE

STATE_VERSION = 1


class FastGASearcher(Searcher):
    """One batch in flight at a time: a generation is never split over concurrent trials (Tune would
    evict its cached trial actors at every generation barrier)."""

    def __init__(self, optimizer, space: ParamSpace, *, hub_name: str, metric_index: int | list[int], maximize: bool,  # noqa: ANN001
                 acct: np.ndarray, store: ResultsStore | None = None, max_batch: int | None = None,
                 on_batch: Callable[[dict], None] | None = None, tag: str = "") -> None:
        super().__init__(metric="best", mode="max" if maximize else "min")
        self.optimizer = optimizer
        self.space = space
        self.hub_name = hub_name
        self.metric_index = metric_index  # a list for several objectives (NSGA-II): told as rows
        self.reported_index = metric_index[0] if isinstance(metric_index, list) else metric_index
        self.maximize = maximize
        self.acct = np.asarray(acct, dtype=np.float64)
        self.store = store
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.tag = tag  # tells apart the batches of several searchers sharing one hub
        self.batch_no = 0
        self.in_flight: dict[str, dict] = {}  # trial id -> key, generation, genomes
        self.error: str | None = None
        self.own_seconds = 0.0  # time spent here (breeding, storing): not Tune's
        self.eval_seconds = 0.0  # evaluators busy with this searcher's batches
        self.wait_seconds = 0.0  # batches waiting for a first evaluator (warm-up)
        self.batches = 0
        self.cycles: list[tuple[float, float, float]] = []  # per batch: completion time, its evaluation time, own time
        self._hub = None

    @property
    def finished(self) -> bool:
        return self.error is not None or self.optimizer.done

    @property
    def hub(self) -> ray.actor.ActorHandle:
        if self._hub is None:
            self._hub = ray.get_actor(self.hub_name, namespace=NAMESPACE)
        return self._hub

    def generation(self) -> int:
        return int(getattr(self.optimizer, "generation", 0))

    # -- Tune's contract --------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict | str | None:
        t0 = time.perf_counter()
        try:
            if self.error is not None or self.optimizer.done:
                return Searcher.FINISHED
            if self.in_flight:
                return None
            genomes = self.optimizer.ask()
            if self.max_batch:
                genomes = genomes[: self.max_batch]
            self.batch_no += 1
            key = f"{self.hub_name}:{self.tag}{self.batch_no}"
            ray.get(self.hub.put_batch.remote(key, self.space.decode(genomes), self.acct))
            self.in_flight[trial_id] = {"key": key, "generation": self.generation(), "genomes": genomes}
            return {"key": key, "hub": self.hub_name, "generation": self.generation(), "genomes": len(genomes),
                    "metric": self.reported_index, "maximize": self.maximize}
        finally:
            self.own_seconds += time.perf_counter() - t0

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        t0 = time.perf_counter()
        batch = self.in_flight.pop(trial_id, None)
        try:
            if batch is None:
                return
            raw, message = ray.get(self.hub.take_result.remote(batch["key"]))
            if raw is None:
                self.error = message or f"batch {batch['key']} failed in Tune (see the trial's error file)"
                return
            if self.store is not None:
                self.store.append(batch["generation"], batch["genomes"], raw)  # before it can influence breeding
            self.optimizer.tell(batch["genomes"], raw[:, self.metric_index])
            self.batches += 1
            evaluating, waiting = (float((result or {}).get(k, 0.0)) for k in ("eval_s", "wait_s"))
            busy = evaluating + waiting
            self.eval_seconds += evaluating
            self.wait_seconds += waiting
            self.cycles.append((t0, busy, self.own_seconds))
            if self.on_batch is not None:
                self.on_batch({"generation": batch["generation"], "passes": len(raw), "result": result or {},
                               "done": self.optimizer.done, "best_so_far": self._best_so_far()})
        except Exception as exc:  # noqa: BLE001 - stop the run with one line instead of a Tune traceback
            self.error = str(exc) or type(exc).__name__
        finally:
            self.own_seconds += time.perf_counter() - t0

    def tune_costs(self, fit_start: float, fit_end: float) -> dict:
        """Tune's own time: starting (until the first batch is back, minus its evaluation), per generation in
        steady state (time between two batches coming back, minus evaluation and this searcher's own work),
        and finishing (after the last batch)."""
        if not self.cycles:
            return {"batches": 0, "startup_s": fit_end - fit_start, "per_batch_ms": 0.0, "finish_s": 0.0,
                    "seconds": fit_end - fit_start}
        t, busy, own = zip(*self.cycles, strict=True)
        steady = [t[i] - t[i - 1] - busy[i] - (own[i] - own[i - 1]) for i in range(1, len(t))]
        startup = t[0] - fit_start - busy[0] - own[0]
        finish = fit_end - t[-1]
        per_batch = 1000 * float(np.median(steady)) if steady else 0.0
        return {"batches": len(t), "startup_s": startup, "per_batch_ms": per_batch,
                "finish_s": finish, "seconds": startup + sum(steady) + finish}

    def _best_so_far(self) -> float:
        if getattr(self.optimizer, "best_number", None) is None:  # no generation complete yet
            return float("nan")
        return float(self.optimizer.best()[1])

    # -- resuming ---------------------------------------------------------------------------------
    def replay(self, values: dict[int, float]) -> int:
        """Tell the engine every stored result it asks for, generation by generation, as the uninterrupted
        run did; stops at the first generation with a missing result. Returns the passes replayed."""
        told = 0
        while not self.optimizer.done:
            genomes = self.optimizer.ask()
            numbers = self.space.numbers_of(genomes)
            known = [i for i, n in enumerate(numbers) if n in values]
            if not known:
                break
            self.optimizer.tell(genomes[known], np.array([values[numbers[i]] for i in known]))
            told += len(known)
            if len(known) < len(genomes):
                break
        return told

    def save(self, checkpoint_path: str) -> None:
        state = {"version": STATE_VERSION, "engine": self.optimizer.state(), "batch_no": self.batch_no,
                 "in_flight": {t: {**b, "genomes": b["genomes"].tolist()} for t, b in self.in_flight.items()},
                 "error": self.error}
        Path(checkpoint_path).write_text(json.dumps(state))

    def restore(self, checkpoint_path: str) -> None:
        state = json.loads(Path(checkpoint_path).read_text())
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"searcher state version {state.get('version')} is not {STATE_VERSION}")
        self.optimizer = type(self.optimizer).from_state(self.space, state["engine"])
        self.batch_no, self.error = state["batch_no"], state["error"]
        width = len(self.space.inputs)
        self.in_flight = {t: {**b, "genomes": np.array(b["genomes"], dtype=np.int64).reshape(-1, width)}
                          for t, b in state["in_flight"].items()}
        for b in self.in_flight.values():  # a new hub after a restart: give it the batches Tune will re-run
            ray.get(self.hub.put_batch.remote(b["key"], self.space.decode(b["genomes"]), self.acct))


class StudySearcher(Searcher):
    """Several optimizations at once (e.g. `lots = [1, 10, 100]`) over the same evaluators: one batch of
    each study in flight, so Tune runs one trial per study concurrently and never waits at a barrier."""

    def __init__(self, searchers: list[FastGASearcher]) -> None:
        super().__init__(metric="best", mode="max")  # Tune's own bookkeeping only; each study keeps its sense
        self.searchers = searchers
        self.owner: dict[str, int] = {}
        self.turn = 0

    def suggest(self, trial_id: str) -> dict | str | None:
        if all(s.finished for s in self.searchers):
            return Searcher.FINISHED
        for k in range(len(self.searchers)):
            i = (self.turn + k) % len(self.searchers)
            s = self.searchers[i]
            if s.finished or s.in_flight:
                continue
            config = s.suggest(trial_id)
            if isinstance(config, dict):
                self.owner[trial_id] = i
                self.turn = i + 1
                return config
        return None

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        i = self.owner.pop(trial_id, None)
        if i is not None:
            self.searchers[i].on_trial_complete(trial_id, result, error)

    def save(self, checkpoint_path: str) -> None:
        for i, s in enumerate(self.searchers):
            s.save(f"{checkpoint_path}.{i}")
        Path(checkpoint_path).write_text(json.dumps({"version": STATE_VERSION, "owner": self.owner, "turn": self.turn,
                                                     "studies": len(self.searchers)}))

    def restore(self, checkpoint_path: str) -> None:
        state = json.loads(Path(checkpoint_path).read_text())
        for i, s in enumerate(self.searchers):
            s.restore(f"{checkpoint_path}.{i}")
        self.owner, self.turn = state["owner"], state["turn"]
