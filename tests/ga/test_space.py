"""Parameter space: MT5 ranges, exact counts, genome numbering, constraints, population rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rayga.errors import ConfigError
from rayga.ga.space import Input, ParamSpace, parse_constraint, range_values, space_from_params

ORDER = ("fast", "slow", "sl_points", "tp_points")
KINDS = {"fast": "int", "slow": "int", "sl_points": "float", "tp_points": "float"}
DEFAULTS = {"fast": 12, "slow": 48, "sl_points": 300, "tp_points": 600}


def ma_space(constraints=("fast < slow",)):
    params = {"fast": {"start": 5, "step": 5, "stop": 50}, "slow": {"start": 20, "step": 10, "stop": 200},
              "sl_points": {"start": 0, "step": 100, "stop": 1000}, "tp_points": 600}
    return space_from_params(ORDER, KINDS, params, DEFAULTS, constraints)


def test_mt5_ranges_read_as_written():
    assert range_values("a", 5, 5, 50, "int") == tuple(float(v) for v in range(5, 51, 5))
    assert range_values("a", 0.1, 0.1, 0.5) == (0.1, 0.2, 0.3, 0.4, 0.5)  # no float drift, stop included
    assert range_values("a", 50, 5, 10) == (50.0, 45.0, 40.0, 35.0, 30.0, 25.0, 20.0, 15.0, 10.0)  # downwards
    assert range_values("a", 7, 0, 7) == (7.0,) and range_values("a", 7, 3, 7) == (7.0,)
    assert range_values("a", 1, 3, 9) == (1.0, 4.0, 7.0)  # stop not on the grid: last value below it
    with pytest.raises(ConfigError, match="whole-number input"):
        range_values("fast", 1, 0.5, 3, "int")


def test_ranges_the_user_did_not_mean_are_errors():
    with pytest.raises(ConfigError, match=r"^`a.step` must not be negative \(got -5\): a stop below start already "
                                          r"walks downwards by step; set it in x.toml$"):
        range_values("a", 50, -5, 10, where="in x.toml")
    with pytest.raises(ConfigError, match=r"^`a` has step 0 between start 7 and stop 100: give a step above 0"):
        range_values("a", 7, 0, 100)


def test_counts_decode_and_fixed_inputs():
    space = ma_space()
    assert space.sizes == (10, 19, 11) and space.n_combinations == 10 * 19 * 11
    assert space.fixed == {"tp_points": 600.0}
    rows = space.decode(np.array([[0, 0, 0], [9, 18, 10]]))
    np.testing.assert_array_equal(rows, [[5, 20, 0, 600], [50, 200, 1000, 600]])


def test_exact_count_beyond_int64():
    inputs = tuple(Input(f"p{i}", tuple(float(v) for v in range(1000))) for i in range(8))
    space = ParamSpace(tuple(i.name for i in inputs), inputs)
    assert space.n_combinations == 1000 ** 8 > 2 ** 63
    number = 1000 ** 8 - 12345
    assert space.number_of(space.genome_of(number)) == number
    assert space.population_size() == 256


@given(st.integers(min_value=0, max_value=10 * 19 * 11 - 1))
def test_genome_numbering_round_trip(number):
    space = ma_space()
    genome = space.genome_of(number)
    assert space.number_of(genome) == number
    assert all(0 <= g < s for g, s in zip(genome, space.sizes, strict=True))


def test_constraints_filter_vectorised():
    space = ma_space(("fast < slow", "tp_points >= 2 * sl_points or sl_points == 0"))
    all_genomes = np.array([space.genome_of(n) for n in range(space.n_combinations)])
    ok = space.feasible(all_genomes)
    rows = space.decode(all_genomes)
    expected = (rows[:, 0] < rows[:, 1]) & ((rows[:, 3] >= 2 * rows[:, 2]) | (rows[:, 2] == 0))
    np.testing.assert_array_equal(ok, expected)
    assert 0 < ok.sum() < len(ok)


@pytest.mark.parametrize("text, message", [
    ("fast < slwo", "names `slwo`"),
    ("__import__('os').system('x')", "only comparisons"),
    ("fast.real < 3", "only comparisons"),
    ("fast <", "not an expression"),
    ("fast < 'a'", "only numbers"),
])
def test_constraints_are_safe_and_checked(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_constraint(text, ORDER)


@pytest.mark.parametrize("n, pop", [(50, 64), (1_000, 64), (10_000, 64), (100_000, 64), (1_000_000, 96),
                                    (10_000_000, 128), (100_000_000, 160), (10 ** 9, 192), (10 ** 10, 224),
                                    (10 ** 12, 256)])
def test_population_rule(n, pop):
    space = ParamSpace(("a",), (Input("a", tuple(float(v) for v in range(n))),)) if n <= 10_000 else None
    if space is None:  # a product of inputs reaching n without listing n values
        k = 10 ** (len(str(n)) // 2)
        inputs = (Input("a", tuple(float(v) for v in range(k))), Input("b", tuple(float(v) for v in range(n // k))))
        space = ParamSpace(("a", "b"), inputs)
        assert space.n_combinations == n
    assert space.population_size() == pop
    low, high = space.estimated_passes()
    assert (low, high) == (pop * 20, pop * 41)


def test_modes():
    space = ma_space()
    assert space.mode("auto", complete_budget=10_000) == "complete"
    assert space.mode("auto", complete_budget=1_000) == "genetic"
    inputs = (Input("a", tuple(map(float, range(20_000)))), Input("b", tuple(map(float, range(10_000)))))
    big = ParamSpace(("a", "b"), inputs)
    assert big.mode("auto", complete_budget=10 ** 12) == "genetic"  # forced above 100,000,000
    with pytest.raises(ConfigError, match="exceed MT5's complete-search limit"):
        big.mode("complete", complete_budget=10 ** 12)


def test_enum_inputs_and_bad_lists():
    space = space_from_params(ORDER, KINDS, {"fast": [5, 8, 13], "slow": 48}, DEFAULTS)
    assert space.inputs[0].values == (5.0, 8.0, 13.0) and space.n_combinations == 3
    with pytest.raises(ConfigError, match="must list numbers"):
        space_from_params(ORDER, KINDS, {"fast": ["a"]}, DEFAULTS)


def test_ga_core_imports_no_ray():
    """The GA core stays Ray-free: the Tune searcher is a thin adapter over it."""
    import ast
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[2] / "rayga" / "ga").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "ray" or n.startswith("ray.") for n in names), path
