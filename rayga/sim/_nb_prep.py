"""Numba kernels that prepare per-bar arrays once per data set (kernel-only module).

The tick order of an M1 bar in "1 minute OHLC" modelling: Open, then Low then High for a bull bar
(close > open), High then Low for a bear bar; a doji (close == open) takes the opposite of the last
non-doji bar's direction (bull when there is none); then Close.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def low_first_nb(open_, close):
    """Tick order of each M1 bar: True for O-L-H-C, False for O-H-L-C (the doji rule above)."""
    n = len(open_)
    out = np.empty(n, dtype=np.bool_)
    last_bull = False  # direction of the last non-doji bar; a doji takes its opposite
    seen = False
    for i in range(n):
        if close[i] > open_[i]:
            out[i] = True
            last_bull = True
            seen = True
        elif close[i] < open_[i]:
            out[i] = False
            last_bull = False
            seen = True
        else:
            out[i] = (not last_bull) if seen else True
    return out


@njit(cache=True)
def tf_extremes_nb(m1_high, m1_low, spread_price, m1_start, m1_stop):
    """Ask high and ask low of every timeframe bar (bid extremes plus each M1 bar's own spread)."""
    n = len(m1_start)
    ask_high = np.empty(n)
    ask_low = np.empty(n)
    for k in range(n):
        hi = -np.inf
        lo = np.inf
        for j in range(m1_start[k], m1_stop[k]):
            hi = max(hi, m1_high[j] + spread_price[j])
            lo = min(lo, m1_low[j] + spread_price[j])
        ask_high[k] = hi
        ask_low[k] = lo
    return ask_high, ask_low


@njit(cache=True)
def tf_drops_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop):
    """Largest adverse move inside each timeframe bar, in tick order: for a long, the largest fall of
    Bid from an earlier tick; for a short, the largest rise of Ask. With a linear profit conversion,
    the money drawdown a bar can add from its own new highs is lots x contract x this move."""
    n = len(m1_start)
    long_drop = np.zeros(n)
    short_drop = np.zeros(n)
    for k in range(n):
        bid_peak = -np.inf
        ask_trough = np.inf
        ld = 0.0
        sd = 0.0
        for j in range(m1_start[k], m1_stop[k]):
            spr = spread_price[j]
            first = m1_low[j] if low_first[j] else m1_high[j]
            second = m1_high[j] if low_first[j] else m1_low[j]
            for p in (m1_open[j], first, second, m1_close[j]):
                bid_peak = max(bid_peak, p)
                ld = max(ld, bid_peak - p)
                ask_trough = min(ask_trough, p + spr)
                sd = max(sd, p + spr - ask_trough)
        long_drop[k] = ld
        short_drop[k] = sd
    return long_drop, short_drop
