"""Numba kernels of the built-in indicator strategies: one signal rule each, over rows of a table of
indicator values shared by the whole batch, and one parallel batch loop each (kernel-only module).

A rule writes decisions into `out` (int8 per timeframe bar: +1 buy, -1 sell, 0 nothing) and never
decides on a bar where an indicator it reads is still NaN (MT5's warm-up). Each batch loop runs a
genome's rule and then the simulation, with no bars x genomes matrix: one decision array per genome."""

import numpy as np
from numba import njit, prange

from rayga.indicators._nb import sma_nb
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


@njit(cache=True)
def atr_points_nb(atr, mult, point):
    """Stop distance in points per decision bar: `mult` ATRs (no stop where the ATR is still warming up)."""
    out = np.empty(len(atr))
    for k in range(len(atr)):
        out[k] = 0.0 if np.isnan(atr[k]) else atr[k] * mult / point
    return out


@njit(cache=True, inline="always")
def _simulate(sim, signal, sl, tp, atr, sl_atr, tp_atr, point, acct, deals, curve, out):
    """Simulate one genome: SL/TP in points, or in ATRs of the decision bar where sl_atr / tp_atr > 0."""
    st = np.empty(N_STATE)
    sl_bar = atr_points_nb(atr, sl_atr, point) if sl_atr > 0 else np.empty(0)
    tp_bar = atr_points_nb(atr, tp_atr, point) if tp_atr > 0 else np.empty(0)
    simulate_nb(sim[0], sim[1], sim[2], sim[3], sim[4], sim[5], sim[6], sim[7], sim[8], sim[9], sim[10], sim[11],
                sim[12], sim[13], sim[14], sim[15], sim[16], sim[17], sim[18], signal, sl, tp, sl_bar, tp_bar, acct, st,
                deals, curve, out)


@njit(cache=True, parallel=True)
def rsi_batch_nb(sim, table, rows, lower, upper, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        level_cross_nb(table[rows[g, 0]], lower[g], upper[g], signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True, parallel=True)
def bollinger_batch_nb(sim, close, table, rows, deviation, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        band_breakout_nb(close, table[rows[g, 0]], table[rows[g, 1]], deviation[g], signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True, parallel=True)
def channel_batch_nb(sim, close, table, rows, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                     curve, out):
    """Donchian breakout per genome over its (upper, lower) rows of the shared table."""
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        channel_breakout_nb(close, table[rows[g, 0]], table[rows[g, 1]], signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True)
def transitions_nb(state, out):
    """Decisions from a per-bar state (+1 want long, -1 want short, 0 neither): decide when the state
    turns to +1 or -1."""
    for k in range(1, len(state)):
        if state[k] != state[k - 1] and state[k] != 0:
            out[k] = state[k]


@njit(cache=True)
def momentum_state_nb(roc_fast, roc_slow, rsi, adx, rsi_band, adx_min):
    """Multi-momentum: long while both rates of change are positive, the RSI is above 50 + band and the
    ADX at least `adx_min`; short for the mirror image; 0 otherwise and during any warm-up."""
    n = len(rsi)
    state = np.zeros(n, dtype=np.int8)
    for k in range(n):
        if np.isnan(roc_fast[k]) or np.isnan(roc_slow[k]) or np.isnan(rsi[k]) or np.isnan(adx[k]):
            continue
        if adx[k] < adx_min:
            continue
        if roc_fast[k] > 0 and roc_slow[k] > 0 and rsi[k] > 50.0 + rsi_band:
            state[k] = 1
        elif roc_fast[k] < 0 and roc_slow[k] < 0 and rsi[k] < 50.0 - rsi_band:
            state[k] = -1
    return state


@njit(cache=True)
def reversion_state_nb(close, ma, atr, atr_avg, rsi, band_mult, rsi_band, vol_ratio_max):
    """Adaptive mean reversion: long while the close is more than `band_mult` ATRs below its MA and the
    RSI below 50 - band, short for the mirror image; no position wanted while the ATR runs above
    `vol_ratio_max` times its own average (a volatility regime the bands do not describe)."""
    n = len(close)
    state = np.zeros(n, dtype=np.int8)
    for k in range(n):
        if np.isnan(ma[k]) or np.isnan(atr[k]) or np.isnan(atr_avg[k]) or np.isnan(rsi[k]):
            continue
        if atr_avg[k] > 0 and atr[k] > vol_ratio_max * atr_avg[k]:
            continue
        if close[k] < ma[k] - band_mult * atr[k] and rsi[k] < 50.0 - rsi_band:
            state[k] = 1
        elif close[k] > ma[k] + band_mult * atr[k] and rsi[k] > 50.0 + rsi_band:
            state[k] = -1
    return state


@njit(cache=True)
def composite_state_nb(close, fast, slow, rsi, mid, sd, macd_main, macd_signal, use, rsi_band, bb_dev, combine):
    """Votes of the chosen components per bar (MA trend, RSI extremes, Bollinger breakout, MACD vs its
    signal), combined by AND (all chosen agree), OR (any, none against) or majority (more for than
    against). `use` holds four 0/1 genes; a component still warming up votes 0."""
    n = len(close)
    state = np.zeros(n, dtype=np.int8)
    chosen = use[0] + use[1] + use[2] + use[3]
    for k in range(n):
        up = 0
        down = 0
        if use[0] > 0 and not (np.isnan(fast[k]) or np.isnan(slow[k])):
            up += fast[k] > slow[k]
            down += fast[k] < slow[k]
        if use[1] > 0 and not np.isnan(rsi[k]):
            up += rsi[k] < 50.0 - rsi_band
            down += rsi[k] > 50.0 + rsi_band
        if use[2] > 0 and not (np.isnan(mid[k]) or np.isnan(sd[k])):
            up += close[k] > mid[k] + bb_dev * sd[k]
            down += close[k] < mid[k] - bb_dev * sd[k]
        if use[3] > 0 and not (np.isnan(macd_main[k]) or np.isnan(macd_signal[k])):
            up += macd_main[k] > macd_signal[k]
            down += macd_main[k] < macd_signal[k]
        if combine == 0:  # AND
            if up == chosen:
                state[k] = 1
            elif down == chosen:
                state[k] = -1
        elif combine == 1:  # OR
            if up > 0 and down == 0:
                state[k] = 1
            elif down > 0 and up == 0:
                state[k] = -1
        else:  # majority
            if up > down:
                state[k] = 1
            elif down > up:
                state[k] = -1
    return state


@njit(cache=True, parallel=True)
def momentum_batch_nb(sim, table, rows, rsi_band, adx_min, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        r = rows[g]
        transitions_nb(momentum_state_nb(table[r[0]], table[r[1]], table[r[2]], table[r[3]], rsi_band[g],
                                         adx_min[g]), signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True, parallel=True)
def reversion_batch_nb(sim, close, table, rows, band_mult, rsi_band, vol_ratio_max, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        r = rows[g]
        transitions_nb(reversion_state_nb(close, table[r[0]], table[r[1]], table[r[2]], table[r[3]], band_mult[g],
                                          rsi_band[g], vol_ratio_max[g]), signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True, parallel=True)
def composite_batch_nb(sim, close, table, rows, use, rsi_band, bb_dev, combine, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    for g in prange(len(rows)):
        signal = np.zeros(table.shape[1], dtype=np.int8)
        r = rows[g]
        transitions_nb(composite_state_nb(close, table[r[0]], table[r[1]], table[r[2]], table[r[3]], table[r[4]],
                                          table[r[5]], table[r[6]], use[g], rsi_band[g], bb_dev[g], combine[g]),
                       signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])


@njit(cache=True, parallel=True)
def macd_batch_nb(sim, table, rows, signal_period, sl, tp, atr_table, atr_rows, sl_atr, tp_atr, point, acct, deals,
                curve, out):
    """MACD cross with the EMAs shared by the batch (rows: fast EMA, slow EMA); each genome's MACD line and
    its signal line (SMA of the MACD, as MT5) are computed in its own loop, so memory stays flat."""
    for g in prange(len(rows)):
        n = table.shape[1]
        main = table[rows[g, 0]] - table[rows[g, 1]]
        sig = np.full(n, np.nan)
        start = 0
        while start < n and np.isnan(main[start]):
            start += 1
        if start < n:
            sig[start:] = sma_nb(main[start:], signal_period[g])
        signal = np.zeros(n, dtype=np.int8)
        line_cross_nb(main, sig, signal)
        _simulate(sim, signal, sl[g], tp[g], atr_table[atr_rows[g]], sl_atr[g], tp_atr[g], point, acct, deals, curve,
                  out[g])
