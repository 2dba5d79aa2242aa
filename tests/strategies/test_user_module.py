"""A user's strategy file is also the user's own module: after rayga has loaded it (and cached its compiled
rule on disk), a fresh process that imports it by its own name calls the cached rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RAYGA = str(Path(sys.executable).with_name("rayga"))
STRATEGY = """
import numpy as np
from numba import njit

from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def above_previous(open_, high, low, close, p):
    out = np.zeros(close.shape[0], np.int8)
    for i in range(1, close.shape[0]):
        out[i] = 1 if close[i] > close[i - 1] + p[0] else -1
    return out


class Above(UserStrategy):
    name = "above"
    params = (Param("edge", "float", 0.0, 0.0, 0.0001, 0.001, "close above the previous one by this much"),)
    signal = above_previous
"""
USE = """
import numpy as np
import mine
x = np.linspace(1.0, 2.0, 50)
print(int(mine.above_previous(x, x, x, x, np.zeros(1))[1:].sum()))
"""


def test_a_strategy_file_rayga_loaded_imports_by_its_own_name(tmp_path):
    (tmp_path / "mine.py").write_text(STRATEGY)
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     '[strategy]\nname = "mine.py:Above"\n')
    done = subprocess.run([RAYGA, "backtest", "c.toml", "--out", "out"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    again = subprocess.run([sys.executable, "-c", USE], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.split() == ["49"]


RAISER = """
import numpy as np
from numba import njit

from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def picky(open_, high, low, close, p):
    if p[0] > 0.5:
        raise ValueError("edge above 0.5 is not supported")
    return np.zeros(close.shape[0], np.int8)


class Picky(UserStrategy):
    name = "picky"
    params = (Param("edge", "float", 0.0, 0.0, 1.0, 1.0, "an edge"),)
    signal = picky
"""


def test_a_rule_that_raises_is_one_line_naming_the_file_and_the_genome(tmp_path):
    (tmp_path / "raiser.py").write_text(RAISER)
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     '[strategy]\nname = "raiser.py:Picky"\n')
    done = subprocess.run([RAYGA, "backtest", "c.toml", "--set", "edge=1", "--out", "out"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"rayga: error: strategy picky ({tmp_path / 'raiser.py'}): its rule raised "
                                   f"ValueError: edge above 0.5 is not supported for edge=1")


def test_a_user_rule_runs_in_the_parallel_kernel_with_the_figures_of_single_passes(tmp_path):
    """A batch of a user's strategy runs in one parallel kernel generated for its rule (cached on disk);
    every pass equals the same genome backtested alone through the rule and the simulation."""
    import numpy as np

    from rayga.data.load import load_market_data
    from rayga.sim import rule_kernel
    from rayga.sim.account import AccountConfig
    from rayga.sim.engine import backtest, evaluate
    from rayga.sim.enums import METRICS
    from rayga.sim.prepared import prepare
    from rayga.strategies.registry import get_strategy

    example = Path(__file__).resolve().parents[2] / "examples" / "my_strategy.py"
    (tmp_path / "trend.py").write_text(example.read_text())
    strategy = get_strategy(f"{tmp_path / 'trend.py'}:TrendPullback")
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-05-01", "M15")
    account = AccountConfig(spread_points=10)
    data = prepare(md, account)
    rng = np.random.default_rng(3)
    genomes = np.column_stack([rng.integers(50, 200, 40), rng.integers(7, 28, 40), rng.integers(5, 30, 40),
                               rng.integers(0, 10, 40) * 100.0, rng.integers(0, 20, 40) * 100.0]).astype(np.float64)
    table = evaluate(data, strategy, genomes)
    assert any(m.rule is type(strategy).signal for m in rule_kernel._KERNELS.values())  # the rule's own kernel
    assert table["total_trades"].sum() > 100
    for i, genome in enumerate(genomes):
        alone = backtest(md, strategy, genome, account, data).metrics
        for name in METRICS:
            assert table.iloc[i][name] == pytest.approx(alone[name], rel=1e-12, abs=1e-9), (i, name)


def test_a_rule_that_raises_in_a_batch_names_the_genome(tmp_path):
    import numpy as np

    from rayga.data.load import load_market_data
    from rayga.errors import StrategyError
    from rayga.sim.account import AccountConfig
    from rayga.sim.engine import evaluate
    from rayga.strategies.registry import get_strategy

    (tmp_path / "raiser.py").write_text(RAISER)
    strategy = get_strategy(f"{tmp_path / 'raiser.py'}:Picky")
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15")
    with pytest.raises(StrategyError, match=r"^strategy picky \(.*raiser.py\): its rule raised ValueError: edge above "
                                            r"0.5 is not supported for edge=1$"):
        evaluate(md, strategy, np.array([[0.0], [1.0], [0.0]]), AccountConfig())
