"""Timeframe bars: against a slow reference, against pandas on real data, date ranges, server time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.data.bars import M1_NS, M1Bars
from rayga.data.load import load_market_data
from rayga.data.market import TIMEFRAMES, build_bars, date_to_ns
from rayga.data.timezones import to_local, to_utc


def random_m1(n: int, seed: int) -> M1Bars:
    rng = np.random.default_rng(seed)
    steps = rng.choice([1, 1, 1, 2, 7, 60, 300, 2900], size=n)
    time = pd.Timestamp("2021-03-25", tz="UTC").value + np.cumsum(steps) * M1_NS
    close = 1.1 + np.cumsum(rng.normal(0, 1e-4, n))
    open_ = close + rng.normal(0, 5e-5, n)
    high = np.maximum(open_, close) + rng.random(n) * 1e-4
    low = np.minimum(open_, close) - rng.random(n) * 1e-4
    z = np.zeros(n)
    return M1Bars(time=time, open=open_, high=high, low=low, close=close, spread=z, tick_volume=z, volume=z)


def slow_bars(m1: M1Bars, minutes: int, zone: str) -> list[tuple]:
    """Obvious reference: walk the bars, start a new bar whenever the server-time period changes."""
    local = to_local(m1.time, zone)
    out: list[list] = []
    last_key = None
    for i in range(len(m1)):
        key = local[i] // (minutes * M1_NS)
        if key != last_key:
            out.append([int(to_utc(np.array([key * minutes * M1_NS]), zone)[0]), m1.open[i], m1.high[i], m1.low[i],
                        m1.close[i], i, i + 1])
            last_key = key
        else:
            bar = out[-1]
            bar[2] = max(bar[2], m1.high[i])
            bar[3] = min(bar[3], m1.low[i])
            bar[4] = m1.close[i]
            bar[6] = i + 1
    return [tuple(b) for b in out]


@pytest.mark.parametrize("tf", list(TIMEFRAMES))
@pytest.mark.parametrize("zone", ["UTC", "mt5-ny", "UTC+3"])
def test_build_bars_matches_slow_reference(tf, zone):
    m1 = random_m1(3000, seed=len(tf) + len(zone))
    bars = build_bars(m1, tf, zone)
    fast = list(zip(bars.time, bars.open, bars.high, bars.low, bars.close, bars.m1_start, bars.m1_stop, strict=True))
    assert fast == slow_bars(m1, TIMEFRAMES[tf], zone)


def test_d1_bars_start_at_server_midnight_mt5_ny():
    m1 = random_m1(20_000, seed=5)
    bars = build_bars(m1, "D1", "mt5-ny")
    hours = pd.DatetimeIndex(bars.time.view("datetime64[ns]"), tz="UTC").tz_convert("America/New_York").hour
    assert set(hours) == {17}  # server midnight is 17:00 in New York, summer and winter
    for k in range(len(bars)):
        window = slice(bars.m1_start[k], bars.m1_stop[k])
        assert bars.high[k] == m1.high[window].max() and bars.low[k] == m1.low[window].min()


def test_date_range_start_included_end_excluded(eurusd_dir):
    md = load_market_data(eurusd_dir, "EURUSD", "2021-03-01", "2021-03-02", "M15")
    assert md.m1.time[0] == pd.Timestamp("2021-03-01 00:00", tz="UTC").value
    assert md.m1.time[-1] == pd.Timestamp("2021-03-01 23:59", tz="UTC").value
    server = load_market_data(eurusd_dir, "EURUSD", "2021-03-01", "2021-03-02", "H4", server_tz="UTC+2")
    assert server.m1.time[0] == pd.Timestamp("2021-02-28 22:00", tz="UTC").value
    assert server.bars().time[0] == pd.Timestamp("2021-02-28 22:00", tz="UTC").value
    assert date_to_ns("2021-07-01", "mt5-ny", "start") == pd.Timestamp("2021-06-30 21:00", tz="UTC").value


@pytest.mark.shared
def test_m15_over_four_years_equals_pandas_resample(eurusd_m1):
    """The issue's check: all four years imported, M15 bars for 2020-01-01..2023-10-15 equal an
    independent pandas resample, bar for bar."""
    from rayga.data.market import MarketData
    from rayga.data.symbols import symbol_spec

    m1 = eurusd_m1.between(pd.Timestamp("2020-01-01", tz="UTC").value, pd.Timestamp("2023-10-15", tz="UTC").value)
    bars = MarketData(symbol_spec("EURUSD"), m1, "M15").bars()
    frame = pd.DataFrame({"open": m1.open, "high": m1.high, "low": m1.low, "close": m1.close},
                         index=pd.DatetimeIndex(m1.time.view("datetime64[ns]"), tz="UTC"))
    expected = frame.resample("15min", label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last"}).dropna()
    got = bars.to_frame()
    assert len(got) == len(expected) == 91_163
    pd.testing.assert_frame_equal(got, expected, check_freq=False, check_names=False)
    counts = frame.resample("15min").size()
    np.testing.assert_array_equal(bars.m1_stop - bars.m1_start, counts[counts > 0].to_numpy())
