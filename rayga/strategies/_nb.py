"""Numba kernels of the built-in strategies' signals and their batch loops (kernel-only module)."""

import numpy as np
from numba import njit, prange

from rayga.sim._nb_loop import simulate_nb
from rayga.sim._nb_state import N_STATE


@njit(cache=True)
def cross_signal_nb(fast, slow):
    """+1 when `fast` closes above `slow` after closing at or below it, -1 for the opposite cross,
    0 otherwise and wherever either average is not yet defined (warm-up)."""
    n = len(fast)
    out = np.zeros(n, dtype=np.int8)
    start = 1
    while start < n and (np.isnan(fast[start - 1]) or np.isnan(slow[start - 1])):
        start += 1  # averages stay defined once they are (no NaN in the bars)
    if start >= n:
        return out
    # branch-free over slices (indices from 0): LLVM runs it in SIMD lanes
    f0, s0, f1, s1, o = fast[start - 1:n - 1], slow[start - 1:n - 1], fast[start:], slow[start:], out[start:]
    for i in range(n - start):
        up = (f1[i] > s1[i]) & (f0[i] <= s0[i])  # no NaN past the warm-up: <= is "not above"
        down = (f1[i] < s1[i]) & (f0[i] >= s0[i])
        o[i] = np.int8(up) - np.int8(down)
    return out


@njit(cache=True, parallel=True)
def ma_cross_batch_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                      tf_open, tf_close, open_spread, close_ask, tf_high, tf_low, ask_high, ask_low, long_drop, short_drop, swap_units, ma_table, fast_row, slow_row, sl, tp,
                      acct, deals, curve, out):
    """One pass per genome g: MA-cross signals from shared indicator rows, then the simulation."""
    for g in prange(len(fast_row)):
        st = np.empty(N_STATE)
        signal = cross_signal_nb(ma_table[fast_row[g]], ma_table[slow_row[g]])
        simulate_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                    tf_open, tf_close, open_spread, close_ask, tf_high, tf_low, ask_high, ask_low, long_drop, short_drop, swap_units, signal, sl[g], tp[g], np.empty(0), np.empty(0), acct,
                    st, deals, curve, out[g])
