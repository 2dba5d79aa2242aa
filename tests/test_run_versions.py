"""A run's identity includes the engine and GA versions and its strategy's source: an upgrade or an edited
strategy starts a new run folder instead of mixing passes, and an older folder stays readable."""

from __future__ import annotations

import json

import pytest

from rayga import versions
from rayga.cli import main
from rayga.config import load_config
from rayga.errors import ConfigError
from rayga.optimize import build_space
from rayga.reports.run import open_run
from rayga.runs import changed_keys, run_settings, settings_hash
from tests.tuning.helpers import write_config

STRATEGY = """
import numpy as np
from numba import njit
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy

@njit(cache=True)
def rule(open_, high, low, close, p):
    out = np.zeros(close.shape[0], np.int8)
    for i in range(1, close.shape[0]):
        out[i] = 1 if close[i] > close[i - 1] + p[0] else -1
    return out

class Up(UserStrategy):
    name = "up"
    params = (Param("edge", "float", 0.0, 0.0, 0.0001, 0.001, "close above the previous close by this much"),)
    signal = rule
"""


def _settings(cfg):  # noqa: ANN001, ANN202
    config = load_config(cfg)
    return run_settings(config, build_space(config), "genetic", "0.1.0")


def test_engine_ga_and_strategy_source_are_in_the_identity(tmp_path, monkeypatch):
    cfg = write_config(tmp_path)
    before = _settings(cfg)
    assert before["model"] == {"engine": versions.ENGINE, "ga": versions.GA,
                               "strategy_source": before["model"]["strategy_source"]}
    for name in ("ENGINE", "GA"):
        with monkeypatch.context() as m:
            m.setattr(versions, name, getattr(versions, name) + 1)
            after = _settings(cfg)
        assert settings_hash(after) != settings_hash(before)
        assert changed_keys(before, after) == [f"model.{name.lower()}"]


def test_editing_a_user_strategy_changes_its_identity(tmp_path):
    src = tmp_path / "mine.py"
    src.write_text(STRATEGY)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                   '[strategy]\nname = "mine.py:Up"\n[strategy.params]\n'
                   'edge = {start = 0, step = 0.0001, stop = 0.001}\n')
    a = _settings(cfg)["model"]["strategy_source"]
    import sys

    for name in [n for n in sys.modules if n.startswith("rayga_user_mine_")]:
        del sys.modules[name]  # a new process after the edit
    src.write_text(STRATEGY.replace("close above", "close over"))
    assert _settings(cfg)["model"]["strategy_source"] != a


@pytest.mark.slow
def test_an_older_run_folder_is_read_but_its_passes_are_not_rerun(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1", population=64)
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    settings = json.loads((folder / "settings.json").read_text())
    assert open_run(folder).model_change() is None
    settings["model"]["engine"] = versions.ENGINE - 1  # as an earlier rayga wrote it
    (folder / "settings.json").write_text(json.dumps(settings))
    capsys.readouterr()

    assert main(["results", str(folder), "--top", "3"]) == 0 and "Pass" in capsys.readouterr().out
    assert main(["status", str(out)]) == 0 and "finished" in capsys.readouterr().out
    assert main(["report", str(folder)]) == 0
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rayga: warning: {folder.name}: its passes come from engine version "
                          f"{versions.ENGINE - 1} (this rayga: {versions.ENGINE})") and "\n" not in err
    assert "no equity curves" in (folder / "report.html").read_text()
    run = open_run(folder)
    with pytest.raises(ConfigError, match=rf"^{folder.name}: its passes come from engine version .* cannot be "
                                          r"re-run as it was; run its config again"):
        run.backtest(run.best_pass)
