"""Each indicator against its slow reference on random bars, and against pandas/vectorbt on real EURUSD
bars where the definitions coincide (same numbers after the warm-up, NaN during it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga import indicators as ind
from rayga.errors import ConfigError
from tests.indicators import reference as ref

RTOL = 1e-9


def bars(n: int = 400, seed: int = 0):  # noqa: ANN201
    rng = np.random.default_rng(seed)
    close = 1.1 + np.cumsum(rng.normal(0, 1e-3, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + np.abs(rng.normal(0, 5e-4, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 5e-4, n))
    close[50:55] = close[49]  # a flat stretch: ties, no gains, no losses
    high[50:55] = low[50:55] = open_[50:55] = close[49]
    return open_, high, low, close


def same(got, want) -> None:  # noqa: ANN001
    got, want = np.asarray(got, dtype=np.float64), ref.as_array(want)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))  # the warm-up: NaN exactly where MT5 draws nothing
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=RTOL, atol=1e-8)  # running sums drift ~1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("period", [1, 2, 5, 14])
def test_moving_averages_and_oscillators_equal_their_references(seed, period):
    o, h, lo, c = bars(seed=seed)
    x = list(c)
    same(ind.ma(c, period, "sma"), ref.sma(x, period))
    same(ind.ma(c, period, "ema"), ref.ema(x, period))
    same(ind.ma(c, period, "smma"), ref.smma(x, period))
    same(ind.ma(c, period, "lwma"), ref.lwma(x, period))
    same(ind.rsi(c, period), ref.rsi(x, period))
    same(ind.atr(h, lo, c, period), ref.atr(list(h), list(lo), x, period))
    same(ind.stddev(c, period), ref.stddev(x, period))
    same(ind.cci(h, lo, c, period), ref.cci(list(h), list(lo), x, period))
    for got, want in zip(ind.adx(h, lo, c, period), ref.adx(list(h), list(lo), x, period), strict=True):
        same(got, want)
    same(ind.momentum(c, period), ref.momentum(x, period))
    same(ind.roc(c, period), ref.roc(x, period))
    for got, want in zip(ind.donchian(h, lo, period), ref.donchian(list(h), list(lo), period), strict=True):
        same(got, want)


@pytest.mark.parametrize(("k", "d", "slowing"), [(5, 3, 3), (14, 3, 1), (9, 5, 4)])
def test_stochastic_equals_reference(k, d, slowing):
    o, h, lo, c = bars(seed=3)
    for got, want in zip(ind.stochastic(h, lo, c, k, d, slowing), ref.stochastic(list(h), list(lo), list(c), k, d,
                                                                                   slowing), strict=True):
        same(got, want)


@pytest.mark.parametrize(("f", "s", "sig"), [(12, 26, 9), (3, 10, 4)])
def test_macd_and_bollinger_equal_references(f, s, sig):
    o, h, lo, c = bars(seed=4)
    for got, want in zip(ind.macd(c, f, s, sig), ref.macd(list(c), f, s, sig), strict=True):
        same(got, want)
    mid, up, dn = ind.bollinger(c, 20, 2.5)
    sd = ref.as_array(ref.stddev(list(c), 20))
    same(mid, ref.sma(list(c), 20))
    same(up, ref.as_array(ref.sma(list(c), 20)) + 2.5 * sd)
    same(dn, ref.as_array(ref.sma(list(c), 20)) - 2.5 * sd)


def test_applied_prices():
    o, h, lo, c = bars()
    np.testing.assert_array_equal(ind.applied_price(o, h, lo, c, "median"), (h + lo) / 2)
    np.testing.assert_array_equal(ind.applied_price(o, h, lo, c, "typical"), (h + lo + c) / 3)
    np.testing.assert_array_equal(ind.applied_price(o, h, lo, c, "weighted"), (h + lo + 2 * c) / 4)
    np.testing.assert_array_equal(ind.applied_price(o, h, lo, c, "open"), o)


@pytest.fixture(scope="module")
def eurusd(eurusd_dir):  # noqa: ANN001, ANN201
    from rayga.data.load import load_market_data

    return load_market_data(str(eurusd_dir), "EURUSD", "2022-01-01", "2023-01-01", "M15").bars().to_frame()


@pytest.mark.shared
def test_same_numbers_as_pandas_on_real_eurusd(eurusd):
    c, h, lo = eurusd["close"], eurusd["high"], eurusd["low"]
    x = c.to_numpy()
    same(ind.ma(x, 48, "sma"), c.rolling(48).mean())
    same(ind.ma(x, 48, "ema"), c.ewm(span=48, adjust=False).mean().where(np.arange(len(c)) >= 47))
    same(ind.stddev(x, 20), c.rolling(20).std(ddof=0))
    up, dn = ind.donchian(h.to_numpy(), lo.to_numpy(), 55)
    same(up, h.rolling(55).max())
    same(dn, lo.rolling(55).min())
    tr = pd.concat([h, c.shift()], axis=1).max(axis=1) - pd.concat([lo, c.shift()], axis=1).min(axis=1)
    same(ind.atr(h.to_numpy(), lo.to_numpy(), x, 14), tr.iloc[1:].rolling(14).mean().reindex(c.index))
    same(ind.roc(x, 10), c.pct_change(10) * 100)


@pytest.mark.shared
def test_same_numbers_as_vectorbt_on_real_eurusd(eurusd):
    import vectorbt as vbt

    c = eurusd["close"]
    same(ind.ma(c.to_numpy(), 30, "sma"), vbt.MA.run(c, 30).ma)
    same(ind.ma(c.to_numpy(), 30, "ema"), vbt.MA.run(c, 30, ewm=True).ma)
    mid, up, _ = ind.bollinger(c.to_numpy(), 20, 2.0)
    bb = vbt.BBANDS.run(c, window=20, alpha=2.0)
    same(mid, bb.middle)
    same(up, bb.upper)


def test_bad_parameters_are_named():
    x = np.ones(50)
    with pytest.raises(ConfigError, match="`period` must be a whole number >= 1"):
        ind.rsi(x, 0)
    with pytest.raises(ConfigError, match='did you mean "lwma"'):
        ind.ma(x, 5, "lwm")
    with pytest.raises(ConfigError, match="`fast` .* must be below `slow`"):
        ind.macd(x, 26, 12)


def test_vectorbt_indicator_wrappers_give_the_kernels_numbers():
    from rayga.indicators import vbt as mt5

    o, h, lo, c = bars(seed=5)
    close = pd.Series(c, index=pd.date_range("2022-01-03", periods=len(c), freq="15min"))
    rsi = mt5.MT5RSI.run(close, period=[7, 14])
    assert rsi.rsi.shape == (len(c), 2)
    same(rsi.rsi.iloc[:, 1], ind.rsi(c, 14))
    frame = pd.DataFrame({"high": h, "low": lo, "close": c}, index=close.index)
    adx = mt5.MT5ADX.run(frame["high"], frame["low"], frame["close"], period=10)
    same(adx.adx, ind.adx(h, lo, c, 10)[0])
    bands = mt5.MT5BANDS.run(close, period=20, deviation=2.5)
    same(bands.upper, ind.bollinger(c, 20, 2.5)[1])
    assert rsi.rsi_crossed_above(70).values.dtype == bool  # vectorbt's own helpers work on them
