"""rayga: MT5-style genetic optimization of trading strategies over M1 OHLC backtests, on Ray."""

from rayga.config import Config, load_config
from rayga.data import M1Bars, MarketData, SymbolSpec, TimeframeBars, load_market_data
from rayga.errors import ConfigError, DataError, RaygaError

__all__ = ["Config", "ConfigError", "DataError", "M1Bars", "MarketData", "RaygaError", "SymbolSpec",
           "TimeframeBars", "load_config", "load_market_data"]
__version__ = "0.1.0"
