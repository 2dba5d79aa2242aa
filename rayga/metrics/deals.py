"""MT5 report figures computed from a Deals table (the rules the real tester reports settle)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

TRADE_TYPES = ("buy", "sell")
CLOSING = ("out", "in/out", "out by")


def metrics_from_deals(deals: pd.DataFrame, deposit: float, equity_dd_max: float | None = None
                       ) -> dict[str, float]:
    """The deal-determined figures of an MT5 report.

    `deals` has MT5's Deals columns (at least type, direction, profit; commission and swap if charged;
    balance if the balance after each deal is known, else it is rebuilt from `deposit`). Equity drawdowns
    need the tick-level equity curve, so the recovery factor uses the report's `equity_dd_max` (NaN
    without it; 0.0 when it is 0, as MT5 prints for a test without trades).
    """
    kind = deals["type"].astype(str).str.lower()
    trading = kind.isin(TRADE_TYPES).to_numpy()
    result = _deal_results(deals)[trading]
    closing = deals["direction"].astype(str).str.lower().isin(CLOSING).to_numpy()[trading]
    closed = result[closing]
    closes_long = (kind.to_numpy()[trading] == "sell")[closing]  # a sell that closes closes a long
    profit = float(result.sum())
    gross_profit = float(result[result > 0].sum())
    gross_loss = float(result[result < 0].sum())
    total_trades = int(closing.sum())
    won = closed >= 0  # MT5 counts a trade closed at exactly 0 as a profit trade
    out = {
        "profit": profit,
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "total_trades": float(total_trades),
        "total_deals": float(trading.sum()),
        "profit_factor": gross_profit / -gross_loss if gross_loss < 0 else 0.0,
        "expected_payoff": profit / total_trades if total_trades else 0.0,
        "wins": float(won.sum()),
        "long_trades": float(closes_long.sum()),
        "short_trades": float((~closes_long).sum()),
        "long_wins": float((won & closes_long).sum()),
        "short_wins": float((won & ~closes_long).sum()),
    }
    out.update(balance_drawdowns(_balance_curve(deals, deposit), deposit))
    if equity_dd_max is None:
        out["recovery_factor"] = math.nan
    else:
        out["recovery_factor"] = profit / equity_dd_max if equity_dd_max > 0 else 0.0
    return out


def _deal_results(deals: pd.DataFrame) -> np.ndarray:
    """Each deal's result in the deposit currency (or pips): profit + commission + swap, blanks as 0."""
    total = np.zeros(len(deals))
    for column in ("profit", "commission", "swap"):  # commission and swap may be absent
        if column in deals.columns:
            total += np.nan_to_num(deals[column].to_numpy(dtype=np.float64, na_value=np.nan))
    return total


def _balance_curve(deals: pd.DataFrame, deposit: float) -> np.ndarray:
    """The balance after each deal, starting at the deposit: the printed Balance column where there is
    one, else the deposit plus the running sum of the buy/sell deals' results."""
    if "balance" in deals.columns:
        balance = deals["balance"].to_numpy(dtype=np.float64, na_value=np.nan)
        balance = balance[~np.isnan(balance)]
    else:
        trading = deals["type"].astype(str).str.lower().isin(TRADE_TYPES).to_numpy()
        balance = deposit + np.cumsum(_deal_results(deals)[trading])
    return np.concatenate([[float(deposit)], balance])


def balance_drawdowns(balance: np.ndarray, deposit: float) -> dict[str, float]:
    """MT5's balance drawdowns over the balance after each deal.

    absolute: deposit - lowest balance (0 if it never goes below the deposit); maximal: the largest fall
    from a peak to a later trough, with its % of that peak; relative: the largest such fall in % of its
    peak, with its money. Maximal and relative can come from different episodes.
    """
    balance = np.asarray(balance, dtype=np.float64)
    if balance.size == 0:
        balance = np.array([float(deposit)])
    peaks = np.maximum.accumulate(balance)
    falls = peaks - balance
    with np.errstate(divide="ignore", invalid="ignore"):
        falls_pct = np.where(peaks > 0, falls / peaks * 100.0, 0.0)
    i_max = int(np.argmax(falls))
    i_rel = int(np.argmax(falls_pct))
    return {
        "balance_dd_abs": max(float(deposit) - float(balance.min()), 0.0),
        "balance_dd_max": float(falls[i_max]),
        "balance_dd_max_pct": float(falls_pct[i_max]),
        "balance_dd_rel_pct": float(falls_pct[i_rel]),
        "balance_dd_rel_money": float(falls[i_rel]),
    }
