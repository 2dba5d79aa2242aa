"""Numba kernels of the data layer (kernel-only module: numpy and numba imports only)."""

import numpy as np
from numba import njit


@njit(cache=True)
def log_vol_path_nb(eps_slow, eps_fast, phi_slow, phi_fast, eta_slow, eta_fast):
    """Two-factor AR(1) log-volatility: a slow (days) and a fast (hours) component, giving the
    volatility clusters seen in FX minute returns."""
    n = len(eps_slow)
    out = np.empty(n)
    slow = 0.0
    fast = 0.0
    for i in range(n):
        slow = phi_slow * slow + eta_slow * eps_slow[i]
        fast = phi_fast * fast + eta_fast * eps_fast[i]
        out[i] = slow + fast
    return out


@njit(cache=True)
def mean_reverting_log_price_nb(log_p0, anchor, kappa, returns, jumps):
    """Close-to-close log price: returns plus jumps, pulled weakly towards `anchor` so that years of
    synthetic data stay in a realistic range."""
    n = len(returns)
    out = np.empty(n)
    x = log_p0
    for i in range(n):
        x = x + jumps[i] + returns[i] - kappa * (x - anchor)
        out[i] = x
    return out
