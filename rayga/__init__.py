"""rayga: MT5-style genetic optimization of trading strategies over M1 OHLC backtests, on Ray."""

from rayga import _numba_cache

NUMBA_CACHE = _numba_cache.configure()  # before any kernel module is imported

from rayga.config import Config, load_config  # noqa: E402
from rayga.data import M1Bars, MarketData, SymbolSpec, TimeframeBars, load_market_data  # noqa: E402
from rayga.errors import ConfigError, DataError, RaygaError  # noqa: E402

__all__ = ["Config", "ConfigError", "DataError", "M1Bars", "MarketData", "RaygaError", "SymbolSpec",
           "TimeframeBars", "load_config", "load_market_data"]
__version__ = "0.1.0"
