"""`SimData`: the arrays every pass of a batch reads, prepared once from `MarketData` and the account."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from rayga.data.bars import M1_NS, M1Bars
from rayga.data.market import MarketData, TimeframeBars
from rayga.data.timezones import to_local
from rayga.sim import _nb_state as S
from rayga.sim._nb_prep import low_first_nb, tf_drops_nb, tf_extremes_nb
from rayga.sim.account import AccountConfig

_WHOLE = frozenset({"m1_time", "m1_open", "m1_high", "m1_low", "m1_close", "spread_price", "low_first", "acct",
                    "server_tz"})
DAY_NS = 1440 * M1_NS
YEAR_NS = 365.25 * DAY_NS
# Swap days charged for the night that ends a server-time weekday: Wednesday's carries the weekend.
_SWAP_WEIGHT = np.array([1, 1, 3, 1, 1, 0, 0])  # Monday .. Sunday


def swap_units(tf_time: np.ndarray, server_tz: str) -> np.ndarray:
    """Rollover swap days charged on reaching bar k from bar k - 1 (server midnights crossed)."""
    day = to_local(tf_time, server_tz) // DAY_NS  # days since 1970-01-01, a Thursday
    weights = _SWAP_WEIGHT
    week_total = int(weights.sum())

    def cumulative(d: np.ndarray) -> np.ndarray:  # swap days for nights ending days 0..d-1 (from Monday 0)
        shifted = d + 3  # day numbers counted from Monday 1969-12-29
        prefix = np.concatenate(([0], np.cumsum(weights)))
        return (shifted // 7) * week_total + prefix[shifted % 7]

    units = np.zeros(len(tf_time), dtype=np.float64)
    if len(tf_time) > 1:
        units[1:] = cumulative(day[1:]) - cumulative(day[:-1])
    return units


@dataclass(frozen=True, eq=False)
class SimData:
    """Contiguous arrays for the kernels (shared read-only by every pass). The "M1" arrays are the bars
    whose OHLC are the ticks: M1 bars, or the timeframe bars themselves in open-prices modelling."""

    m1_time: np.ndarray
    m1_open: np.ndarray
    m1_high: np.ndarray
    m1_low: np.ndarray
    m1_close: np.ndarray
    spread_price: np.ndarray
    low_first: np.ndarray
    m1_start: np.ndarray
    m1_stop: np.ndarray
    tf_open: np.ndarray
    tf_high: np.ndarray
    tf_low: np.ndarray
    tf_close: np.ndarray
    open_spread: np.ndarray
    close_ask: np.ndarray  # the Ask at each bar's close (close + the last M1 bar's spread)
    ask_high: np.ndarray
    ask_low: np.ndarray
    long_drop: np.ndarray
    short_drop: np.ndarray
    swap_units: np.ndarray
    acct: np.ndarray
    tf_tick_volume: np.ndarray | None = None  # ticks per timeframe bar (what a rule reads, not the kernels)
    server_tz: str = "UTC"

    def window(self, first: int, stop: int) -> SimData:
        """The timeframe bars [first, stop) as a data set of their own (a walk-forward window): the same
        figures as preparing those bars alone. The M1 arrays stay whole (bars index into them)."""
        n = len(self.m1_start)
        if not 0 <= first < stop <= n:
            raise ValueError(f"bar window [{first}, {stop}) is outside the data's {n} bars")
        if (first, stop) == (0, n):
            return self
        cut = {f.name: getattr(self, f.name)[first:stop] for f in dataclasses.fields(self)
               if f.name not in _WHOLE}
        # views only (a copied array would lose the object store's read-only flag and cost a new Numba
        # specialisation); the window's first swap_units value is never read: no position is open then
        acct = self.acct.copy()
        t0, t1 = self.m1_time[self.m1_start[first]], self.m1_time[self.m1_stop[stop - 1] - 1]
        acct[S.A_BARS_PER_YEAR] = (stop - first) / max((t1 - t0) / YEAR_NS, 1.0 / 365.25)
        acct[S.A_BAR_FIRST], acct[S.A_BAR_STOP] = first, stop
        return dataclasses.replace(self, **cut, acct=acct)

    def bar_index(self, ns: int) -> int:
        """The first timeframe bar at or after a time (ns since 1970, UTC)."""
        return int(np.searchsorted(self.m1_time[self.m1_start], ns, side="left"))

    def kernel_args(self) -> tuple:
        """Positional arguments shared by every simulation kernel, in their order."""
        return (self.m1_open, self.m1_high, self.m1_low, self.m1_close, self.spread_price, self.low_first,
                self.m1_start, self.m1_stop, self.tf_open, self.tf_close, self.open_spread, self.close_ask,
                self.tf_high, self.tf_low, self.ask_high, self.ask_low,
                self.long_drop, self.short_drop, self.swap_units)


def open_prices_view(md: MarketData) -> tuple[M1Bars, TimeframeBars]:
    """MT5 "Open prices only": each timeframe bar is the one bar whose four OHLC points are the ticks
    (SL/TP still trigger on them); its spread is that of its first M1 bar."""
    bars = md.bars()
    first = bars.m1_start
    m1 = M1Bars(time=bars.time, open=bars.open, high=bars.high, low=bars.low, close=bars.close,
                spread=md.m1.spread[first], tick_volume=md.m1.tick_volume[first], volume=md.m1.volume[first])
    idx = np.arange(len(bars), dtype=np.int64)
    return m1, dataclasses.replace(bars, m1_start=idx, m1_stop=idx + 1)


def prepare(md: MarketData, account: AccountConfig, modelling: str = "m1_ohlc") -> SimData:
    """Arrays of `md` on its timeframe with the account's spread rule and terms."""
    if modelling == "open_prices":
        m1, bars = open_prices_view(md)
    else:
        bars, m1 = md.bars(), md.m1
    default_spread = md.symbol.spread_points if account.spread_points is None else account.spread_points
    spread_price = np.where(m1.spread > 0, m1.spread, default_spread) * md.symbol.point
    ask_high, ask_low = tf_extremes_nb(m1.high, m1.low, spread_price, bars.m1_start, bars.m1_stop)
    low_first = low_first_nb(m1.open, m1.close)
    long_drop, short_drop = tf_drops_nb(m1.open, m1.high, m1.low, m1.close, spread_price, low_first,
                                        bars.m1_start, bars.m1_stop)
    years = max((m1.time[-1] - m1.time[0]) / YEAR_NS, 1.0 / 365.25)
    return SimData(
        m1_time=m1.time, m1_open=m1.open, m1_high=m1.high, m1_low=m1.low, m1_close=m1.close, spread_price=spread_price,
        low_first=low_first, m1_start=bars.m1_start, m1_stop=bars.m1_stop,
        tf_open=bars.open, tf_high=bars.high, tf_low=bars.low, tf_close=bars.close,
        open_spread=spread_price[bars.m1_start], close_ask=bars.close + spread_price[bars.m1_stop - 1],
        ask_high=ask_high, ask_low=ask_low, long_drop=long_drop, short_drop=short_drop, swap_units=swap_units(bars.time, md.server_tz),
        acct=account.vector(md.symbol, len(bars) / years),
        tf_tick_volume=np.add.reduceat(np.asarray(m1.tick_volume, dtype=np.float64), bars.m1_start)
        if len(bars) else np.empty(0), server_tz=md.server_tz)
