"""What a strategy's rule can use inside its Numba function: the bars it reads (`Bars`), the decisions it
writes per bar (`Decisions`, with the codes below) and rayga's MT5 indicators as Numba functions (NaN during
their warm-up, where MT5 draws nothing).

A rule is `rule(bars, p, out)`: `bars` a `Bars`, `p` the genome's values by parameter name (`p.fast`), `out`
a `Decisions` to fill. It runs once per genome over all bars; bar k's decision is taken on bar k + 1's
first tick, so a rule reads bars up to k only.

A rule writes one int8 decision per timeframe bar, acted on at the next bar's first tick:

    out[k] = BUY                   # open a long (an open short is reversed, closed or kept: `opposite_entry`)
    out[k] = SELL                  # open a short
    out[k] = EXIT_LONG             # close a long to flat (nothing if none is open)
    out[k] = EXIT_SHORT            # close a short to flat
    out[k] = EXIT_ALL              # close whatever is open
    out[k] = EXIT_SHORT + BUY      # exits first, then the entry, on the same tick
    out[k] = 0                     # nothing

An entry along the open position changes nothing (one position per pass). `opposite_entry` under
[account] says what an entry against it does: "reverse" (close it and open the other way, as MT5 nets),
"close" (close it only) or "ignore".
"""

from collections import namedtuple

from rayga.indicators._nb import (  # noqa: F401 - re-exported for rules
    adx_nb,
    applied_price_nb,
    atr_nb,
    bollinger_nb,
    cci_nb,
    donchian_nb,
    ema_nb,
    lwma_nb,
    ma_nb,
    macd_nb,
    momentum_nb,
    roc_nb,
    rsi_nb,
    sma_nb,
    smma_nb,
    stddev_nb,
    stochastic_nb,
    true_range_nb,
)
from rayga.sim.enums import BUY, DECISIONS, EXIT_ALL, EXIT_LONG, EXIT_SHORT, SELL

Bars = namedtuple("Bars", [
    "open", "high", "low", "close",  # the timeframe bars (Bid), float64
    "tick_volume",                   # ticks (M1 bars' tick volume summed), float64
    "spread",                        # the spread of the bar's first tick in points, float64
    "time",                          # the bar's open in server time, ns since 1970 (int64)
    "hour", "minute",                # of the bar's open, server time (int64)
    "weekday",                       # 0 = Sunday .. 6 = Saturday, as MT5 numbers days
    "day", "month", "year",          # the calendar date of the bar's open, server time
    "day_number",                    # days since 1970-01-01 in server time: a new day when it changes
    "point",                         # the symbol's point (a float: 0.00001 for EURUSD): points = price / point
    "higher",                        # one `Higher` per timeframe the strategy declares (`timeframes`)
])
Higher = namedtuple("Higher", [
    "open", "high", "low", "close",  # the last bar of that timeframe closed at bar k's decision (NaN before)
    "time",                          # its open in server time, ns (-1 before the first)
    "forming_open", "forming_high",  # the bar still forming at bar k's decision tick (bar k + 1's first tick),
    "forming_low", "forming_close",  # as MT5's iOpen/iHigh/iLow/iClose(..., 0) show it then: its high and low
])                                   # so far, its close = that tick's Bid (NaN at the last bar: no such tick)
Decisions = namedtuple("Decisions", [
    "signal",                        # int8 per bar: 0, BUY, SELL, EXIT_LONG, EXIT_SHORT or an exit + an entry
    "sl", "tp",                      # float64 per bar: stop distances in points for an entry decided there
])                                   # (NaN, the default: the genes' sl_points / tp_points)

__all__ = ["BUY", "DECISIONS", "EXIT_ALL", "EXIT_LONG", "EXIT_SHORT", "SELL", "Bars", "Decisions", "Higher",
           "adx_nb", "applied_price_nb", "atr_nb", "bollinger_nb", "cci_nb", "donchian_nb", "ema_nb", "lwma_nb",
           "ma_nb", "macd_nb", "momentum_nb", "roc_nb", "rsi_nb", "sma_nb", "smma_nb", "stddev_nb", "stochastic_nb",
           "true_range_nb"]
