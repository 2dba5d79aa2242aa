"""`rayga optimize` end to end on a real local Ray, as a user types it: the same passes and values as the
Ray-free engine, the MT5 table, a finished run answered from its store, and the same results for any
number of workers and batch sizes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rayga.cli import main
from rayga.config import load_config
from rayga.tuning.driver import RunOptions, optimize
from tests.tuning.helpers import canonical, reference, write_config

pytestmark = pytest.mark.slow


def run_dir(out):  # noqa: ANN001, ANN201
    (path,) = [p for p in out.iterdir() if p.is_dir()]
    return path


def test_cli_run_equals_the_local_engine_then_answers_from_its_store(tmp_path, capsys):
    cfg = write_config(tmp_path)
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC" in text and "Tune:" in text and "ms per generation" in text
    assert any(line.split()[:2] == ["Pass", "Result"] for line in text.splitlines())  # MT5's table
    folder = run_dir(out)
    results = pd.read_parquet(folder / "results.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    columns = {"pass", "generation", "fast", "slow", "sl_points", "tp_points", "result", "complex_criterion"}
    assert columns <= set(results)
    assert results["pass"].is_unique and summary["passes"] == len(results)
    pd.testing.assert_frame_equal(canonical(results), reference(cfg), check_exact=True)
    assert summary["best"]["result"] == results["result"].max()
    assert summary["tune_overhead"]["batches"] >= 15 and summary["tune_overhead"]["per_batch_ms"] > 0
    from rayga.reports.setfile import read_set

    best_set = read_set(folder / "best.set").params()  # the best pass as an MT5 .set file
    assert {k: (v["value"] if isinstance(v, dict) else v) for k, v in best_set.items()} == summary["best"]["params"]
    assert best_set["fast"]["start"] == 4 and best_set["fast"]["step"] == 2 and best_set["fast"]["stop"] == 30

    assert main(["optimize", str(cfg), "--out", str(out), "--quiet"]) == 0  # finished: no Ray, same answer
    again = capsys.readouterr().out
    assert "finished earlier" in again and str(summary["best"]["pass"]) in again


@pytest.fixture(scope="module")
def ray_up():
    """One local Ray for the tests below (the first test starts and stops its own, as the CLI does)."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, namespace="rayga", logging_level="ERROR",
             log_to_driver=False)
    yield
    ray.shutdown()


def test_same_results_whatever_workers_and_batch_sizes(tmp_path, ray_up):
    cfg = write_config(tmp_path, seed=11)
    config = load_config(cfg)
    a = optimize(config, RunOptions(workers=1, out=tmp_path / "a", progress=False), announce=lambda s: None)
    b = optimize(config, RunOptions(workers=2, out=tmp_path / "b", progress=False, max_batch=13),
                 announce=lambda s: None)
    pd.testing.assert_frame_equal(a.results, b.results, check_exact=True)
    assert a.summary["best"] == b.summary["best"]
    assert b.summary["tune_overhead"]["batches"] > a.summary["tune_overhead"]["batches"]


def test_settings_change_starts_a_new_run_and_says_so(tmp_path, capsys, ray_up):
    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1")
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--quiet", "--workers", "2"]) == 0
    assert main(["optimize", str(cfg), "--out", str(out), "--quiet", "--workers", "2", "--set", "account.lots=2"]) == 0
    text = capsys.readouterr().out
    assert "settings changed since run" in text and "account.lots" in text
    assert len([p for p in out.iterdir() if p.is_dir()]) == 2


def test_unwritable_out_is_one_line_before_ray_starts(tmp_path, capsys):
    cfg = write_config(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["optimize", str(cfg), "--out", str(blocker / "runs"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot create" in err and "--out" in err


def test_a_lots_sweep_runs_concurrently_with_one_folder_and_table_each(tmp_path, capsys, ray_up):
    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1")
    cfg.write_text(cfg.read_text().replace("[strategy]", "[account]\nlots = [1, 2, 100]\n[strategy]"))
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "== lots=1\n" in text and "== lots=2\n" in text and "== lots=100\n" in text
    assert "warning: best pass: " in text and "lack of free margin" in text  # 100 lots need ~110,000 USD margin
    folders = {json.loads((p / "settings.json").read_text())["account"]["lots"]: p for p in out.iterdir() if p.is_dir()}
    one, two = (pd.read_parquet(folders[lots] / "results.parquet").set_index("pass") for lots in (1, 2))
    common = one.index.intersection(two.index)
    assert len(common) > 50
    # the same trades at twice the size: twice the profit (each study's own account reaches the evaluators)
    pd.testing.assert_series_equal(two.loc[common, "profit"], 2 * one.loc[common, "profit"], rtol=1e-9)
    hundred = pd.read_parquet(folders[100] / "results.parquet")
    assert (hundred["no_money"] > 0).all() and (hundred["total_trades"] == 0).all()


def test_plain_tune_example_runs(tmp_path):
    """examples/tune_api.py as a user runs it (its own Ray, shut down by the example; by PID if it fails)."""
    import subprocess
    import sys
    from pathlib import Path

    import psutil

    example = Path(__file__).resolve().parents[2] / "examples" / "tune_api.py"
    proc = subprocess.Popen([sys.executable, str(example)], cwd=tmp_path, stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.STDOUT)
    children: list = []
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            children = psutil.Process(proc.pid).children(recursive=True)
            proc.kill()
        for p in children:
            p.kill()
    assert proc.returncode == 0, out[-2000:]
    assert "generations as Tune trials" in out and "best complex" in out


def test_multi_objective_run_reports_the_pareto_front_of_its_passes(tmp_path, capsys, ray_up):
    from rayga.ga.nsga2 import pareto_mask

    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1")
    cfg.write_text(cfg.read_text() + 'objectives = ["max profit", "min equity_dd_rel_pct", "max total_trades"]\n')
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "NSGA-II over max profit, min equity_dd_rel_pct, max total_trades" in text and "Pareto front" in text
    folder = run_dir(out)
    results = pd.read_parquet(folder / "results.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    signed = results[["profit", "equity_dd_rel_pct", "total_trades"]].to_numpy() * [1, -1, 1]
    expected = set(results["pass"][pareto_mask(signed)])
    assert {p["pass"] for p in summary["pareto_front"]} == expected and len(expected) >= 3
    assert summary["best"]["result"] == results.loc[results["pass"].isin(expected), "profit"].max()
    assert main(["status", str(folder)]) == 0 and "best max profit so far" in capsys.readouterr().out
    report = folder / "report.html"
    assert 'id="chart-pareto"' in report.read_text()
    from tests.reports.test_report_browser import check_page

    check_page(report, ["convergence", "heatmap", "parameters", "equity", "pareto"], min(100, len(results)))
