"""Numba kernels that fill indicator rows in parallel (kernel-only module).

A batch's moving averages: vectorbt's `rolling_mean_1d_nb` takes each window's mean from a running sum
of the closes, the same for every window; computed once and shared, the rows come out the same bits
(tests/strategies/test_rows.py checks it against vectorbt's kernel) at a quarter of the cost."""

import numpy as np
from numba import njit, prange


@njit(cache=True)
def running_sums_nb(a):
    """The running sum of the non-NaN values of `a` and the running count of NaN, in the order and
    arithmetic of vectorbt's `rolling_mean_1d_nb` (its `cumsum_arr` and `nancnt_arr`)."""
    cumsum_arr = np.zeros_like(a)
    nancnt_arr = np.zeros_like(a)
    cumsum = 0.0
    nancnt = 0
    for i in range(a.shape[0]):
        if np.isnan(a[i]):
            nancnt = nancnt + 1
        else:
            cumsum = cumsum + a[i]
        nancnt_arr[i] = nancnt
        cumsum_arr[i] = cumsum
    return cumsum_arr, nancnt_arr


@njit(cache=True, _nrt=False, error_model="numpy")
def sma_from_sums_nb(cumsum_arr, nancnt_arr, window, out):
    """vectorbt's `rolling_mean_1d_nb(a, window, window)` (window >= 1) from the running sums of `a`:
    the same expressions value for value, so the same bits, but branch-free (SIMD lanes) and without
    recomputing the running sums for each window."""
    n = len(out)
    head = min(window, n)
    for i in range(head):
        window_len = i + 1 - nancnt_arr[i]
        out[i] = np.nan if window_len < window else cumsum_arr[i] / window_len
    cs, cs_lag, o = cumsum_arr[head:], cumsum_arr[:n - head], out[head:]
    nc, nc_lag = nancnt_arr[head:], nancnt_arr[:n - head]
    for i in range(n - head):
        window_len = window - (nc[i] - nc_lag[i])
        o[i] = np.nan if window_len < window else (cs[i] - cs_lag[i]) / window_len


@njit(cache=True, parallel=True)
def sma_rows_nb(close, periods, matrix, rows):
    """matrix[rows[i]] = the simple moving average of `close` over periods[i] >= 1 bars, as vectorbt's
    `rolling_mean_1d_nb` gives it (NaN in the warm-up): the running sums once, then the rows in parallel."""
    cumsum_arr, nancnt_arr = running_sums_nb(close)
    for i in prange(len(periods)):
        sma_from_sums_nb(cumsum_arr, nancnt_arr, periods[i], matrix[rows[i]])
