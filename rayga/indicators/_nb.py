"""Numba kernels of the indicators, with MT5's definitions (kernel-only module).

Every kernel takes float64 arrays of timeframe bars and returns arrays of the same length, NaN where
MT5 draws nothing yet (the warm-up: no signal may come from those bars). Where vectorbt ships a Numba
kernel with the same definition it is called (SMA, EMA, rolling std, max and min); the others are
written here because MT5 defines them differently (SMMA, LWMA, Wilder-smoothed RSI, MT5's EMA-smoothed
ADX, the slowed Stochastic, the CCI's mean deviation).
"""

import numpy as np
from numba import njit
from vectorbt.generic.nb import (
    ewm_mean_1d_nb,
    rolling_max_1d_nb,
    rolling_mean_1d_nb,
    rolling_min_1d_nb,
    rolling_std_1d_nb,
)

# Applied price (MT5 ENUM_APPLIED_PRICE).
PRICE_CLOSE = 0
PRICE_OPEN = 1
PRICE_HIGH = 2
PRICE_LOW = 3
PRICE_MEDIAN = 4    # (high + low) / 2
PRICE_TYPICAL = 5   # (high + low + close) / 3
PRICE_WEIGHTED = 6  # (high + low + 2 close) / 4

# Moving average method (MT5 ENUM_MA_METHOD).
MA_SMA = 0
MA_EMA = 1
MA_SMMA = 2
MA_LWMA = 3


@njit(cache=True)
def applied_price_nb(open_, high, low, close, kind):
    if kind == PRICE_CLOSE:
        return close.copy()
    if kind == PRICE_OPEN:
        return open_.copy()
    if kind == PRICE_HIGH:
        return high.copy()
    if kind == PRICE_LOW:
        return low.copy()
    if kind == PRICE_MEDIAN:
        return (high + low) / 2.0
    if kind == PRICE_TYPICAL:
        return (high + low + close) / 3.0
    return (high + low + 2.0 * close) / 4.0


@njit(cache=True)
def sma_nb(x, period):
    """Simple moving average (vectorbt's rolling mean), NaN before `period` values."""
    return rolling_mean_1d_nb(x, period, period)


@njit(cache=True)
def ema_nb(x, period):
    """MT5's EMA: seeded with the first value, then alpha = 2 / (period + 1) (vectorbt's ewm mean,
    adjust=False), drawn from the period-th bar on."""
    return ewm_mean_1d_nb(x, period, period, False)


@njit(cache=True)
def smma_nb(x, period):
    """MT5's smoothed MA: the first value is the SMA of the first `period` values, then
    (previous x (period - 1) + value) / period. vectorbt has no such kernel."""
    n = len(x)
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    s = 0.0
    for i in range(period):
        s += x[i]
    prev = s / period
    out[period - 1] = prev
    for i in range(period, n):
        prev = (prev * (period - 1) + x[i]) / period
        out[i] = prev
    return out


@njit(cache=True)
def lwma_nb(x, period):
    """MT5's linear weighted MA: weights 1 .. period, the newest heaviest (running sums: O(n))."""
    n = len(x)
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    norm = period * (period + 1) / 2.0
    total = 0.0  # sum of the window
    weighted = 0.0  # sum of weight x value
    for i in range(period):
        total += x[i]
        weighted += (i + 1) * x[i]
    out[period - 1] = weighted / norm
    for i in range(period, n):
        weighted += period * x[i] - total
        total += x[i] - x[i - period]
        out[i] = weighted / norm
    return out


@njit(cache=True)
def ma_nb(x, period, method):
    if method == MA_EMA:
        return ema_nb(x, period)
    if method == MA_SMMA:
        return smma_nb(x, period)
    if method == MA_LWMA:
        return lwma_nb(x, period)
    return sma_nb(x, period)


@njit(cache=True)
def rsi_nb(x, period):
    """MT5's RSI: Wilder's smoothing of gains and losses (first averages are simple means of the first
    `period` changes); 100 when there is no loss, 50 when the price does not move."""
    n = len(x)
    out = np.full(n, np.nan)
    if period < 1 or n <= period:
        return out
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        d = x[i] - x[i - 1]
        if d > 0:
            gain += d
        else:
            loss -= d
    gain /= period
    loss /= period
    for i in range(period, n):
        if i > period:
            d = x[i] - x[i - 1]
            gain = (gain * (period - 1) + (d if d > 0 else 0.0)) / period
            loss = (loss * (period - 1) + (-d if d < 0 else 0.0)) / period
        if loss == 0.0:
            out[i] = 50.0 if gain == 0.0 else 100.0
        else:
            out[i] = 100.0 - 100.0 / (1.0 + gain / loss)
    return out


@njit(cache=True)
def true_range_nb(high, low, close):
    n = len(close)
    out = np.empty(n)
    if n:
        out[0] = high[0] - low[0]
    for i in range(1, n):
        out[i] = max(high[i], close[i - 1]) - min(low[i], close[i - 1])
    return out


@njit(cache=True)
def atr_nb(high, low, close, period):
    """MT5's ATR: the simple average of the true range over `period` bars, from bar 1 on (MT5 gives the
    first bar no true range), so the first value is at bar `period`."""
    tr = true_range_nb(high, low, close)
    out = np.full(len(close), np.nan)
    if len(close) > 1:
        out[1:] = sma_nb(tr[1:], period)
    return out


@njit(cache=True)
def stddev_nb(x, period):
    """MT5's StdDev (MA method SMA): population standard deviation over `period` bars."""
    return rolling_std_1d_nb(x, period, period, 0)


@njit(cache=True)
def bollinger_nb(x, period, deviation):
    """MT5's Bollinger Bands: SMA middle, +- deviation x population standard deviation."""
    mid = sma_nb(x, period)
    sd = stddev_nb(x, period)
    return mid, mid + deviation * sd, mid - deviation * sd


@njit(cache=True)
def macd_nb(x, fast, slow, signal):
    """MT5's MACD: EMA(fast) - EMA(slow); its signal line is the SMA of the MACD over `signal` bars."""
    main = ema_nb(x, fast) - ema_nb(x, slow)
    sig = np.full(len(x), np.nan)
    start = 0
    while start < len(main) and np.isnan(main[start]):
        start += 1
    if start < len(main):
        sig[start:] = sma_nb(main[start:], signal)
    return main, sig


@njit(cache=True)
def donchian_nb(high, low, period):
    """Highest high and lowest low of the last `period` bars (this bar included)."""
    return rolling_max_1d_nb(high, period, period), rolling_min_1d_nb(low, period, period)


@njit(cache=True)
def stochastic_nb(high, low, close, k_period, d_period, slowing):
    """MT5's Stochastic: %K = 100 x sum over `slowing` bars of (close - lowest low) / sum of
    (highest high - lowest low), both over `k_period` bars; %D = SMA of %K over `d_period`."""
    n = len(close)
    k = np.full(n, np.nan)
    hh = rolling_max_1d_nb(high, k_period, k_period)
    ll = rolling_min_1d_nb(low, k_period, k_period)
    first = k_period - 1 + slowing - 1
    for i in range(first, n):
        num = 0.0
        den = 0.0
        for j in range(i - slowing + 1, i + 1):
            num += close[j] - ll[j]
            den += hh[j] - ll[j]
        k[i] = 100.0 if den == 0.0 else 100.0 * num / den
    d = np.full(n, np.nan)
    if first < n:
        d[first:] = sma_nb(k[first:], d_period)
    return k, d


@njit(cache=True)
def cci_nb(high, low, close, period):
    """MT5's CCI on the typical price: (price - SMA) / (0.015 x mean absolute deviation from the SMA)."""
    tp = (high + low + close) / 3.0
    n = len(tp)
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        ma = 0.0  # the window's own mean (a running mean's rounding drift would be amplified by 1 / dev)
        for j in range(i - period + 1, i + 1):
            ma += tp[j]
        ma /= period
        dev = 0.0
        for j in range(i - period + 1, i + 1):
            dev += abs(tp[j] - ma)
        dev = dev * 0.015 / period
        out[i] = 0.0 if dev == 0.0 else (tp[i] - ma) / dev
    return out


@njit(cache=True)
def adx_nb(high, low, close, period):
    """MT5's ADX (ADX.mq5): per bar +DM / -DM (the larger move only, none on a tie) as % of the true
    range, each smoothed by MT5's EMA (alpha = 2 / (period + 1), started from 0 as MT5 starts its
    buffers), DX = 100 |+DI - -DI| / (+DI + -DI), ADX = the same EMA of DX. +DI/-DI are drawn from bar
    `period`, ADX from bar 2 x `period`. Returns (adx, +di, -di)."""
    n = len(close)
    pdi = np.full(n, np.nan)
    mdi = np.full(n, np.nan)
    adx = np.full(n, np.nan)
    a = 2.0 / (period + 1.0)
    p_ema = 0.0
    m_ema = 0.0
    x_ema = 0.0
    for i in range(1, n):
        up = max(high[i] - high[i - 1], 0.0)
        down = max(low[i - 1] - low[i], 0.0)
        if up > down:
            down = 0.0
        elif up < down:
            up = 0.0
        else:
            up = 0.0
            down = 0.0
        tr = max(high[i], close[i - 1]) - min(low[i], close[i - 1])
        p = 100.0 * up / tr if tr != 0.0 else 0.0
        m = 100.0 * down / tr if tr != 0.0 else 0.0
        p_ema = p * a + p_ema * (1.0 - a)
        m_ema = m * a + m_ema * (1.0 - a)
        s = p_ema + m_ema
        dx = 100.0 * abs((p_ema - m_ema) / s) if s != 0.0 else 0.0
        x_ema = dx * a + x_ema * (1.0 - a)
        if i >= period:
            pdi[i] = p_ema
            mdi[i] = m_ema
        if i >= 2 * period:
            adx[i] = x_ema
    return adx, pdi, mdi


@njit(cache=True)
def momentum_nb(x, period):
    """MT5's Momentum: 100 x price / price `period` bars ago."""
    n = len(x)
    out = np.full(n, np.nan)
    for i in range(period, n):
        out[i] = 100.0 * x[i] / x[i - period]
    return out


@njit(cache=True)
def roc_nb(x, period):
    """Rate of change in %: 100 x (price - price `period` bars ago) / that price."""
    n = len(x)
    out = np.full(n, np.nan)
    for i in range(period, n):
        out[i] = 100.0 * (x[i] - x[i - period]) / x[i - period]
    return out
