"""Numba kernels of the built-in strategies' signals and their batch loops (kernel-only module)."""

import numpy as np
from numba import njit, prange

from rayga.sim._nb import simulate_nb


@njit(cache=True)
def cross_signal_nb(fast, slow):
    """+1 when `fast` closes above `slow` after closing at or below it, -1 for the opposite cross,
    0 otherwise and wherever either average is not yet defined (warm-up)."""
    n = len(fast)
    out = np.zeros(n, dtype=np.int8)
    for k in range(1, n):
        f0, s0, f1, s1 = fast[k - 1], slow[k - 1], fast[k], slow[k]
        if np.isnan(f0) or np.isnan(s0) or np.isnan(f1) or np.isnan(s1):
            continue
        if f1 > s1 and f0 <= s0:
            out[k] = 1
        elif f1 < s1 and f0 >= s0:
            out[k] = -1
    return out


@njit(cache=True, parallel=True)
def ma_cross_batch_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                      tf_open, tf_close, open_spread, close_spread, tf_high, tf_low, ask_high, ask_low, long_drop, short_drop, swap_units, ma_table, fast_row, slow_row, sl, tp,
                      acct, deals, out):
    """One pass per genome g: MA-cross signals from shared indicator rows, then the simulation."""
    for g in prange(len(fast_row)):
        signal = cross_signal_nb(ma_table[fast_row[g]], ma_table[slow_row[g]])
        simulate_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                    tf_open, tf_close, open_spread, close_spread, tf_high, tf_low, ask_high, ask_low, long_drop, short_drop, swap_units, signal, sl[g], tp[g], acct, deals, out[g])
