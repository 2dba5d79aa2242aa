"""`MarketData`: one symbol's M1 bars over a date range plus the timeframe bars built from them.

Timeframe bars exist only where M1 bars exist (no bars are fabricated over gaps). Each timeframe bar
knows the range of its M1 bars (`m1_start`, `m1_stop`), which the simulator walks for M1-OHLC
modelling. Bar boundaries follow the broker's server time zone (H4 and D1 bars start at server
midnight), as in MT5; all stored stamps stay in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rayga.data.bars import M1_NS, M1Bars
from rayga.data.symbols import SymbolSpec
from rayga.data.timezones import check_zone, to_utc, utc_offsets
from rayga.errors import ConfigError, DataError

TIMEFRAMES: dict[str, int] = {"M1": 1, "M5": 5, "M15": 15, "M30": 30, "H1": 60, "H4": 240, "D1": 1440}


def check_timeframe(timeframe: str) -> str:
    tf = timeframe.upper()
    if tf not in TIMEFRAMES:
        raise ConfigError(f"unknown timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES)}")
    return tf


@dataclass(frozen=True, eq=False)
class TimeframeBars:
    """Bid OHLC bars of one timeframe; `time` is each bar's open (the period boundary) in UTC ns and
    bar k covers M1 bars m1_start[k] .. m1_stop[k] - 1."""

    timeframe: str
    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    m1_start: np.ndarray
    m1_stop: np.ndarray

    def __len__(self) -> int:
        return len(self.time)

    def to_frame(self) -> pd.DataFrame:
        index = pd.DatetimeIndex(self.time.view("datetime64[ns]"), tz="UTC", name="time")
        return pd.DataFrame({"open": self.open, "high": self.high, "low": self.low, "close": self.close},
                            index=index)


def build_bars(m1: M1Bars, timeframe: str, server_tz: str = "UTC") -> TimeframeBars:
    """Aggregate M1 bars into `timeframe` bars whose boundaries fall on the server-time grid."""
    tf = check_timeframe(timeframe)
    period = TIMEFRAMES[tf] * M1_NS
    n = len(m1)
    if n == 0:
        empty_f, empty_i = np.empty(0), np.empty(0, np.int64)
        return TimeframeBars(tf, empty_i, empty_f, empty_f, empty_f, empty_f, empty_i, empty_i)
    offset = utc_offsets(m1.time, server_tz)
    key = (m1.time + offset) // period
    start = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1)).astype(np.int64)
    stop = np.append(start[1:], n).astype(np.int64)
    return TimeframeBars(
        timeframe=tf,
        time=to_utc(key[start] * period, server_tz),
        open=m1.open[start], close=m1.close[stop - 1],
        high=np.maximum.reduceat(m1.high, start), low=np.minimum.reduceat(m1.low, start),
        m1_start=start, m1_stop=stop)


def date_to_ns(value: object, server_tz: str, what: str) -> int:
    """00:00 server time of a date (or a full stamp) as UTC ns."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"`{what}` must be a date like 2020-01-01 (got {value!r})") from None
    if ts.tzinfo is not None:
        return int(ts.tz_convert("UTC").value)
    local = int(ts.as_unit("ns").value)
    guess = local - int(utc_offsets(np.array([local]), server_tz)[0])
    return local - int(utc_offsets(np.array([guess]), server_tz)[0])


@dataclass(frozen=True, eq=False)
class MarketData:
    """M1 bars of `symbol` for [start, end) and their timeframe bars (built on demand, cached)."""

    symbol: SymbolSpec
    m1: M1Bars
    timeframe: str = "M15"
    server_tz: str = "UTC"
    source: str = ""
    synthetic: bool = False
    _bars: dict[str, TimeframeBars] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeframe", check_timeframe(self.timeframe))
        object.__setattr__(self, "server_tz", check_zone(self.server_tz))
        if len(self.m1) == 0:
            raise DataError(f"{self.source or 'data'}: no M1 bars of {self.symbol.name} in the requested date range")

    def bars(self, timeframe: str | None = None) -> TimeframeBars:
        """Timeframe bars (the strategy's timeframe by default)."""
        tf = check_timeframe(timeframe or self.timeframe)
        if tf not in self._bars:
            self._bars[tf] = build_bars(self.m1, tf, self.server_tz)
        return self._bars[tf]

    def spread_points(self, default: float | None = None) -> np.ndarray:
        """Spread of every M1 bar in points; where the data has none (<= 0) `default` (the symbol's
        default spread when not given)."""
        return np.where(self.m1.spread > 0, self.m1.spread, self.symbol.spread_points if default is None else default)

    @property
    def label(self) -> str:
        first = pd.Timestamp(int(self.m1.time[0]), tz="UTC").strftime("%Y-%m-%d %H:%M")
        last = pd.Timestamp(int(self.m1.time[-1]), tz="UTC").strftime("%Y-%m-%d %H:%M")
        return (f"{self.symbol.name} {self.timeframe} from {len(self.m1):,} M1 bars {first} .. {last} UTC "
                f"({self.source})")
