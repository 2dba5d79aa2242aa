"""The walk-forward report: one self-contained HTML file (plotly inlined) beside the windows table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from rayga.reports.html import _figure_html, _page, epoch_ms


def _equity_figure(equity: pd.DataFrame):  # noqa: ANN202
    import plotly.graph_objects as go

    fig = go.Figure()
    for w, part in equity.groupby("window"):
        fig.add_trace(go.Scattergl(x=epoch_ms(part["time"].dt.tz_convert(None)), y=part["equity"], mode="lines",
                                   name=f"window {w}"))
    fig.update_xaxes(type="date")
    fig.update_layout(title="Stitched out-of-sample equity (each window's chosen pass on its test period)",
                      yaxis_title="equity", height=480)
    return fig


def _returns_figure(windows: pd.DataFrame):  # noqa: ANN202
    import plotly.graph_objects as go

    x = [f"{w} ({s})" for w, s in zip(windows["window"], windows["train_end"], strict=True)]
    fig = go.Figure([go.Bar(x=x, y=windows["is_annual_return"] * 100, name="in sample"),
                     go.Bar(x=x, y=windows["oos_annual_return"] * 100, name="out of sample")])
    fig.update_layout(title="Annual return per window, in sample vs out of sample (%)", barmode="group",
                      xaxis_title="window (test start)", yaxis_title="% per year")
    return fig


def _params_figure(windows: pd.DataFrame, params: Sequence[str]):  # noqa: ANN202
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=len(params), cols=1, shared_xaxes=True, subplot_titles=list(params))
    for i, p in enumerate(params):
        fig.add_trace(go.Scatter(x=windows["window"], y=windows[p], mode="lines+markers", name=p, showlegend=False),
                      i + 1, 1)
    fig.update_xaxes(title_text="window", row=len(params), col=1)
    fig.update_layout(title="Chosen parameters per window", height=200 * len(params) + 120)
    return fig


def write_walkforward_report(wf, runs: Sequence[Path]) -> Path:  # noqa: ANN001 - a WalkForward
    from rayga.runs import write_atomic

    s, windows = wf.summary, wf.windows
    params = [c for c in windows.columns if c not in ("window", "train_start", "train_end", "test_end", "run", "pass",
                                                      "is_result", "pbo") and not c.startswith(("is_", "oos_"))]
    cols = {"window": "Window", "train_start": "Train from", "train_end": "Test from", "test_end": "Test to",
            "pass": "Pass", "is_result": "Result (IS)", "is_profit": "Profit (IS)", "oos_profit": "Profit (OOS)",
            "oos_total_trades": "Trades (OOS)", "oos_equity_dd_rel_pct": "Drawdown % (OOS)",
            "is_annual_return": "Annual return IS", "oos_annual_return": "Annual return OOS", "pbo": "PBO"}
    table = windows[list(cols) + params].rename(columns=cols)
    styled = table.style.hide(axis="index").format(precision=2, thousands=",", subset=table.select_dtypes("number")
                                                   .columns.difference(["Window", "Trades (OOS)"]))
    links = "".join(f'<li><a href="../{p.name}/report.html">{p.name}</a></li>' for p in runs)
    sections = [("windows", "Windows", f'<div class="scroll">{styled.set_table_attributes("class=results").to_html()}'
                                       f"</div><p>Each window's own run and report:</p><ul>{links}</ul>"),
                ("oos-equity", "Out-of-sample equity", _figure_html(_equity_figure(wf.equity), "chart-oos-equity", True)),
                ("returns", "In sample vs out of sample", _figure_html(_returns_figure(windows), "chart-returns", False))]
    if params:
        sections.append(("params", "Parameters per window", _figure_html(_params_figure(windows, params),
                                                                         "chart-params", False)))
    wfe = "n/a (in-sample returns not positive)" if s["wfe"] is None else f"{s['wfe']:.2f}"
    facts = {"data": s["data"], "windows": f"{s['windows']} ({'anchored' if s['anchored'] else 'rolling'}, train "
             f"{s['train']}, test {s['test']})", "criterion": s["criterion"], "passes": f"{s['passes']:,}",
             "out-of-sample profit": f"{s['oos_profit']:,.2f} in {s['oos_trades']:,} trades",
             "out-of-sample annual return": f"{s['oos_annual_return'] * 100:.2f} %",
             "walk-forward efficiency": wfe,
             "median PBO of the windows": "n/a" if s["median_pbo"] is None else f"{s['median_pbo']:.2f}",
             "wall time": f"{s['wall_s']:.1f} s"}
    page = _page("rayga walk-forward report", facts, sections, [])
    out = wf.path / "report.html"
    write_atomic(out, lambda p: p.write_text(page, encoding="utf-8"))
    return out
