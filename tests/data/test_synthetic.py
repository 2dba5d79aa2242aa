"""The embedded synthetic data: deterministic, valid bars, FX-like structure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rayga.data.readers import RawBars
from rayga.data.synthetic import generate
from rayga.data.validate import check_prices


def test_deterministic_and_seed_sensitive():
    a, b = generate("2022-01-01", "2022-02-01", seed=1), generate("2022-01-01", "2022-02-01", seed=1)
    c = generate("2022-01-01", "2022-02-01", seed=2)
    np.testing.assert_array_equal(a.close, b.close)
    assert not np.array_equal(a.close, c.close)


def test_valid_bars_and_fx_structure():
    bars = generate("2022-01-01", "2023-01-01")
    check_prices(RawBars("synthetic", bars.time, bars.open, bars.high, bars.low, bars.close,
                         bars.tick_volume, bars.volume, bars.spread))
    idx = pd.DatetimeIndex(bars.time.view("datetime64[ns]"), tz="UTC")
    assert not ((idx.day_of_week == 5).any()), "no bars on Saturday"
    assert not ((idx.day_of_week == 4) & (idx.hour >= 22)).any() and not ((idx.day_of_week == 6) & (idx.hour < 22)).any()
    r = np.diff(np.log(bars.close))
    absr = pd.Series(np.abs(r))
    assert absr.autocorr(60) > 0.1, "volatility clusters"
    hour = idx.hour[1:]
    assert absr[(hour >= 12) & (hour < 16)].mean() > 2 * absr[(hour >= 1) & (hour < 5)].mean(), "seasonality"
    weekend = np.flatnonzero(np.diff(bars.time) > 86_400_000_000_000)
    gap = np.abs(bars.open[weekend + 1] - bars.close[weekend])
    assert (gap > 0).mean() > 0.9, "weekend opening gaps"
    assert 0.9 < bars.close.min() and bars.close.max() < 1.35
