"""NSGA-II: fronts and crowding against brute force, determinism, a known Pareto front."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rayga.ga.nsga2 import NSGA2Optimizer, crowding_distance, non_dominated_fronts, pareto_mask
from rayga.ga.space import Input, ParamSpace


def brute_front(values):
    n = len(values)
    return sorted(i for i in range(n) if not any((values[j] >= values[i]).all() and (values[j] > values[i]).any()
                                                 for j in range(n)))


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=30))
def test_fronts_match_brute_force(rows):
    values = np.array(rows, dtype=float)
    assert np.flatnonzero(pareto_mask(values)).tolist() == brute_front(values)
    fronts = non_dominated_fronts(values)
    assert sorted(fronts[0].tolist()) == brute_front(values)
    assert sorted(np.concatenate(fronts).tolist()) == list(range(len(values)))
    rest = np.setdiff1d(np.arange(len(values)), fronts[0])
    if len(rest):
        assert sorted(fronts[1].tolist()) == sorted(rest[brute_front(values[rest])].tolist())


def test_crowding_boundaries_are_infinite():
    d = crowding_distance(np.array([[0.0, 3.0], [1.0, 2.0], [2.0, 1.0], [3.0, 0.0]]))
    assert np.isinf(d[0]) and np.isinf(d[3]) and np.isfinite(d[1:3]).all()


def space():
    inputs = (Input("x", tuple(float(v) for v in range(40))), Input("y", tuple(float(v) for v in range(40))))
    return ParamSpace(("x", "y"), inputs)


def objectives(rows):
    # maximize x + y/4, minimize (x - 10)^2: the front is x in [10, 39] with y = 39
    return np.column_stack([rows[:, 0] + rows[:, 1] / 4, (rows[:, 0] - 10) ** 2])


def run(seed, batch):
    sp = space()
    opt = NSGA2Optimizer(sp, (True, False), seed=seed, population=64, generations=25)
    while not opt.done:
        todo = opt.ask()
        for i in range(0, len(todo), batch):
            part = todo[i:i + batch]
            opt.tell(part, objectives(sp.decode(part)))
    return opt


def test_deterministic_whatever_the_batches():
    a, b = run(1, 1000), run(1, 7)
    ga, va = a.pareto_front()
    gb, vb = b.pareto_front()
    np.testing.assert_array_equal(ga, gb)
    np.testing.assert_array_equal(va, vb)


def test_finds_the_known_pareto_front():
    opt = run(2, 1000)
    genomes, values = opt.pareto_front()
    rows = space().decode(genomes)
    assert (rows[:, 1] == 39).mean() > 0.9  # y at its best on the front
    assert rows[:, 0].min() <= 11 and rows[:, 0].max() >= 35  # the front's spread is covered
    assert opt.passes < 1600
