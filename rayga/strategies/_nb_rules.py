"""Numba kernels of the built-in indicator strategies: one signal rule each, over rows of a table of
indicator values shared by the whole batch, and one parallel batch loop each (kernel-only module).

A rule writes decisions into `out` (int8 per timeframe bar: +1 buy, -1 sell, 0 nothing) and never
decides on a bar where an indicator it reads is still NaN (MT5's warm-up). Each batch loop runs a
genome's rule and then the simulation, with no bars x genomes matrix: one decision array per genome."""

import numpy as np
from numba import njit, prange

from rayga.sim._nb_loop import simulate_nb
from rayga.sim._nb_state import N_STATE


@njit(cache=True)
def level_cross_nb(x, lower, upper, out):
    """RSI-style mean reversion: buy when `x` crosses up through `lower`, sell when it crosses down
    through `upper`."""
    for k in range(1, len(x)):
        a, b = x[k - 1], x[k]
        if np.isnan(a) or np.isnan(b):
            continue
        if a <= lower < b:
            out[k] = 1
        elif a >= upper > b:
            out[k] = -1


@njit(cache=True)
def band_breakout_nb(close, mid, sd, deviation, out):
    """Bollinger breakout: buy when the close crosses above mid + deviation x sd, sell when it crosses
    below mid - deviation x sd."""
    for k in range(1, len(close)):
        if np.isnan(mid[k - 1]) or np.isnan(sd[k - 1]):
            continue
        up0, up1 = mid[k - 1] + deviation * sd[k - 1], mid[k] + deviation * sd[k]
        dn0, dn1 = mid[k - 1] - deviation * sd[k - 1], mid[k] - deviation * sd[k]
        if close[k - 1] <= up0 and close[k] > up1:
            out[k] = 1
        elif close[k - 1] >= dn0 and close[k] < dn1:
            out[k] = -1


@njit(cache=True)
def channel_breakout_nb(close, upper, lower, out):
    """Donchian breakout: buy when the close rises above the highest high of the `period` bars before
    it, sell when it falls below their lowest low."""
    for k in range(1, len(close)):
        if np.isnan(upper[k - 1]) or np.isnan(lower[k - 1]):
            continue
        if close[k] > upper[k - 1]:
            out[k] = 1
        elif close[k] < lower[k - 1]:
            out[k] = -1


@njit(cache=True)
def line_cross_nb(a, b, out):
    """Buy when `a` crosses above `b`, sell when it crosses below (MACD main vs signal)."""
    for k in range(1, len(a)):
        if np.isnan(a[k - 1]) or np.isnan(b[k - 1]) or np.isnan(a[k]) or np.isnan(b[k]):
            continue
        if a[k - 1] <= b[k - 1] and a[k] > b[k]:
            out[k] = 1
        elif a[k - 1] >= b[k - 1] and a[k] < b[k]:
            out[k] = -1


@njit(cache=True, inline="always")
def _simulate(sim, signal, sl, tp, acct, deals, curve, out):
    st = np.empty(N_STATE)
    simulate_nb(sim[0], sim[1], sim[2], sim[3], sim[4], sim[5], sim[6], sim[7], sim[8], sim[9], sim[10], sim[11],
                sim[12], sim[13], sim[14], sim[15], sim[16], sim[17], sim[18], signal, sl, tp, acct, st, deals,
                curve, out)


@njit(cache=True, parallel=True)
def rsi_batch_nb(sim, table, rows, lower, upper, sl, tp, acct, deals, curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        level_cross_nb(table[rows[g, 0]], lower[g], upper[g], signal)
        _simulate(sim, signal, sl[g], tp[g], acct, deals, curve, out[g])


@njit(cache=True, parallel=True)
def bollinger_batch_nb(sim, close, table, rows, deviation, sl, tp, acct, deals, curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        band_breakout_nb(close, table[rows[g, 0]], table[rows[g, 1]], deviation[g], signal)
        _simulate(sim, signal, sl[g], tp[g], acct, deals, curve, out[g])


@njit(cache=True, parallel=True)
def two_line_batch_nb(sim, close, table, rows, kind, sl, tp, acct, deals, curve, out):
    """Rules over two indicator rows: kind 0 = channel breakout (upper, lower), 1 = line cross (a, b)."""
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        if kind == 0:
            channel_breakout_nb(close, table[rows[g, 0]], table[rows[g, 1]], signal)
        else:
            line_cross_nb(table[rows[g, 0]], table[rows[g, 1]], signal)
        _simulate(sim, signal, sl[g], tp[g], acct, deals, curve, out[g])
