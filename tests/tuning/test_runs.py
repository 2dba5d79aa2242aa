"""Run folders and the results store (no Ray): identity by settings, atomic batches, exact replay."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from rayga.errors import ConfigError
from rayga.ga.complete import CompleteSearch
from rayga.ga.engine import GAConfig, GeneticOptimizer
from rayga.optimize import build_space
from rayga.runs import ResultsStore, RunDir, changed_keys, run_settings
from rayga.sim.enums import METRICS
from rayga.tuning.searcher import FastGASearcher
from tests.tuning.helpers import parse, toml_text


def fitness(space, genomes):  # noqa: ANN001, ANN201 - a deterministic stand-in for a backtest
    p = space.decode(genomes)
    return np.sin(p[:, 0] * 0.7) * 10 + np.cos(p[:, 1] * 0.05) * 5 - p[:, 2] / 300


def raw_of(space, genomes):  # noqa: ANN001, ANN201
    raw = np.zeros((len(genomes), len(METRICS)))
    raw[:, METRICS.index("complex_criterion")] = fitness(space, genomes)
    return raw


def test_run_identity_follows_results_deciding_settings():
    base = parse(toml_text())
    space = build_space(base)
    s1 = run_settings(base, space, "genetic", "0.1.0")
    other_seed = parse(toml_text(seed=4))
    s2 = run_settings(other_seed, build_space(other_seed), "genetic", "0.1.0")
    assert RunDir.of("r", base, s1).run_id == RunDir.of("r", base, run_settings(base, space, "genetic", "0.1.0")).run_id
    assert RunDir.of("r", base, s1).run_id != RunDir.of("r", other_seed, s2).run_id
    assert changed_keys(s1, s2) == ["optimization.seed"]


def test_store_appends_atomically_and_loads_every_pass(tmp_path):
    config = parse(toml_text())
    space = build_space(config)
    store = ResultsStore(tmp_path, space)
    (tmp_path / "batches").mkdir()
    rng = np.random.default_rng(1)
    g1 = np.column_stack([rng.integers(0, s, 5) for s in space.sizes])
    g2 = np.column_stack([rng.integers(0, s, 3) for s in space.sizes])
    store.append(0, g1, raw_of(space, g1))
    store.append(1, g2, raw_of(space, g2))
    assert not list((tmp_path / "batches").glob(".*"))  # no temporary files left
    frame = ResultsStore(tmp_path, space).load()
    assert ResultsStore(tmp_path, space).next_batch == 3
    assert list(frame.columns[:2]) == ["pass", "generation"]
    assert frame["pass"].tolist()[:5] == [space.number_of(g) for g in g1]
    np.testing.assert_array_equal(frame[list(space.order)].to_numpy(), np.vstack([space.decode(g1), space.decode(g2)]))


def test_store_write_failure_is_one_clear_line(tmp_path):
    """A full disk (the batch's temporary file is /dev/full): one line naming the file, nothing left behind."""
    space = build_space(parse(toml_text()))
    (tmp_path / "batches").mkdir()
    tmp = tmp_path / "batches" / f".000001.parquet.{os.getpid()}.tmp"
    tmp.symlink_to("/dev/full")
    g = np.zeros((1, len(space.sizes)), dtype=np.int64)
    with pytest.raises(ConfigError, match=r"^cannot write .*000001\.parquet: No space left on device; .*--out$"):
        ResultsStore(tmp_path, space).append(0, g, raw_of(space, g))
    assert not (tmp_path / "batches" / "000001.parquet").exists()


@pytest.mark.parametrize("cut", [1, 3, 7, 12])
def test_replay_from_a_truncated_store_continues_exactly(tmp_path, cut):
    """Whatever prefix of batches survived, replaying it and going on gives the uninterrupted run."""
    config = parse(toml_text())
    space = build_space(config)

    def run(engine, values=None, batches=None):  # noqa: ANN001, ANN202
        searcher = FastGASearcher(engine, space, hub_name="-", metric_index=0, maximize=True, acct=np.zeros(1))
        searcher.replay(values or {})
        while not engine.done:
            g = engine.ask()
            if batches is not None:
                batches.append(g)
            engine.tell(g, fitness(space, g))
        return engine

    batches: list[np.ndarray] = []
    full = run(GeneticOptimizer(space, GAConfig(seed=5)), batches=batches)
    kept = {space.number_of(g): float(v) for b in batches[:cut] for g, v in zip(b, fitness(space, b), strict=True)}
    resumed = run(GeneticOptimizer(space, GAConfig(seed=5)), values=kept)
    assert resumed.state() == full.state()


def test_complete_search_state_round_trip():
    space = build_space(parse(toml_text()))
    a = CompleteSearch(space, block=100)
    for _ in range(3):
        g = a.ask()
        a.tell(g, fitness(space, g))
    b = CompleteSearch.from_state(space, a.state())
    for engine in (a, b):
        while not engine.done:
            g = engine.ask()
            engine.tell(g, fitness(space, g))
    assert a.best()[1] == b.best()[1] and np.array_equal(a.best()[0], b.best()[0])
    assert a.results == b.results and a.generation == b.generation


def test_sorted_results_table():
    from rayga.runs import sorted_results

    frame = pd.DataFrame({"pass": [5, 2, 9], "generation": [1, 0, 0], "complex_criterion": [1.0, 2.0, 3.0]})
    out = sorted_results(frame, "complex_criterion")
    assert out["pass"].tolist() == [2, 9, 5] and out["result"].tolist() == [2.0, 3.0, 1.0]


@pytest.mark.parametrize("cut", [2, 9])
def test_nsga2_replay_from_a_truncated_store_continues_exactly(cut):
    from rayga.ga.nsga2 import NSGA2Optimizer

    space = build_space(parse(toml_text()))

    def objectives(genomes):  # noqa: ANN001, ANN202
        p = space.decode(genomes)
        return np.column_stack([fitness(space, genomes), -p[:, 2], p[:, 1] - p[:, 0]])

    def run(values=None, batches=None):  # noqa: ANN001, ANN202
        engine = NSGA2Optimizer(space, (True, False, True), seed=4, generations=12)
        searcher = FastGASearcher(engine, space, hub_name="-", metric_index=[0, 1, 2], maximize=True,
                                  acct=np.zeros(1))
        searcher.replay(values or {})
        while not engine.done:
            g = engine.ask()
            if batches is not None:
                batches.append(g)
            engine.tell(g, objectives(g))
        return engine

    batches: list[np.ndarray] = []
    full = run(batches=batches)
    kept = {n: row for b in batches[:cut] for n, row in zip(space.numbers_of(b), objectives(b), strict=True)}
    resumed = run(values=kept)
    assert json.dumps(resumed.state()) == json.dumps(full.state())
    again = NSGA2Optimizer.from_state(space, json.loads(json.dumps(full.state())))
    assert json.dumps(again.state()) == json.dumps(full.state())
