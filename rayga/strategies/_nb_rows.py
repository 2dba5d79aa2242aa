"""Numba kernels that fill indicator rows in parallel (kernel-only module; imports vectorbt, so it is
imported only where rows are made)."""

from numba import njit, prange
from vectorbt.generic.nb import rolling_mean_1d_nb


@njit(cache=True, parallel=True)
def sma_rows_nb(close, periods, matrix, rows):
    """matrix[rows[i]] = the simple moving average of `close` over periods[i] bars (vectorbt's own
    kernel, NaN in the warm-up), the rows computed in parallel."""
    for i in prange(len(periods)):
        matrix[rows[i]] = rolling_mean_1d_nb(close, periods[i], periods[i])
