"""Side by side: the figures an MT5 report printed and the same figures recomputed from its deals."""

from __future__ import annotations

import pandas as pd

from rayga.metrics.deals import metrics_from_deals
from rayga.reports.mt5_report import Mt5Report

# rayga metric name -> the printed figure of the report's results block
PRINTED = {
    "profit": "total_net_profit", "gross_profit": "gross_profit", "gross_loss": "gross_loss",
    "profit_factor": "profit_factor", "expected_payoff": "expected_payoff", "total_trades": "total_trades",
    "total_deals": "total_deals", "wins": "profit_trades", "long_trades": "long_trades",
    "short_trades": "short_trades", "balance_dd_abs": "balance_dd_absolute", "balance_dd_max": "balance_dd_maximal",
    "balance_dd_max_pct": "balance_dd_maximal_pct", "balance_dd_rel_pct": "balance_dd_relative_pct",
    "balance_dd_rel_money": "balance_dd_relative_money", "recovery_factor": "recovery_factor",
}


def compare_report(report: Mt5Report) -> pd.DataFrame:
    """One row per figure: printed by MT5, recomputed from the deals, and whether they agree to the
    printed precision (half a cent, or 0.005 % for percentages)."""
    res = report.results
    metrics = metrics_from_deals(report.deals, float(res["initial_deposit"]), float(res["equity_dd_maximal"]))
    rows = []
    for name, key in PRINTED.items():
        if key not in res:
            continue
        printed, ours = float(res[key]), float(metrics[name])
        rows.append({"figure": name, "mt5": printed, "from_deals": ours, "agrees": abs(printed - ours) <= 0.0051})
    return pd.DataFrame(rows)
