"""The optimization results table in MT5's columns and vocabulary: its filters, sorting and export."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.errors import ConfigError

# Metric column -> MT5's heading, in the order of MT5's optimization results table.
HEADINGS = {
    "pass": "Pass", "result": "Result", "profit": "Profit", "total_trades": "Total trades",
    "profit_factor": "Profit factor", "expected_payoff": "Expected payoff", "equity_dd_rel_pct": "Drawdown %",
    "recovery_factor": "Recovery factor", "sharpe_ratio": "Sharpe ratio", "complex_criterion": "Complex criterion",
}

# What the entry guards and sizing refused (`rayga.sim.manage`), next to MT5's "no money": columns shown after the
# parameters when some pass has one.
REFUSALS = {
    "no_money": "No money", "skipped_window": "Skipped: window", "skipped_spread": "Skipped: spread",
    "skipped_day_trades": "Skipped: trades per day", "skipped_cooldown": "Skipped: cooldown",
    "skipped_min_lot": "Skipped: minimum lot", "skipped_daily_limit": "Skipped: daily limit",
    "skipped_kill_switch": "Skipped: kill switch", "skipped_losing_streak": "Skipped: losing streak",
}

# MT5's result filters (the optimization results table's context menu): each removes these passes.
FILTERS = {
    "no-trades": ("passes without trades", lambda t: t["total_trades"] <= 0),
    "loss": ("loss-making passes", lambda t: t["profit"] < 0),
    "dd50": ("drawdown above 50 %", lambda t: t["equity_dd_rel_pct"] > 50),
    "rf1": ("recovery factor below 1", lambda t: t["recovery_factor"] < 1),
    "sharpe05": ("Sharpe ratio below 0.5", lambda t: t["sharpe_ratio"] < 0.5),
}


def sharpe_reading(value: float) -> str:
    """MT5's reading of a Sharpe ratio: < 0 bad, 0..1 indefinite, >= 1 good, >= 3 very good."""
    if value < 0:
        return "bad"
    if value < 1:
        return "indefinite"
    return "very good" if value >= 3 else "good"


def mt5_table(results: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """MT5's columns (Pass, Result, Profit, ... Complex criterion), then the parameters, then the entries
    the guards refused (`REFUSALS`, where some pass has one), then the Sharpe reading; every row of
    `results` (a run's results.parquet) in its order. A `forward_view` reads as MT5's Forward Results:
    Forward result, Back result, then the forward figures."""
    missing = [c for c in HEADINGS if c not in results.columns]
    if missing:
        raise ConfigError(f"results lack column `{missing[0]}`; give a results.parquet written by rayga optimize")
    headings = dict(HEADINGS)
    if "back_result" in results.columns:
        headings = {"pass": "Pass", "result": "Forward result", "back_result": "Back result",
                    **{k: v for k, v in HEADINGS.items() if k not in ("pass", "result")}}
    table = results[list(headings) + list(params)].rename(columns=headings)
    table["Total trades"] = table["Total trades"].astype(np.int64)
    for name in params:  # whole-number parameters read as MT5 prints them
        values = table[name].to_numpy(dtype=np.float64)
        if len(values) and np.all(values == np.round(values)) and np.all(np.abs(values) < 2**53):
            table[name] = values.astype(np.int64)
    for name, heading in REFUSALS.items():
        if name in results.columns and (results[name].to_numpy() != 0).any():
            table[heading] = results[name].to_numpy(dtype=np.float64).astype(np.int64)
    table["Sharpe reading"] = [sharpe_reading(v) for v in table["Sharpe ratio"]]
    return table.reset_index(drop=True)


def column_name(table: pd.DataFrame, name: str, what: str = "--sort") -> str:
    """The table column a user means: its heading or the metric name, in any case."""
    names = {c.lower(): c for c in table.columns}
    names.update({k: v for k, v in HEADINGS.items() if v in table.columns})
    if "Forward result" in table.columns:
        names.update({"result": "Forward result", "back_result": "Back result"})
    key = name.strip().lower()
    if key in names:
        return names[key]
    hint = difflib.get_close_matches(key, list(names), n=1)
    also = f"; did you mean \"{names[hint[0]]}\"?" if hint else ""
    raise ConfigError(f"{what} {name!r}: no such column{also} (columns: {', '.join(table.columns)})")


def apply_filters(frame: pd.DataFrame, filters: Sequence[str]) -> pd.DataFrame:
    """Remove passes by MT5's named filters (`all` for every one of them) or keep those matching an
    expression over metric and parameter names, e.g. "total_trades >= 50 and profit > 0" (pandas query)."""
    out = frame
    for f in filters:
        names = list(FILTERS) if f == "all" else [f] if f in FILTERS else None
        if names is not None:
            for n in names:
                out = out[~FILTERS[n][1](out)]
            continue
        if not any(op in f for op in "<>=!") and " in " not in f:
            hint = difflib.get_close_matches(f, [*FILTERS, "all"], n=1)
            also = f"; did you mean {hint[0]}?" if hint else ""
            raise ConfigError(f"--filter {f!r}: not one of {', '.join([*FILTERS, 'all'])} nor an expression like "
                              f"\"profit > 0\"{also}")
        try:
            kept = out.query(f, engine="python")
        except Exception as exc:  # noqa: BLE001 - pandas raises many types for a bad expression
            raise ConfigError(f"--filter {f!r}: {str(exc).splitlines()[0]}; use metric and parameter names, "
                              f"e.g. \"total_trades >= 50 and profit > 0\"") from None
        if not isinstance(kept, pd.DataFrame) or len(kept.columns) != len(out.columns):
            raise ConfigError(f"--filter {f!r}: not a condition on the passes, e.g. \"profit > 0\"")
        out = kept
    return out


def forward_view(results: pd.DataFrame) -> pd.DataFrame:
    """The passes re-run on the forward period with their forward figures under the metric names (so
    filters and sorting read them), `result` = the forward Result and `back_result` the back one."""
    from rayga.sim.enums import METRICS

    if "forward_result" not in results.columns:
        raise ConfigError("this run has no forward period; set forward = \"1/4\" (or 1/2, 1/3, a date) under "
                          "[optimization] and run it")
    fwd = results[results["forward_result"].notna()]
    keep = [c for c in fwd.columns if not c.startswith("forward_") and c not in METRICS and c != "result"]
    out = fwd[keep].copy()
    out["result"] = fwd["forward_result"]
    out["back_result"] = fwd["result"]
    for m in METRICS:
        out[m] = fwd[f"forward_{m}"]
    return out.reset_index(drop=True)


def filter_help() -> str:
    return "; ".join(f"{k}: drop {text}" for k, (text, _) in FILTERS.items())


def select(results: pd.DataFrame, params: Sequence[str], maximize: bool, sort: str | None = None,
           ascending: bool | None = None, filters: Sequence[str] = (), top: int | None = None) -> pd.DataFrame:
    """Filter `results` (metric names), then the MT5 table sorted by `sort` (default: Result, best first)."""
    kept = apply_filters(results, filters)
    table = mt5_table(kept, params)
    result = table.columns[1]  # Result, or Forward result
    col = column_name(table, sort) if sort else result
    if ascending is None:
        ascending = not maximize if col in (result, "Back result") else False
    key = table[col].map(int) if col == "Pass" and table[col].dtype == object else None
    table = (table.assign(_k=key).sort_values("_k", ascending=ascending, kind="stable").drop(columns="_k")
             if key is not None else table.sort_values(col, ascending=ascending, kind="stable"))
    if top is not None:
        if top < 1:
            raise ConfigError(f"--top must be >= 1 (got {top})")
        table = table.head(top)
    return table.reset_index(drop=True)


def export(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the table as CSV or Parquet by the file's extension (atomically)."""
    from rayga.runs import write_atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ConfigError(f"{path}: export to a .csv or .parquet file")
    if suffix == ".csv":
        write_atomic(path, lambda p: table.to_csv(p, index=False))
    else:
        write_atomic(path, lambda p: table.to_parquet(p, index=False))
    return path
