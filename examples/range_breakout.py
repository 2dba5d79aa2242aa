"""A range-breakout EA on rayga's rule API, with pending orders: at a server hour, place a buy stop above the
high and a sell stop below the low of the last `range_bars` bars (one-cancels-other), each with its stop at
the other side of the range and a take profit of `reward` times that distance; the orders expire after
`life` bars, and at `close_hour` whatever is open goes flat and what is pending is cancelled.

    rayga backtest examples/range_breakout.toml
    rayga optimize examples/range_breakout.toml

MQL5 would place them with `trade.BuyStop(lots, hi + offset, _Symbol, lo, tp, ORDER_TIME_SPECIFIED, expiry)`
and `trade.SellStop(...)` on the new bar, and delete the other order in `OnTradeTransaction` once one fills;
here the fill cancels its partner by itself.
"""

import numpy as np
from numba import njit

from rayga.rules import CANCEL, EXIT_ALL
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def range_breakout(bars, p, out):
    n = int(p.range_bars)
    for k in range(n, bars.close.shape[0]):
        if bars.minute[k] != 45 or bars.weekday[k] == 5:  # the bar closing at hh:00 (M15), not on Fridays
            continue
        if bars.hour[k] == p.open_hour - 1:
            hi = bars.high[k - n + 1:k + 1].max()
            lo = bars.low[k - n + 1:k + 1].min()
            offset = p.offset * bars.point
            risk = (hi - lo) / bars.point + 2 * p.offset  # points from one order to the other side
            out.buy_stop[k] = hi + offset
            out.sell_stop[k] = lo - offset
            out.expiry[k] = p.life
            out.sl[k] = risk  # from the order's price: the other side of the range
            out.tp[k] = p.reward * risk
        elif bars.hour[k] == p.close_hour - 1:
            out.signal[k] = EXIT_ALL + CANCEL  # flat, and nothing pending, for the night


class RangeBreakout(UserStrategy):
    name = "range_breakout"
    params = (
        Param("open_hour", "int", 9, 7, 1, 11, "server hour the orders are placed at"),
        Param("range_bars", "int", 16, 8, 4, 32, "bars of the range before it"),
        Param("offset", "float", 20, 0, 10, 60, "points beyond the range's high / low"),
        Param("reward", "float", 1.5, 1.0, 0.5, 3.0, "take profit in multiples of the stop distance"),
        Param("life", "float", 16, 4, 4, 32, "bars the orders live"),
        Param("close_hour", "int", 21, 17, 1, 23, "server hour everything goes flat at"),
    )
    constraints = ("open_hour < close_hour",)
    rule = range_breakout
    sl_param = None  # stops come from the rule, per order
    tp_param = None
