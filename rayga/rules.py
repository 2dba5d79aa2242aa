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

Pending entry orders, placed by bar k's decision on bar k + 1's first tick, after its exits and entry:

    out.buy_stop[k] = price        # buy when Ask rises to `price` (above the Ask at placing)
    out.buy_limit[k] = price       # buy when Ask falls to `price` (below it)
    out.sell_stop[k] = price       # sell when Bid falls to `price` (below the Bid at placing)
    out.sell_limit[k] = price      # sell when Bid rises to `price` (above it)
    out.expiry[k] = 8              # they live 8 bars (bars k + 1 .. k + 8); NaN: until filled or replaced
    out.signal[k] = CANCEL         # cancel the pending orders (may be added to an exit or an entry)

They are the orders of a flat account, as a breakout or pullback EA places them: placed only when no position
is open after the bar's exits and entry, they replace any orders still pending and cancel each other
(one-cancels-other): the first to trigger opens the position, and any position opening cancels the rest.
They trigger on the M1 ticks (buys on Ask, sells on Bid; on one tick, in the order above) and fill at their
price, also when the market gaps past it (MT5's "1 minute OHLC" fills pending orders at their price); the
fill's stops are `out.sl[k]` / `out.tp[k]` points from that price (NaN: the genes'). A price on the wrong
side of the market when placed is not placed (MT5 rejects it). The fill is the deal reason "order".

A trailing stop to a level of the rule's own (a Parabolic SAR, a channel's edge, the last swing):

    out.trail[k] = price           # on bar k + 1's first tick, after its exits and entry, the open position's
                                   # stop moves to `price` if that improves it (up for a long, down for a
                                   # short) and lies below Bid (long) / above Ask (short); NaN: no move

It may be written on every bar (the stop then follows the level) and combines with the trailing genes of
`rayga.sim.manage`: each moves the stop only towards profit.
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
from rayga.sim.enums import BUY, CANCEL, DECISIONS, EXIT_ALL, EXIT_LONG, EXIT_SHORT, SELL

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
                                     # (NaN, the default: the genes' sl_points / tp_points)
    "buy_stop", "buy_limit",         # float64 per bar: prices of pending orders placed by the bar's decision
    "sell_stop", "sell_limit",       # (NaN, the default: none), one-cancels-other
    "expiry",                        # float64 per bar: the bars those orders live (NaN: until filled or replaced)
    "trail",                         # float64 per bar: a price the open position's stop moves to (NaN: none)
])

__all__ = ["BUY", "CANCEL", "DECISIONS", "EXIT_ALL", "EXIT_LONG", "EXIT_SHORT", "SELL", "Bars", "Decisions", "Higher",
           "adx_nb", "applied_price_nb", "atr_nb", "bollinger_nb", "cci_nb", "donchian_nb", "ema_nb", "lwma_nb",
           "ma_nb", "macd_nb", "momentum_nb", "roc_nb", "rsi_nb", "sma_nb", "smma_nb", "stddev_nb", "stochastic_nb",
           "true_range_nb"]
