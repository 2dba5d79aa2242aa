"""Market data: reading bar files, the Parquet store, synthetic default data, and `MarketData`."""

from rayga.data.bars import M1Bars
from rayga.data.load import import_to_store, load_market_data, read_files
from rayga.data.market import TIMEFRAMES, MarketData, TimeframeBars, build_bars
from rayga.data.symbols import SymbolSpec, symbol_spec

__all__ = ["M1Bars", "MarketData", "SymbolSpec", "TIMEFRAMES", "TimeframeBars", "build_bars",
           "import_to_store", "load_market_data", "read_files", "symbol_spec"]
