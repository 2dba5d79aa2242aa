"""A user's strategy file is also the user's own module: after rayga has loaded it (and cached its compiled
rule on disk), a fresh process that imports it by its own name calls the cached rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
