"""An MT5 Expert Advisor's inputs driving rayga: the RSI scalper whose optimization `.set` temph2020 published
(RSIScalpingMU), with its input names mapped to this strategy's parameters and rayga's management genes.

    rayga optimize examples/rsi_scalping.toml        # set_file = "RSIScalpingMU_optimization.set" there

The EA, on each new bar of its timeframe: exits first, then (when flat, and inside its session when
UseSessionFilterUTC) enters. A long opens when the RSI of the bar before the last closed one was at or below
RSI_Oversold and the last closed one's is above it (a short: from at or above RSI_Overbought to below it); a
long is closed when the RSI reaches RSI_Target_Buy, or after BarsToWait bars in a row with the RSI below
RSI_Oversold (a short: RSI_Target_Sell, RSI_Overbought). Its trailing stop (every tick, TrailingStopDistancePoints
behind Bid / Ask once the profit passes TrailingActivationPoints) and its session filter are rayga's genes:
`set_inputs` maps the EA's names to them, so the author's `.set` file sets their ranges, and `best.set` is
that file with the best pass's values.

The EA reads the forming bar's RSI at its first tick for the exits; with the new bar opening at the last
close, that is the last closed bar's RSI (Wilder's smoothing of a zero change keeps the ratio), which the
rule uses.
"""

import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_LONG, EXIT_SHORT, SELL, rsi_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def rsi_scalping(bars, p, out):
    rsi = rsi_nb(bars.close, int(p.rsi_period))
    wait = int(p.bars_to_wait)
    below = 0  # closed bars in a row with the RSI below the oversold level (against a long)
    above = 0  # ... above the overbought level (against a short)
    for k in range(1, bars.close.shape[0]):
        if np.isnan(rsi[k - 1]):
            continue
        below = below + 1 if rsi[k] < p.oversold else 0
        above = above + 1 if rsi[k] > p.overbought else 0
        code = 0
        if below >= wait or rsi[k] >= p.target_buy:
            code += EXIT_LONG
        if above >= wait or rsi[k] <= p.target_sell:
            code += EXIT_SHORT
        if rsi[k - 1] <= p.oversold < rsi[k]:
            code += BUY  # the EA tries the buy first: when both cross, the sell finds the position open
        elif rsi[k - 1] >= p.overbought > rsi[k]:
            code += SELL
        out.signal[k] = code


class RSIScalping(UserStrategy):
    name = "rsi_scalping"
    params = (
        Param("rsi_period", "int", 8, 7, 1, 21, "RSI period"),
        Param("overbought", "float", 36.0, 60.0, 2.0, 85.0, "RSI level a short re-crosses downwards"),
        Param("oversold", "float", 38.0, 15.0, 2.0, 40.0, "RSI level a long re-crosses upwards"),
        Param("target_buy", "float", 90.0, 65.0, 2.0, 90.0, "RSI that closes a long"),
        Param("target_sell", "float", 70.0, 10.0, 2.0, 35.0, "RSI that closes a short"),
        Param("bars_to_wait", "int", 5, 1, 1, 8, "bars in a row of RSI against the position that close it"),
    )
    rule = rsi_scalping
    sl_param = None  # the EA places no stop loss or take profit: only its trailing stop
    tp_param = None
    # the EA's input names -> this strategy's parameters and rayga's management genes (`rayga.sim.manage`)
    set_inputs = {
        "RSI_Period": "rsi_period", "RSI_Overbought": "overbought", "RSI_Oversold": "oversold",
        "RSI_Target_Buy": "target_buy", "RSI_Target_Sell": "target_sell", "BarsToWait": "bars_to_wait",
        "LotSize": "lots", "UseTrailingStop": "use_trailing", "TrailingStopDistancePoints": "trail_points",
        "TrailingActivationPoints": "trail_start", "UseSessionFilterUTC": "use_window",
        "TradeStartHourUTC": "window_start", "TradeEndHourUTC": "window_end",
    }
