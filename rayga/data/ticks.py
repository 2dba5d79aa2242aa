"""MT5 "Export ticks" files into M1 bars of bid prices, with tick volume and the broker's spread per bar.

The file is tab-separated, `<DATE> <TIME> <BID> <ASK> <LAST> <VOLUME> <FLAGS>`, one row per tick, dates
`2020.01.02`, times `00:00:00.123`. A blank BID or ASK means unchanged: the last value carries forward
(ticks before the first known bid and ask are skipped).

A bar holds the ticks whose time falls in its minute: open, high, low and close of their bids, tick volume =
the number of ticks, volume = the sum of their real volume. **A bar's spread is the spread of its first
tick** (ask - bid, in points): MT5's "1 minute OHLC" model keeps one spread for the whole minute, and the
first tick is where every entry rayga simulates is filled. The point is read off the prices: MT5 writes
them with the symbol's digits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rayga.data.bars import M1_NS
from rayga.data.readers import RawBars, _canonical_names, _header, _read_csv
from rayga.data.timezones import to_utc
from rayga.errors import DataError

COLUMNS = ("date", "time", "bid", "ask")


def _carry_forward(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last value before it (NaN where none)."""
    idx = np.where(np.isnan(values), 0, np.arange(len(values)))
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def price_digits(prices: np.ndarray) -> int:
    """The fewest decimals (0..8) that write every price exactly."""
    sample = prices[np.isfinite(prices)][:20_000]
    for digits in range(9):
        scaled = sample * 10.0**digits
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * (np.abs(scaled) + 1.0)):
            return digits
    return 8


def read_mt5_ticks(path: Path, tz: str) -> RawBars:
    header = _header(path, "\t")
    names = _canonical_names(path, header, COLUMNS)
    types = {n: (pa.string() if n in ("date", "time") or n.startswith("_") else pa.float64()) for n in names}
    table = _read_csv(path, names, types, "\t", skip_header=True)
    if table.num_rows == 0:
        raise DataError(f"{path}: file has a header but no ticks")
    day = pc.replace_substring(table.column("date"), ".", "-")
    text = pc.binary_join_element_wise(day, table.column("time"), "T")
    try:
        local = text.cast(pa.timestamp("ns")).cast(pa.int64()).to_numpy()
    except pa.ArrowInvalid:
        values = text.to_pylist()
        bad = next(i for i, v in enumerate(values) if not _is_stamp(v))
        raise DataError(f"{path} line {bad + 2}: cannot parse date/time {values[bad]!r} "
                        f"(expected 2020.01.02 and 00:00:00.123)") from None
    if (i := np.flatnonzero(np.diff(local) < 0)).size:
        raise DataError(f"{path} line {int(i[0]) + 3}: tick time goes backwards")
    bid = _carry_forward(table.column("bid").to_numpy(zero_copy_only=False).astype(np.float64))
    ask = _carry_forward(table.column("ask").to_numpy(zero_copy_only=False).astype(np.float64))
    volume = (np.nan_to_num(table.column("volume").to_numpy(zero_copy_only=False).astype(np.float64))
              if "volume" in names else np.zeros(len(bid)))
    known = np.isfinite(bid) & np.isfinite(ask)
    if not known.any():
        raise DataError(f"{path}: no tick with both a bid and an ask")
    first = int(np.argmax(known))
    local, bid, ask, volume = local[first:], bid[first:], ask[first:], volume[first:]
    point = 10.0 ** -price_digits(np.concatenate([bid[:10_000], ask[:10_000]]))
    minute = local - local % M1_NS
    starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
    ends = np.r_[starts[1:], len(minute)]
    return RawBars(
        file=str(path), time=to_utc(minute[starts], tz, str(path)),
        open=bid[starts], high=np.maximum.reduceat(bid, starts), low=np.minimum.reduceat(bid, starts),
        close=bid[ends - 1], tick_volume=(ends - starts).astype(np.float64),
        volume=np.add.reduceat(volume, starts), spread=np.round((ask[starts] - bid[starts]) / point),
        first_line=1, unit="bar", zone=tz)


def _is_stamp(value: str | None) -> bool:
    try:
        np.datetime64(value)
    except (TypeError, ValueError):
        return False
    return value is not None
