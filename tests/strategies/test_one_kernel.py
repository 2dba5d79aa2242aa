"""One batch kernel for every strategy: the built-ins are rules on the public API with shared indicator rows,
a user's file with the same rule gives the same figures, the warm-up guard and the row declarations are
one-line errors, and `rayga/strategies/` holds no batch loop and imports no simulator kernel."""

from __future__ import annotations

import ast
from pathlib import Path

import numba
import numpy as np
import pytest

from rayga.cli import main
from rayga.data.load import load_market_data
from rayga.errors import ConfigError, StrategyError
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.enums import METRICS
from rayga.sim.prepared import prepare
from rayga.strategies.registry import BUILT_IN, get_strategy

STRATEGIES = Path(__file__).resolve().parents[2] / "rayga" / "strategies"

USER_MA = """
import numpy as np
from numba import njit

from rayga.rules import BUY, SELL
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def cross(bars, p, out):
    for k in range(1, bars.close.shape[0]):
        if np.isnan(p.fast_ma[k - 1]) or np.isnan(p.slow_ma[k - 1]):
            continue
        if p.fast_ma[k] > p.slow_ma[k] and p.fast_ma[k - 1] <= p.slow_ma[k - 1]:
            out.signal[k] = BUY
        elif p.fast_ma[k] < p.slow_ma[k] and p.fast_ma[k - 1] >= p.slow_ma[k - 1]:
            out.signal[k] = SELL


class Cross(UserStrategy):
    name = "cross"
    params = (Param("fast", "int", 12, 5, 1, 50), Param("slow", "int", 48, 10, 5, 200),
              Param("sl_points", "float", 300, 0, 100, 1000), Param("tp_points", "float", 600, 0, 100, 2000))
    rows = {"fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow")}
    rule = cross
"""


@pytest.fixture(scope="module")
def data():  # noqa: ANN201
    return prepare(load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-05-01", "M15"), AccountConfig())


def genomes(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fast = rng.integers(5, 51, n)
    return np.column_stack([fast, fast + rng.integers(5, 151, n), rng.integers(0, 11, n) * 100.0,
                            rng.integers(0, 21, n) * 100.0]).astype(np.float64)


def test_a_users_file_with_the_built_ins_rule_gives_its_figures_on_any_split_and_thread_count(tmp_path, data):
    (tmp_path / "cross.py").write_text(USER_MA)
    user, built_in = get_strategy(f"{tmp_path / 'cross.py'}:Cross"), get_strategy("ma_cross")
    g = genomes(60, 3)
    want = evaluate(data, built_in, g)[list(METRICS)].to_numpy()
    assert (want[:, METRICS.index("total_trades")] > 10).all()
    threads = numba.get_num_threads()
    try:
        for t in sorted({1, threads}):
            numba.set_num_threads(t)
            for split in ((60,), (7, 53), (1, 1, 58)):
                parts, at = [], 0
                for size in split:
                    parts.append(evaluate(data, user, g[at:at + size])[list(METRICS)].to_numpy())
                    at += size
                np.testing.assert_array_equal(np.vstack(parts), want)
    finally:
        numba.set_num_threads(threads)


GUARD = "        if np.isnan(p.fast_ma[k - 1]) or np.isnan(p.slow_ma[k - 1]):\n            continue\n"
WARMING = USER_MA.replace(GUARD, "        if k == 3:\n            out.signal[k] = BUY\n")


def test_a_rule_deciding_while_a_row_warms_up_is_one_line_in_a_batch_and_a_backtest(tmp_path, data, capsys):
    (tmp_path / "cross.py").write_text(WARMING.replace("if k == 3:", "if k == 3 and p.fast > 20:"))
    user = get_strategy(f"{tmp_path / 'cross.py'}:Cross")  # the defaults (fast 12) do not decide early
    with pytest.raises(StrategyError, match=r"decided at bar 3 .* row `fast_ma` \(sma\) is still warming up "
                                            r"\(first value at bar 24\) for fast=25, slow=60"):
        evaluate(data, user, np.array([[12, 48, 0, 0], [25, 60, 0, 0]], float))
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     '[strategy]\nname = "cross.py:Cross"\n[strategy.params]\nfast = 25\nslow = 60\n')
    assert main(["backtest", str(tmp_path / "c.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "still warming up" in err[0] and "cross.py" in err[0], err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("deals.csv"))


def test_a_rule_deciding_in_the_warm_up_with_its_defaults_fails_at_load(tmp_path):
    (tmp_path / "cross.py").write_text(WARMING)
    with pytest.raises(ConfigError, match=r"decided at bar 3 while its row `fast_ma` is still warming up"):
        get_strategy(f"{tmp_path / 'cross.py'}:Cross")


@pytest.mark.parametrize("rows, message", [
    ('{"fast_ma": ("sma",), "slow_ma": ("sma", "slow")}', "sma takes 1 argument(s) (period), got 0"),
    ('{"fast_ma": ("wma", "fast"), "slow_ma": ("sma", "slow")}', "unknown kind 'wma'"),
    ('{"fast_ma": ("sma", "fastest"), "slow_ma": ("sma", "slow")}', "'fastest' is not one of the parameters"),
    ('{"fast": ("sma", "fast"), "slow_ma": ("sma", "slow")}', "row name 'fast' is also a parameter's name"),
    ('{"fast_ma": ("sma", 2.5), "slow_ma": ("sma", "slow")}', "arguments are parameter names or whole numbers"),
])
def test_bad_row_declarations_are_one_line_from_the_cli(tmp_path, capsys, rows, message):
    text = USER_MA.replace('rows = {"fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow")}', f"rows = {rows}")
    (tmp_path / "cross.py").write_text(text)
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     '[strategy]\nname = "cross.py:Cross"\n')
    assert main(["backtest", str(tmp_path / "c.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_rules_that_write_per_entry_stops_are_read_off_their_code():
    assert not get_strategy("ma_cross").writes_stops()  # its batches never reset stop buffers
    for name in BUILT_IN:
        if name != "ma_cross":  # ATR-scaled stops, written by a helper the rule calls
            assert get_strategy(name).writes_stops(), name


def test_the_strategies_package_holds_no_batch_loop_and_imports_no_simulator_kernel():
    def kernel(module: str) -> bool:  # the simulator's kernels (its slot numbers, `_nb_state`, are constants)
        return module.startswith("rayga.sim._nb") and module != "rayga.sim._nb_state"

    for path in sorted(STRATEGIES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                assert not node.name.endswith("_batch_nb"), f"{path.name}: {node.name}"
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
                assert not any(kernel(n) for n in names), f"{path.name} imports {names}"
            if isinstance(node, ast.Import):
                assert not any(kernel(a.name) for a in node.names), path.name
