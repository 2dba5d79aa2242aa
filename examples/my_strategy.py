"""A strategy of your own: RSI pullbacks in the direction of an EMA trend, with SL/TP.

Run it like any built-in strategy, naming it `file.py:Class` in the config:

    rayga backtest examples/user_strategy.toml
    rayga optimize examples/user_strategy.toml

Parameters are declared once (`params`: default value and MT5's start/step/stop); the rule is one
Numba function over the timeframe bars that returns an int8 decision per bar (+1 buy, -1 sell, 0
nothing), acted on at the next bar's open. rayga's MT5 indicator kernels (`rayga.indicators._nb`) are
usable inside it; bars where an indicator is still warming up (NaN) must not decide.
"""

import numpy as np
from numba import njit

from rayga.indicators._nb import ema_nb, rsi_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def trend_pullback_signal(open_, high, low, close, p):
    trend = ema_nb(close, int(p[0]))
    rsi = rsi_nb(close, int(p[1]))
    band = p[2]
    out = np.zeros(len(close), dtype=np.int8)
    for k in range(1, len(close)):
        if np.isnan(trend[k]) or np.isnan(rsi[k - 1]):
            continue
        if close[k] > trend[k] and rsi[k - 1] < 50.0 - band <= rsi[k]:
            out[k] = 1  # uptrend, RSI turns up out of the pullback zone
        elif close[k] < trend[k] and rsi[k - 1] > 50.0 + band >= rsi[k]:
            out[k] = -1  # downtrend, RSI turns down out of the rally zone
    return out


class TrendPullback(UserStrategy):
    name = "trend_pullback"
    params = (
        Param("trend", "int", 100, 50, 25, 200, "EMA trend filter period"),
        Param("rsi_period", "int", 14, 7, 7, 28, "RSI period"),
        Param("band", "float", 20, 10, 5, 30, "RSI distance from 50 that marks a pullback"),
        Param("sl_points", "float", 300, 100, 100, 1000, "stop loss in points; 0 = none"),
        Param("tp_points", "float", 600, 200, 200, 2000, "take profit in points; 0 = none"),
    )
    signal = trend_pullback_signal
