"""Forward testing and walk-forward optimization end to end on a real local Ray, from the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.config import load_config
from rayga.data.load import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import backtest, evaluate
from rayga.sim.enums import METRICS
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross
from tests.tuning.helpers import canonical, reference, write_config

pytestmark = pytest.mark.slow


def folders(out, prefix: str = "ma_cross"):  # noqa: ANN001, ANN201
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith(prefix))


def test_forward_re_runs_the_best_quarter_on_the_forward_period(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-05-01")
    cfg.write_text(cfg.read_text() + 'forward = "1/4"\n')
    config = load_config(cfg)
    split = config.forward_split()
    assert split == "2022-04-02"
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    (run_dir,) = folders(out)
    results = pd.read_parquet(run_dir / "results.parquet")
    summary = json.loads((run_dir / "summary.json").read_text())
    chosen = results[results["forward_result"].notna()]
    n = len(results)
    assert len(chosen) == (n if n <= 256 else max(256, math.ceil(0.25 * n))) == summary["forward"]["passes"]
    assert set(chosen["pass"]) == set(results.nlargest(len(chosen), "result")["pass"])  # the best by Result
    # back figures are the optimization's (the back period), forward figures a fresh run from the split
    back = canonical(results)
    pd.testing.assert_frame_equal(back, reference(_back(cfg, split)), check_exact=True)
    md = load_market_data("synthetic", "EURUSD", split, "2022-05-01", "M30")
    genomes = chosen[list(MACross().param_names)].to_numpy()
    direct = evaluate(prepare(md, AccountConfig()), MACross(), genomes)
    for m in METRICS:
        np.testing.assert_array_equal(chosen[f"forward_{m}"].to_numpy(), direct[m].to_numpy())
    capsys.readouterr()
    assert main(["results", str(run_dir), "--forward", "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "Forward result" in text and "Back result" in text and "re-run on the forward period" in text
    assert 'id="chart-forward"' in (run_dir / "report.html").read_text()


def _back(cfg, split: str):  # noqa: ANN001, ANN202
    """The same config without a forward period, ending at the split: what the GA ran on."""
    path = cfg.with_name("back.toml")
    path.write_text(cfg.read_text().replace("end = 2022-05-01", f"end = {split}").replace('forward = "1/4"\n', ""))
    return path


def test_walk_forward_windows_equal_plain_runs_and_stitch_out_of_sample(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-06-01")
    cfg.write_text(cfg.read_text() + '[walkforward]\ntrain = "3M"\ntest = "1M"\n')
    out = tmp_path / "runs"
    assert main(["walkforward", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "walk-forward over 2 windows" in text and "walk-forward efficiency" in text
    (wf_dir,) = folders(out, "walkforward")
    windows = pd.read_parquet(wf_dir / "windows.parquet")
    equity = pd.read_parquet(wf_dir / "oos_equity.parquet")
    summary = json.loads((wf_dir / "summary.json").read_text())
    assert list(windows["train_end"]) == ["2022-04-03", "2022-05-03"]
    config = load_config(cfg)
    for w in windows.itertuples():
        # a window's GA over its dates cut from the shared data = a plain run over those dates alone
        plain = tmp_path / f"w{w.window}.toml"
        plain.write_text(cfg.read_text().replace("start = 2022-01-03", f"start = {w.train_start}")
                         .replace("end = 2022-06-01", f"end = {w.train_end}"))
        stored = pd.read_parquet(out / w.run / "results.parquet")
        pd.testing.assert_frame_equal(canonical(stored), reference(plain), check_exact=True)
        # its chosen pass on the test period = a backtest over those dates alone
        md = load_market_data("synthetic", "EURUSD", w.train_end, w.test_end, "M30")
        params = {p: getattr(w, p) for p in ("fast", "slow", "sl_points")}
        direct = backtest(md, MACross(), MACross().genome({**params, "tp_points": 600}), config.account)
        assert {m: getattr(w, f"oos_{m}") for m in METRICS if m != "complex_criterion"} == \
               {m: direct.metrics[m] for m in METRICS if m != "complex_criterion"}
    assert equity["equity"].iloc[-1] == pytest.approx(100_000 + windows["oos_profit"].sum(), abs=0.01)
    assert summary["wfe"] == pytest.approx(windows["oos_annual_return"].mean() / windows["is_annual_return"].mean())
    assert summary["oos_profit"] == pytest.approx(windows["oos_profit"].sum())
    assert (wf_dir / "report.html").is_file()
    # the same command again: every window answers from its store, same figures
    assert main(["walkforward", str(cfg), "--out", str(out), "--quiet"]) == 0
    again = json.loads((wf_dir / "summary.json").read_text())
    assert {k: again[k] for k in ("oos_profit", "wfe", "passes")} == {k: summary[k] for k in ("oos_profit", "wfe",
                                                                                               "passes")}
    from tests.reports.test_report_browser import check_page

    check_page(wf_dir / "report.html", ["oos-equity", "returns", "params"], None)


def test_walk_forward_refuses_a_forward_period(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-06-01")
    cfg.write_text(cfg.read_text() + 'forward = "1/2"\n')
    assert main(["walkforward", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "remove `forward`" in capsys.readouterr().err

