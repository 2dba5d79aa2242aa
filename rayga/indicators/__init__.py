"""MT5's indicators on timeframe bars: thin validated wrappers over the kernels in `_nb` (NaN during the
warm-up, where MT5 draws nothing). Prices are float64 arrays; periods whole numbers >= 1."""

from __future__ import annotations

import difflib

import numpy as np

from rayga.errors import ConfigError
from rayga.indicators import _nb

APPLIED_PRICES = {"close": _nb.PRICE_CLOSE, "open": _nb.PRICE_OPEN, "high": _nb.PRICE_HIGH, "low": _nb.PRICE_LOW,
                  "median": _nb.PRICE_MEDIAN, "typical": _nb.PRICE_TYPICAL, "weighted": _nb.PRICE_WEIGHTED}
MA_METHODS = {"sma": _nb.MA_SMA, "ema": _nb.MA_EMA, "smma": _nb.MA_SMMA, "lwma": _nb.MA_LWMA}

__all__ = ["APPLIED_PRICES", "MA_METHODS", "adx", "applied_price", "atr", "bollinger", "cci", "donchian", "ma",
           "macd", "momentum", "roc", "rsi", "stddev", "stochastic"]


def _arr(x: np.ndarray, name: str = "price") -> np.ndarray:
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ConfigError(f"`{name}` must be one column of prices (got shape {a.shape})")
    return a


def _period(value: float, name: str = "period") -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise ConfigError(f"`{name}` must be a whole number >= 1 (got {value!r})")
    return int(value)


def _choice(value: str, table: dict[str, int], name: str) -> int:
    if value not in table:
        hint = difflib.get_close_matches(str(value), list(table), n=1)
        also = f"; did you mean \"{hint[0]}\"?" if hint else ""
        raise ConfigError(f"`{name}` must be one of {', '.join(table)} (got {value!r}){also}")
    return table[value]


def applied_price(open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
                  price: str = "close") -> np.ndarray:
    return _nb.applied_price_nb(_arr(open_), _arr(high), _arr(low), _arr(close),
                                _choice(price, APPLIED_PRICES, "applied price"))


def ma(x: np.ndarray, period: int, method: str = "sma") -> np.ndarray:
    """MT5's moving averages: sma, ema, smma (smoothed), lwma (linear weighted)."""
    return _nb.ma_nb(_arr(x), _period(period), _choice(method, MA_METHODS, "ma method"))


def rsi(x: np.ndarray, period: int = 14) -> np.ndarray:
    return _nb.rsi_nb(_arr(x), _period(period))


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> np.ndarray:
    return _nb.atr_nb(_arr(high, "high"), _arr(low, "low"), _arr(close, "close"), _period(period))


def stddev(x: np.ndarray, period: int = 20) -> np.ndarray:
    return _nb.stddev_nb(_arr(x), _period(period))


def bollinger(x: np.ndarray, period: int = 20, deviation: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(middle, upper, lower)."""
    if not deviation > 0:
        raise ConfigError(f"`deviation` must be > 0 (got {deviation!r})")
    return _nb.bollinger_nb(_arr(x), _period(period), float(deviation))


def macd(x: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """(main, signal)."""
    fast, slow = _period(fast, "fast"), _period(slow, "slow")
    if fast >= slow:
        raise ConfigError(f"`fast` ({fast}) must be below `slow` ({slow})")
    return _nb.macd_nb(_arr(x), fast, slow, _period(signal, "signal"))


def donchian(high: np.ndarray, low: np.ndarray, period: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(upper = highest high, lower = lowest low) of the last `period` bars."""
    return _nb.donchian_nb(_arr(high, "high"), _arr(low, "low"), _period(period))


def stochastic(high: np.ndarray, low: np.ndarray, close: np.ndarray, k_period: int = 5, d_period: int = 3,
               slowing: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(%K, %D)."""
    return _nb.stochastic_nb(_arr(high, "high"), _arr(low, "low"), _arr(close, "close"), _period(k_period, "k_period"),
                             _period(d_period, "d_period"), _period(slowing, "slowing"))


def cci(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> np.ndarray:
    return _nb.cci_nb(_arr(high, "high"), _arr(low, "low"), _arr(close, "close"), _period(period))


def adx(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ADX, +DI, -DI)."""
    return _nb.adx_nb(_arr(high, "high"), _arr(low, "low"), _arr(close, "close"), _period(period))


def momentum(x: np.ndarray, period: int = 14) -> np.ndarray:
    return _nb.momentum_nb(_arr(x), _period(period))


def roc(x: np.ndarray, period: int = 14) -> np.ndarray:
    return _nb.roc_nb(_arr(x), _period(period))
