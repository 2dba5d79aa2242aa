"""The reports end to end, as a user makes them (rayga optimize, report, results, backtest), opened in a real
headless Chromium: no JavaScript error, the table filled, every chart drawn (not blank).

Chromium is Debian's `chromium` package (`.ci/run` installs it); outside CI the browser checks skip with a
reason when it is missing."""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.reports.html import TABLE_ROWS, cc_colour
from rayga.reports.run import open_run
from rayga.sim.enums import METRICS
from tests.tuning.helpers import write_config

pytestmark = pytest.mark.slow


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "no chromium on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory):  # noqa: ANN201
    tmp = tmp_path_factory.mktemp("reports")
    cfg = write_config(tmp, end="2022-04-01")
    out = tmp / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    assert main(["backtest", str(cfg), "--out", str(tmp / "bt")]) == 0
    return cfg, run_dir, tmp


def test_optimize_writes_the_report_and_results_prints_filters_and_exports(made, capsys):
    cfg, run_dir, tmp = made
    assert (run_dir / "report.html").stat().st_size > 1_000_000  # plotly inlined: works offline
    assert not re.search(r"<script[^>]*\ssrc=", (run_dir / "report.html").read_text())  # nothing fetched
    capsys.readouterr()
    csv = tmp / "top.csv"
    assert main(["results", str(run_dir), "--top", "5", "--sort", "profit", "--filter", "no-trades",
                 "--filter", "total_trades >= 10", "--csv", str(csv)]) == 0
    text = capsys.readouterr().out
    assert "Pass" in text and "Complex criterion" in text and "Sharpe reading" in text
    table = pd.read_csv(csv)
    results = pd.read_parquet(run_dir / "results.parquet")
    assert len(table) == 5 and (table["Total trades"] >= 10).all()
    assert list(table["Profit"]) == sorted(results.loc[results.total_trades >= 10, "profit"], reverse=True)[:5]
    assert main(["results", str(run_dir), "--sort", "proffit"]) == 2
    assert 'did you mean "Profit"' in capsys.readouterr().err


def test_a_pass_re_runs_to_its_stored_figures_and_gives_a_vectorbt_portfolio(made):
    _, run_dir, _ = made
    run = open_run(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert run.best_pass == str(summary["best"]["pass"])
    stored = run.row(run.best_pass)
    again = run.backtest(run.best_pass).metrics
    assert {m: again[m] for m in METRICS if m != "complex_criterion"} == \
           {m: float(stored[m]) for m in METRICS if m != "complex_criterion"}
    pf = run.portfolio()
    assert pf.trades.count() == stored["total_trades"]
    assert pf.total_profit() == pytest.approx(stored["profit"], abs=0.005 * stored["total_trades"] + 1e-6)


def test_summary_holds_the_overfitting_statistics(made):
    _, run_dir, _ = made
    summary = json.loads((run_dir / "summary.json").read_text())
    o = summary["overfitting"]
    best = summary["best"]
    d = o["deflated_sharpe"]
    assert d["pass"] == str(best["pass"]) and d["trials"] == summary["passes"] == o["passes_tried"]
    # the best pass's per-bar returns, re-derived from its equity curve, give the kernel's own Sharpe ratio
    assert d["sharpe_annual"] == pytest.approx(best["metrics"]["sharpe_ratio"], rel=1e-9)
    assert d["expected_max_sharpe_annual"] > 0 and 0 <= d["probability"] <= 1
    assert 0 <= o["pbo"]["pbo"] <= 1 and o["pbo"]["passes"] == min(50, summary["passes"])
    plateau = o["plateau"]["passes"]
    assert len(plateau) == 10 and all(p["neighbours"] >= 3 for p in plateau)
    assert [p["plateau"] for p in plateau] == sorted((p["plateau"] for p in plateau), reverse=True)
    assert 'id="overfitting"' in (run_dir / "report.html").read_text()


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def check_page(path, charts: list[str], rows: int | None) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("console", lambda m: errors.append(f"console {m.text}") if m.type == "error" else None)
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(path.as_uri())
            page.wait_for_function("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                   ".every(gd => gd._fullLayout && gd.querySelector('.main-svg'))", timeout=60_000)
            page.wait_for_timeout(500)
            ids = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.id)")
            assert ids == [f"chart-{c}" for c in charts]
            points = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(gd => gd._fullData.map("
                                               "t => (t.z || t.y || []).length))")
            for chart, counts in zip(charts, points, strict=True):
                assert counts and max(counts) > 0, f"{chart}: no data drawn"
            for chart in charts:  # the drawn data, not just axes: hiding every trace must change many pixels
                chart_el = page.locator(f"#chart-{chart}")
                shown = _pixels(chart_el.screenshot())
                page.evaluate(f"Plotly.restyle('chart-{chart}', {{visible: false}})")
                page.wait_for_timeout(300)
                hidden = _pixels(chart_el.screenshot())
                changed = (np.abs(shown - hidden).max(axis=2) > 30).mean() if shown.shape == hidden.shape else 1.0
                assert changed > 0.005, f"{chart}: its data drew nothing ({changed:.2%} of pixels)"
            if rows is not None:
                assert page.locator("#results table.results tbody tr").count() == rows
                cells = page.evaluate("""() => {
                    const t = document.querySelector('#results table.results');
                    const i = Array.from(t.querySelectorAll('thead th')).findIndex(th => th.textContent.trim()
                                                                                    === 'Complex criterion');
                    return Array.from(t.querySelectorAll('tbody tr')).map(tr => {
                        const td = tr.children[i];
                        return [td.textContent.trim(), getComputedStyle(td).backgroundColor]; });
                }""")
                for text, colour in cells:  # MT5's colours: red below 20 ... dark green above 80
                    want = cc_colour(float(text.replace(",", "")))
                    rgb = tuple(int(want[k:k + 2], 16) for k in (1, 3, 5))
                    assert colour == f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})", (text, colour)
        finally:
            browser.close()
    assert not errors, errors


def test_run_report_renders_in_chromium(made):
    _, run_dir, tmp = made
    results = pd.read_parquet(run_dir / "results.parquet")
    other = str(results["pass"].iloc[0])
    out = tmp / "with-pass.html"
    assert main(["report", str(run_dir), "--pass", other, "--out", str(out)]) == 0
    check_page(out, ["convergence", "heatmap", "parameters", "equity"], min(TABLE_ROWS, len(results)))


def test_backtest_report_renders_in_chromium(made):
    _, _, tmp = made
    check_page(tmp / "bt" / "report.html", ["equity", "trades"], None)


def test_the_guard_counters_show_in_the_reports_table_in_chromium(tmp_path):
    """A run with management genes (an entry window, a max spread, a cooldown): its report's MT5 table has
    the refusals' columns after the parameters, each cell the pass's count in results.parquet."""
    from playwright.sync_api import sync_playwright

    cfg = tmp_path / "managed.toml"
    cfg.write_text("\n".join([
        "[data]", 'source = "synthetic"', "start = 2022-01-03", "end = 2022-03-01", 'timeframe = "M15"',
        "[strategy]", 'name = "ma_cross"', "[strategy.params]", "fast = {start = 4, step = 4, stop = 16}",
        "slow = {start = 30, step = 15, stop = 60}", "sl_points = 200", "window_start = 7", "window_end = 20",
        "cooldown_bars = {start = 0, step = 4, stop = 8}", "[optimization]", 'mode = "complete"', ""]))
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    results = pd.read_parquet(run_dir / "results.parquet").set_index("pass")
    assert (results["skipped_window"] > 0).all() and (results["skipped_cooldown"] > 0).any()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.goto((run_dir / "report.html").as_uri())
            page.wait_for_selector("#results table.results tbody tr")
            table = page.evaluate("""() => {
                const t = document.querySelector('#results table.results');
                return {head: Array.from(t.querySelectorAll('thead th')).map(th => th.textContent.trim()),
                        rows: Array.from(t.querySelectorAll('tbody tr')).map(
                            tr => Array.from(tr.children).map(td => td.textContent.trim()))};
            }""")
        finally:
            browser.close()
    assert not errors, errors
    head = table["head"]
    assert head.index("Skipped: window") > head.index("cooldown_bars")  # after the parameters
    assert "Skipped: cooldown" in head and "Skipped: spread" not in head  # shown where some pass has one
    assert len(table["rows"]) == min(TABLE_ROWS, len(results))
    for row in table["rows"]:
        cells = dict(zip(head, row, strict=True))
        stored = results.loc[int(cells["Pass"])]
        assert float(cells["Skipped: window"].replace(",", "")) == stored["skipped_window"]
        assert float(cells["Skipped: cooldown"].replace(",", "")) == stored["skipped_cooldown"]
