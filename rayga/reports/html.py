"""`rayga report`: one self-contained HTML file per run (plotly charts, works offline).

Sections: the run and its best pass; the results table in MT5's columns (Complex Criterion cells
coloured as MT5 colours them); GA convergence (best and median Result per generation); the Result
over any two parameters (heatmap, a menu picks the pair); the Result against each parameter; the
equity and drawdown curves of the best pass and of passes the user picks; the Pareto front of a
multi-objective run.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.reports.run import Run, equity_frame
from rayga.reports.table import forward_view, mt5_table, sharpe_reading
from rayga.sim.enums import METRICS

REPORT = "report.html"
TABLE_ROWS = 100      # rows of the results table in the report (the whole table: rayga results --csv)
SCATTER_POINTS = 20_000  # passes drawn per scatter (a sample beyond that, the best always kept)
MAX_PAIRS = 15        # heatmaps offered in the pair menu
CURVE_BUCKETS = 6_000  # a curve longer than twice this keeps each bucket's low and high (see `envelope`)
# MT5 colours a Complex Criterion cell from red (< 20) to dark green (> 80).
CC_BANDS = ((20, "#e74c3c"), (40, "#f39c12"), (60, "#f1c40f"), (80, "#7dcea0"), (np.inf, "#1e8449"))


def epoch_ms(index: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Times as float milliseconds since 1970 (plotly draws them on a date axis and ships them as compact
    binary arrays, where timestamps would be text: a 4-year equity curve stays a few MB)."""
    values = index.to_numpy() if isinstance(index, pd.Series) else np.asarray(index)
    return values.astype("datetime64[ns]").astype(np.int64) / 1e6


def envelope(n: int, columns: Sequence[np.ndarray], buckets: int = CURVE_BUCKETS) -> np.ndarray:
    """Row numbers that keep a long curve's shape: in each of `buckets` equal runs of rows, the rows of
    the lowest and highest value of each column (all rows when there are few)."""
    if n <= 2 * buckets:
        return np.arange(n)
    width = -(-n // buckets)
    keep = [np.array([0, n - 1])]
    for col in columns:
        padded = np.pad(np.asarray(col, dtype=np.float64), (0, width * buckets - n), mode="edge").reshape(buckets, width)
        base = np.arange(buckets) * width
        keep += [np.minimum(base + padded.argmin(axis=1), n - 1), np.minimum(base + padded.argmax(axis=1), n - 1)]
    return np.unique(np.concatenate(keep))


def cc_colour(value: float) -> str:
    return next(colour for limit, colour in CC_BANDS if value < limit)


def _figure_html(fig, div_id: str, first: bool) -> str:  # noqa: ANN001 - plotly Figure
    import plotly.io as pio

    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return pio.to_html(fig, include_plotlyjs=bool(first), full_html=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _sample(results: pd.DataFrame, metric: str, maximize: bool, n: int = SCATTER_POINTS) -> pd.DataFrame:
    if len(results) <= n:
        return results
    best = results.nlargest(n // 10, metric) if maximize else results.nsmallest(n // 10, metric)
    rest = results.drop(best.index).sample(n - len(best), random_state=0)
    return pd.concat([best, rest])


def convergence_figure(results: pd.DataFrame, maximize: bool):  # noqa: ANN201
    import plotly.graph_objects as go

    g = results.groupby("generation")["result"]
    per_gen = pd.DataFrame({"best": g.max() if maximize else g.min(), "median": g.median(), "passes": g.size()})
    so_far = per_gen["best"].cummax() if maximize else per_gen["best"].cummin()
    fig = go.Figure([
        go.Scatter(x=per_gen.index, y=so_far, name="best so far", mode="lines", line={"width": 3}),
        go.Scatter(x=per_gen.index, y=per_gen["best"], name="best of the generation", mode="lines+markers"),
        go.Scatter(x=per_gen.index, y=per_gen["median"], name="median of the generation", mode="lines+markers"),
    ])
    fig.update_layout(title="GA convergence: Result per generation", xaxis_title="generation", yaxis_title="Result")
    return fig


def heatmap_figure(results: pd.DataFrame, params: Sequence[str], maximize: bool):  # noqa: ANN201
    """Best Result in each cell of every pair of parameters; a menu picks the pair."""
    import plotly.graph_objects as go

    pairs = list(itertools.combinations(params, 2))[:MAX_PAIRS]
    fig = go.Figure()
    for i, (a, b) in enumerate(pairs):
        grid = results.pivot_table(index=b, columns=a, values="result", aggfunc="max" if maximize else "min")
        fig.add_trace(go.Heatmap(x=grid.columns, y=grid.index, z=grid.to_numpy(), colorscale="RdYlGn",
                                 reversescale=not maximize, visible=i == 0, name=f"{a} x {b}",
                                 colorbar={"title": "Result"},
                                 hovertemplate=f"{a}=%{{x}}<br>{b}=%{{y}}<br>Result=%{{z:.4f}}<extra></extra>"))
    buttons = [{"label": f"{a} x {b}", "method": "update",
                "args": [{"visible": [j == i for j in range(len(pairs))]},
                         {"xaxis.title.text": a, "yaxis.title.text": b}]} for i, (a, b) in enumerate(pairs)]
    a, b = pairs[0]
    fig.update_layout(title="Result over two parameters (best pass of each cell; pick the pair)",
                      xaxis_title=a, yaxis_title=b,
                      updatemenus=[{"buttons": buttons, "x": 1.0, "y": 1.15, "xanchor": "right"}] if len(pairs) > 1 else [])
    return fig


def params_figure(results: pd.DataFrame, params: Sequence[str], maximize: bool):  # noqa: ANN201
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = min(len(params), 2)
    rows = -(-len(params) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(params))
    shown = _sample(results, "result", maximize)
    for i, name in enumerate(params):
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(go.Scattergl(x=shown[name], y=shown["result"], mode="markers", showlegend=False,
                                   marker={"size": 4, "opacity": 0.35, "color": "#2e86c1"}, name=name), r, c)
        env = results.groupby(name)["result"].max() if maximize else results.groupby(name)["result"].min()
        fig.add_trace(go.Scatter(x=env.index, y=env.to_numpy(), mode="lines", showlegend=False,
                                 line={"color": "#1e8449"}, name=f"best per {name}"), r, c)
        fig.update_xaxes(title_text=name, row=r, col=c)
        fig.update_yaxes(title_text="Result", row=r, col=c)
    fig.update_layout(title="Result against each parameter (line: best per value)", height=320 * rows)
    return fig


def equity_figure(curves: dict[str, pd.DataFrame]):  # noqa: ANN201
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06,
                        subplot_titles=["equity and balance", "equity drawdown %"])
    for label, frame in curves.items():
        frame = frame.iloc[envelope(len(frame), [frame["equity"], frame["balance"], frame["drawdown_pct"]])]
        x = epoch_ms(frame.index.tz_convert(None))
        fig.add_trace(go.Scattergl(x=x, y=frame["equity"], name=f"{label} equity", mode="lines"), 1, 1)
        fig.add_trace(go.Scattergl(x=x, y=frame["balance"], name=f"{label} balance", mode="lines",
                                   line={"dash": "dot", "width": 1}), 1, 1)
        fig.add_trace(go.Scattergl(x=x, y=-frame["drawdown_pct"], name=f"{label} drawdown %",
                                   mode="lines", fill="tozeroy"), 2, 1)
    fig.update_xaxes(type="date")
    fig.update_layout(title="Equity (at each bar's close) and drawdown", height=620)
    return fig


def pareto_figure(results: pd.DataFrame, summary: dict):  # noqa: ANN201
    import plotly.graph_objects as go

    (da, a), (db, b) = (o.split() for o in summary["objectives"][:2])
    front = pd.DataFrame([{"pass": p["pass"], a: p["objectives"][a], b: p["objectives"][b]}
                          for p in summary["pareto_front"]]).sort_values(a)
    shown = _sample(results, a, da == "max")
    fig = go.Figure([
        go.Scattergl(x=shown[a], y=shown[b], mode="markers", name="passes",
                     marker={"size": 4, "opacity": 0.3, "color": "#95a5a6"}),
        go.Scatter(x=front[a], y=front[b], mode="lines+markers", name="Pareto front", text=front["pass"],
                   marker={"size": 8, "color": "#c0392b"}, hovertemplate="pass %{text}<extra></extra>"),
    ])
    fig.update_layout(title=f"Pareto front: {da} {a} vs {db} {b}", xaxis_title=a, yaxis_title=b)
    return fig


def forward_figure(view: pd.DataFrame, name: str):  # noqa: ANN201
    """Back Result against forward Result of every pass re-run on the forward period."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Scattergl(x=view["back_result"], y=view["result"], mode="markers", text=view["pass"].astype(str),
                                  marker={"size": 6, "opacity": 0.6, "color": "#2e86c1"}, name="passes",
                                  hovertemplate="pass %{text}<br>back %{x:.4f}<br>forward %{y:.4f}<extra></extra>")])
    fig.update_layout(title=f"Back vs forward {name} of the {len(view):,} passes re-run on the forward period",
                      xaxis_title="back Result", yaxis_title="forward Result")
    return fig


def table_html(table: pd.DataFrame) -> str:
    styler = table.style.hide(axis="index").format(precision=2, thousands=",", subset=table.select_dtypes("number")
                                                    .columns.difference(["Pass", "Total trades"]))
    styler = styler.map(lambda v: f"background-color: {cc_colour(v)}; color: {'white' if v >= 80 or v < 20 else 'black'}",
                        subset=["Complex criterion"])
    return styler.set_table_attributes('class="results"').to_html()


def overfitting_lines(block: dict) -> list[str]:
    """The overfitting statistics in plain words (report and terminal)."""
    d = block["deflated_sharpe"]
    lines = [f"deflated Sharpe ratio of pass {d['pass']}: {d['deflated_sharpe_annual']:.2f} (Sharpe "
             f"{d['sharpe_annual']:.2f} minus {d['expected_max_sharpe_annual']:.2f}, what the best of "
             f"{d['trials']:,} skill-less passes would show by luck); probability of a real edge {d['probability']:.2f}"]
    p = block.get("pbo")
    if p:
        lines.append(f"probability of backtest overfitting: {p['pbo']:.2f} (the top {p['passes']} passes, "
                     f"{p['splits']:,} in/out-of-sample splits of {p['observations']:,} daily returns in "
                     f"{p['blocks']} blocks; above 0.5 the in-sample best is usually below median out of sample)")
    plateau = block["plateau"]["passes"]
    if plateau:
        top = plateau[0]
        lines.append(f"broadest plateau: pass {top['pass']} ({top['value']:.2f}; {top['plateau']:.2f} averaged "
                     f"with its {top['neighbours']} grid neighbours)")
    return lines


def overfitting_html(block: dict) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in overfitting_lines(block))
    plateau = pd.DataFrame(block["plateau"]["passes"])[["pass", "value", "plateau", "neighbours"]]
    plateau.columns = ["Pass", "Result", "Plateau (mean with neighbours)", "Neighbours"]
    table = plateau.style.hide(axis="index").format(precision=2).set_table_attributes('class="results"').to_html()
    return (f"<ul>{items}</ul><p>The best passes by Result, ranked by their plateau (every grid point within "
            f"one step on each parameter):</p>{table}")


_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table.results { border-collapse: collapse; font-size: 12px; }
table.results th, table.results td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
table.results th { background: #f4f6f7; position: sticky; top: 0; }
.scroll { max-height: 480px; overflow: auto; display: inline-block; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.facts dt { font-weight: 600; } .warning { color: #b03a2e; }
"""


def _page(title: str, facts: dict[str, str], sections: list[tuple[str, str, str]], warnings: Sequence[str]) -> str:
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts.items())
    warn = "".join(f'<p class="warning">warning: {html.escape(w)}</p>' for w in warnings)
    body = "".join(f'<section id="{sid}"><h2>{html.escape(head)}</h2>{content}</section>'
                   for sid, head, content in sections)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{warn}"
            f'<dl class="facts">{items}</dl>{body}</body></html>')


def _facts(metrics: dict[str, float]) -> dict[str, str]:
    sharpe = metrics["sharpe_ratio"]
    return {"profit": f"{metrics['profit']:,.2f}", "total trades": f"{metrics['total_trades']:,.0f}",
            "profit factor": f"{metrics['profit_factor']:.2f}", "drawdown %": f"{metrics['equity_dd_rel_pct']:.2f}",
            "recovery factor": f"{metrics['recovery_factor']:.2f}",
            "Sharpe ratio": f"{sharpe:.2f} ({sharpe_reading(sharpe)})",
            "complex criterion": f"{metrics['complex_criterion']:.2f}"}


def write_run_report(run: Run, passes: Sequence[str] = (), out: Path | None = None) -> Path:
    """The run's report (default: RUN_DIR/report.html); `passes` adds their equity curves to the best's."""
    from rayga.runs import write_atomic

    name, metric, maximize = run.criterion
    results = run.results
    params = run.params
    best = run.best_pass
    chosen = [best, *[str(p) for p in passes if str(p) != best]]
    for p in chosen:
        run.row(p)  # an unknown pass fails before any work
    curves = {}
    md, data = run.market()
    change = run.model_change()  # an older run: its stored results, without re-run equity curves
    for p in chosen if change is None else ():
        curves[f"pass {p}"] = equity_frame(data, run.backtest(p))
    table = mt5_table(results.sort_values("result", ascending=not maximize, kind="stable").head(TABLE_ROWS), params)
    figures = [("convergence", "GA convergence", convergence_figure(results, maximize))]
    if len(params) >= 2:
        figures.append(("heatmap", "Result over two parameters", heatmap_figure(results, params, maximize)))
    figures.append(("parameters", "Result against each parameter", params_figure(results, params, maximize)))
    if curves:
        figures.append(("equity", "Equity and drawdown", equity_figure(curves)))
    summary = run.summary or {}
    forward = None
    if "forward_result" in results.columns:
        forward = forward_view(results)
        figures.append(("forward", "Forward results", forward_figure(forward, name)))
    if summary.get("pareto_front") and len(summary.get("objectives", [])) >= 2:
        figures.append(("pareto", "Pareto front", pareto_figure(results, summary)))
    sections = [("results", f"Results: the best {len(table)} of {len(results):,} passes by {name}",
                 f'<div class="scroll">{table_html(table)}</div>')]
    sections += [(sid, head, _figure_html(fig, f"chart-{sid}", i == 0)) for i, (sid, head, fig) in enumerate(figures)]
    if forward is not None:
        ftable = mt5_table(forward.sort_values("result", ascending=not maximize, kind="stable").head(TABLE_ROWS),
                           params)
        fwd = summary.get("forward", {})
        head = (f"Forward results: the {len(forward):,} best passes re-run from {fwd.get('split', '?')} "
                f"(best {len(ftable)} by forward {name})")
        at = next(i for i, sec in enumerate(sections) if sec[0] == "forward")
        sections[at] = ("forward", head, f'<div class="scroll">{table_html(ftable)}</div>' + sections[at][2])
    if summary.get("overfitting"):
        sections.insert(1, ("overfitting", "Overfitting", overfitting_html(summary["overfitting"])))
    row = run.row(best)
    facts = {"run": run.path.name, "data": md.label, "strategy": run.settings["strategy"],
             "mode": run.settings["optimization"]["mode"], "criterion": name, "passes": f"{len(results):,}",
             "best pass": f"{best}: " + ", ".join(f"{k}={float(row[k]):g}" for k in params),
             **_facts({m: float(row[m]) for m in METRICS})}
    if summary.get("wall_s") is not None:
        facts["wall time"] = f"{summary['wall_s']:.1f} s"
    page = _page(f"rayga optimization report: {run.settings['strategy']} on {md.symbol.name} {md.timeframe}",
                 facts, sections, [*summary.get("warnings", []), *([f"no equity curves: the passes come from {change}; "
                                                                     f"run the config again to see them"]
                                                                    if change else [])])
    out = Path(out) if out else run.path / REPORT
    write_atomic(out, lambda p: p.write_text(page, encoding="utf-8"))
    return out


def trades_figure(md, data, result):  # noqa: ANN001, ANN201
    """Timeframe closes with every deal marked (buys up, sells down; entries filled, exits hollow)."""
    import plotly.graph_objects as go

    rows = envelope(len(data.m1_start), [data.tf_close])
    fig = go.Figure([go.Scattergl(x=data.m1_time[data.m1_start][rows] / 1e6, y=data.tf_close[rows], mode="lines", name="close (Bid)",
                                  line={"color": "#566573", "width": 1})])
    d = result.deals
    for typ, entry, symbol, colour in (("buy", "in", "triangle-up", "#1e8449"), ("sell", "in", "triangle-down", "#c0392b"),
                                       ("buy", "out", "triangle-up-open", "#1e8449"),
                                       ("sell", "out", "triangle-down-open", "#c0392b")):
        part = d[(d["type"] == typ) & (d["entry"] == entry)]
        fig.add_trace(go.Scattergl(x=epoch_ms(part["time"].dt.tz_convert(None)), y=part["price"], mode="markers", name=f"{typ} {entry}",
                                   marker={"symbol": symbol, "size": 8, "color": colour},
                                   text=part["reason"], hovertemplate="%{x}<br>%{y}<br>%{text}<extra></extra>"))
    fig.update_xaxes(type="date")
    fig.update_layout(title=f"{md.symbol.name} {md.timeframe} closes and the pass's deals", height=520,
                      yaxis_title="price")
    return fig


def write_pass_report(md, data, result, title: str, facts: dict[str, str], out: Path,  # noqa: ANN001
                      warnings: Sequence[str] = ()) -> Path:
    """One pass: its figures, equity and drawdown, and its deals on the price chart."""
    from rayga.runs import write_atomic

    curve = equity_frame(data, result)
    sections = [("equity", "Equity and drawdown", _figure_html(equity_figure({"pass": curve}), "chart-equity", True)),
                ("trades", "Deals on the price chart", _figure_html(trades_figure(md, data, result), "chart-trades", False))]
    page = _page(title, {**facts, **_facts(result.metrics)}, sections, warnings)
    write_atomic(out, lambda p: p.write_text(page, encoding="utf-8"))
    return out
