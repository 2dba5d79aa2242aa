"""Management genes from a config as a user writes it: named under [strategy.params], optimized like the
strategy's own inputs, their counters in the results; a bad value is one line from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from rayga.config import parse_config
from rayga.optimize import run_optimization

CONFIG = """[data]
source = "synthetic"
start = "2022-01-03"
end = "2022-03-01"
timeframe = "M15"

[strategy]
name = "ma_cross"

[strategy.params]
fast = 10
slow = 40
sl_points = 200
trail_points = {start = 0, step = 100, stop = 300}
window_start = 7
window_end = 20
risk_pct = 1
"""


def test_management_genes_named_in_the_config_are_optimized_and_counted():
    config = parse_config({
        "data": {"source": "synthetic", "start": "2022-01-03", "end": "2022-03-01", "timeframe": "M15"},
        "strategy": {"name": "ma_cross", "params": {"fast": 10, "slow": 40, "sl_points": 200,
                                                      "trail_points": {"start": 0, "step": 100, "stop": 300},
                                                      "window_start": 7, "window_end": 20, "risk_pct": 1}},
        "optimization": {"mode": "complete"}}, "test.toml")
    run = run_optimization(config, progress=False)
    table = run.results
    assert sorted(table["trail_points"]) == [0.0, 100.0, 200.0, 300.0]
    assert (table["window_start"] == 7).all() and (table["risk_pct"] == 1).all()
    assert (table["skipped_window"] > 0).all()  # entries outside 07:00-20:00 refused, and counted
    assert table["profit"].nunique() > 1  # the trailing distance changes the passes
    assert "trail_points" in run.best["params"]


def test_a_backtest_with_management_from_the_cli(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.replace("trail_points = {start = 0, step = 100, stop = 300}", "trail_points = 150"))
    proc = subprocess.run([sys.executable, "-m", "rayga", "backtest", str(cfg), "--json", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads(proc.stdout)["metrics"]
    assert metrics["total_trades"] > 0 and metrics["skipped_window"] > 0


def test_a_bad_management_value_is_one_line(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.replace("window_end = 20", "window_end = 30"))
    proc = subprocess.run([sys.executable, "-m", "rayga", "backtest", str(cfg)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "`window_end` must be a whole number from 0 to 24" in lines[0] and "window_end=30" in lines[0]
