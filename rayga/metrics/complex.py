"""rayga's Complex Criterion: a documented 0-100 score from MT5's five published inputs.

MT5's own formula is secret (it "selects passes by the number of deals, then by expected payoff,
recovery factor, and so on"). This one is not MT5-identical; it is built so that:

- it is 0 below `MIN_TRADES` closing trades (too few to judge) and for passes that lose money;
- it rises monotonically with each input: more trades, higher expected payoff (relative to the
  typical loss per trade), higher recovery factor, higher Sharpe ratio, lower equity drawdown %;
- it does not depend on lot size where the inputs do not (every input is a ratio or a count);
- it does not saturate: each component is a smooth x / (x + half) curve, so a better pass always
  scores higher and scores near 100 need exceptional values on every input.

    score = 100 * T^0.15 * E^0.25 * R^0.25 * S^0.20 * D^0.15

with T = trade-count factor, E = payoff factor, R = recovery factor, S = Sharpe factor,
D = drawdown factor, each in [0, 1):
    T = (n - MIN_TRADES + 1) / (n - MIN_TRADES + 1 + 50)
    E = (profit_factor - 1) / (profit_factor - 1 + 1)         (expected payoff relative to losses)
    R = rf / (rf + 3)
    S = sharpe / (sharpe + 1.5)       (0 when sharpe <= 0)
    D = 1 - dd% / 100                 (equity drawdown relative %, clipped to [0, 100])
The payoff input is taken as the profit factor: expected payoff per trade in units of the average
loss, which is what makes payoff comparable across lot sizes and symbols.
"""

from __future__ import annotations

import numpy as np

MIN_TRADES = 10
WEIGHTS = {"trades": 0.15, "payoff": 0.25, "recovery": 0.25, "sharpe": 0.20, "drawdown": 0.15}


def _sat(x: np.ndarray, half: float) -> np.ndarray:
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    return x / (x + half)


def complex_criterion(total_trades, profit_factor, recovery_factor, sharpe_ratio, equity_dd_rel_pct,
                      profit) -> np.ndarray:
    """Score per pass in [0, 100); arrays or scalars broadcast."""
    n = np.asarray(total_trades, dtype=np.float64)
    t = _sat(n - MIN_TRADES + 1, 50.0)
    pf = np.asarray(profit_factor, dtype=np.float64)
    payoff = np.where(pf > 0, _sat(pf - 1.0, 1.0), np.where(np.asarray(profit) > 0, 1.0, 0.0))
    r = _sat(recovery_factor, 3.0)
    s = _sat(sharpe_ratio, 1.5)
    d = 1.0 - np.clip(np.asarray(equity_dd_rel_pct, dtype=np.float64), 0.0, 100.0) / 100.0
    w = WEIGHTS
    score = 100.0 * t ** w["trades"] * payoff ** w["payoff"] * r ** w["recovery"] * s ** w["sharpe"] * d ** w["drawdown"]
    ok = (n >= MIN_TRADES) & (np.asarray(profit) > 0)
    return np.where(ok, score, 0.0)
