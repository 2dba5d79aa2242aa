"""An EA-style strategy on rayga's rule API: trade an EMA breakout in the direction of the last closed H1 bar,
only inside a server-time session and not on Fridays, with a stop loss of k ATRs per entry, and close
everything to flat at the session's end.

    rayga backtest examples/session_trend.toml
    rayga optimize examples/session_trend.toml

The rule runs once per genome over all bars (compiled with Numba, in rayga's parallel batch kernel); bar k's
decision is executed on bar k + 1's first tick, as an EA acting on a new bar does.
"""

import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_ALL, SELL, atr_nb, ema_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy

FRIDAY = 5  # MT5 numbers days from Sunday = 0


@njit(cache=True)
def session_trend(bars, p, out):
    ema = ema_nb(bars.close, int(p.ema_period))
    atr = atr_nb(bars.high, bars.low, bars.close, int(p.atr_period))
    h1 = bars.higher[0]  # the last closed H1 bar at each decision (NaN before the first)
    point = bars.point  # the symbol's point: prices / point = points
    for k in range(1, bars.close.shape[0]):
        if np.isnan(ema[k - 1]) or np.isnan(atr[k]) or np.isnan(h1.close[k]):
            continue  # indicators warming up: no decision, as the EA waits for its buffers
        if bars.hour[k] >= p.end_hour:
            out.signal[k] = EXIT_ALL  # flat outside the session
            continue
        if bars.hour[k] < p.start_hour or bars.weekday[k] == FRIDAY:
            continue
        up = bars.close[k] > ema[k] and bars.close[k - 1] <= ema[k - 1] and bars.close[k] > h1.open[k]
        down = bars.close[k] < ema[k] and bars.close[k - 1] >= ema[k - 1] and bars.close[k] < h1.open[k]
        if up or down:
            out.signal[k] = BUY if up else SELL
            out.sl[k] = p.sl_atr * atr[k] / point  # this entry's stop, in points (the TP: the gene tp_points)


class SessionTrend(UserStrategy):
    name = "session_trend"
    params = (
        Param("ema_period", "int", 34, 10, 4, 80, "EMA the close breaks"),
        Param("atr_period", "int", 14, 7, 7, 28, "ATR period of the stop"),
        Param("sl_atr", "float", 2.0, 1.0, 0.5, 4.0, "stop loss in ATRs of the decision bar"),
        Param("tp_points", "float", 0, 0, 200, 2000, "take profit in points; 0 = none"),
        Param("start_hour", "int", 8, 6, 1, 12, "first server hour of the session"),
        Param("end_hour", "int", 20, 16, 1, 23, "server hour when everything is closed"),
    )
    constraints = ("start_hour < end_hour",)
    rule = session_trend
    timeframes = ("H1",)
    sl_param = None  # the stop comes from the rule for every entry
