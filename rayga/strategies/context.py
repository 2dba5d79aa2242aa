"""What a rule receives about the market: the timeframe bars with their server-time fields, and the bars of
higher timeframes aligned to them without look-ahead (`rayga.rules.Bars`, built once per data set).

Server time is the config's `server_tz`: a bar's hour, minute, weekday (MT5's numbering: 0 = Sunday) and
day follow it, as `TimeHour(Time[0])` and friends do in an EA. A higher timeframe's bar is visible to a
rule from the decision of the last base bar inside it: the decision is taken on the next bar's first tick,
when MT5's `iClose(_Symbol, PERIOD_H1, 1)` shows that bar too. Before a higher bar has closed its
values are NaN (as MT5 has no such bar yet).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from rayga.data.bars import M1_NS, M1Bars
from rayga.data.market import TIMEFRAMES, build_bars, check_timeframe
from rayga.data.timezones import to_local
from rayga.errors import ConfigError
from rayga.rules import Bars, Higher
from rayga.sim import _nb_state as S
from rayga.sim.prepared import SimData

DAY_NS = 1440 * M1_NS
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _clock(time_utc: np.ndarray, server_tz: str) -> dict[str, np.ndarray]:
    local = to_local(time_utc, server_tz)
    day_number = local // DAY_NS
    stamps = local.astype("datetime64[ns]")
    months = stamps.astype("datetime64[M]")
    years = stamps.astype("datetime64[Y]")
    return {"time": local, "hour": (local % DAY_NS) // (60 * M1_NS), "minute": (local % (60 * M1_NS)) // M1_NS,
            "weekday": (day_number + 4) % 7,  # 1970-01-01 was a Thursday; MT5 counts from Sunday = 0
            "day": (stamps.astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64) + 1,
            "month": (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
            "year": years.astype(np.int64) + 1970, "day_number": day_number}


def base_timeframe_minutes(data: SimData) -> float:
    """The data's timeframe in minutes (its most common bar spacing)."""
    starts = data.m1_time[data.m1_start]
    if len(starts) < 2:
        return 1.0
    return float(np.median(np.diff(starts[: 2_000]))) / M1_NS


def higher_bars(data: SimData, timeframe: str, server_tz: str) -> Higher:
    """`timeframe` bars aligned to each base bar: the last one closed at its decision, NaN before any."""
    m1 = M1Bars(time=data.m1_time, open=data.m1_open, high=data.m1_high, low=data.m1_low, close=data.m1_close,
                spread=np.zeros(len(data.m1_time)), tick_volume=np.zeros(len(data.m1_time)),
                volume=np.zeros(len(data.m1_time)))
    htf = build_bars(m1, timeframe, server_tz)
    # the higher bar holding each base bar's last M1 bar; it is closed at the decision when the next base
    # bar starts in a later higher bar (grids nest: a base bar never straddles a higher boundary)
    owner = np.searchsorted(htf.m1_start, data.m1_stop - 1, side="right") - 1
    closed = htf.m1_stop[owner] == data.m1_stop
    last = np.where(closed, owner, owner - 1)
    seen = last >= 0
    pick = np.maximum(last, 0)

    def aligned(values: np.ndarray) -> np.ndarray:
        return np.where(seen, values[pick], np.nan)

    time = np.where(seen, to_local(htf.time, server_tz)[pick], -1)
    return Higher(aligned(htf.open), aligned(htf.high), aligned(htf.low), aligned(htf.close), time,
                  *forming_bars(data, htf))


def forming_bars(data: SimData, htf) -> tuple[np.ndarray, ...]:  # noqa: ANN001 - TimeframeBars
    """(open, high, low, close) of the higher bar forming at each base bar's decision tick: the first tick
    of the next base bar (M1 bar j = m1_stop[k], its open the Bid). The bar holds M1 bars s..j-1 whole and
    that tick; when j opens a new higher bar, all four are that tick's price."""
    n = len(data.m1_stop)
    out = tuple(np.full(n, np.nan) for _ in range(4))
    nxt = data.m1_stop[:-1]  # decision ticks of bars 0..n-2 (the last bar has none)
    if len(nxt) == 0:
        return out
    owner = np.searchsorted(htf.m1_start, nxt, side="right") - 1
    start = htf.m1_start[owner]
    group = np.repeat(np.arange(len(htf.m1_start)), htf.m1_stop - htf.m1_start)
    run_high = pd.Series(data.m1_high).groupby(group).cummax().to_numpy()
    run_low = pd.Series(data.m1_low).groupby(group).cummin().to_numpy()
    tick = data.m1_open[nxt]
    inside = start < nxt  # the higher bar began before the decision tick
    prev = np.maximum(nxt - 1, 0)
    out[0][:-1] = np.where(inside, data.m1_open[start], tick)
    out[1][:-1] = np.where(inside, np.maximum(run_high[prev], tick), tick)
    out[2][:-1] = np.where(inside, np.minimum(run_low[prev], tick), tick)
    out[3][:-1] = tick
    return out


def rule_bars(data: SimData, timeframes: tuple[str, ...] = (), server_tz: str | None = None) -> Bars:
    """The `Bars` a rule reads for `data` (cached per data set and list of higher timeframes)."""
    tz = server_tz or data.server_tz
    key = (tuple(timeframes), tz)
    per_data = _CACHE.setdefault(data, {})
    if key in per_data:
        return per_data[key]
    base = base_timeframe_minutes(data)
    higher = []
    for tf in timeframes:
        tf = check_timeframe(tf)
        if TIMEFRAMES[tf] <= base:
            raise ConfigError(f"a strategy reads the {tf} bars, which are not above the config's timeframe "
                              f"({base:g} minutes); set a lower `timeframe` under [data]")
        higher.append(higher_bars(data, tf, tz))
    tf_time = data.m1_time[data.m1_start]
    bars = Bars(open=data.tf_open, high=data.tf_high, low=data.tf_low, close=data.tf_close,
                tick_volume=data.tf_tick_volume, spread=np.round(data.open_spread / data.acct[S.A_POINT]),
                **_clock(tf_time, tz), point=float(data.acct[S.A_POINT]), higher=tuple(higher))
    per_data[key] = bars
    return bars
