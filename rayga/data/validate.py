"""Validity checks on imported bars: one-line errors naming file and line, identical duplicates dropped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rayga.data.bars import ARRAY_FIELDS, M1Bars
from rayga.data.readers import PRICE_COLUMNS, RawBars
from rayga.errors import DataError, warn


def _stamp(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC")


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if len(idx) else None


def check_prices(raw: RawBars) -> None:
    """NaN, non-positive prices, high < low, open/close outside [low, high]."""
    for name in PRICE_COLUMNS:
        values = getattr(raw, name)
        if (i := _first(~np.isfinite(values))) is not None:
            raise DataError(f"{raw.where(i)}: column {name!r} is missing or NaN")
        if (i := _first(values <= 0)) is not None:
            raise DataError(f"{raw.where(i)}: column {name!r} is {float(values[i])}; prices must be > 0")
    if (i := _first(raw.high < raw.low)) is not None:
        raise DataError(f"{raw.where(i)}: high {float(raw.high[i])} is below low {float(raw.low[i])}")
    for name in ("open", "close"):
        values = getattr(raw, name)
        if (i := _first((values < raw.low) | (values > raw.high))) is not None:
            raise DataError(f"{raw.where(i)}: {name} {float(values[i])} is outside [low {float(raw.low[i])}, "
                            f"high {float(raw.high[i])}]")
    for name in ("spread", "tick_volume", "volume"):
        values = getattr(raw, name)
        if (i := _first(np.isnan(values))) is not None:
            raise DataError(f"{raw.where(i)}: column {name!r} is missing or NaN")


def check_symbol(raw: RawBars, symbol: str) -> None:
    """A file's symbol column must name one symbol, the one being imported."""
    if len(raw.symbols) > 1:
        raise DataError(f"{raw.file}: mixed symbols {', '.join(sorted(raw.symbols))} in one file; "
                        f"split it and import each with its own --symbol")
    if raw.symbols and raw.symbols[0].upper() != symbol.upper():
        raise DataError(f"{raw.file}: holds {raw.symbols[0]} bars but --symbol is {symbol}")


def _same_prices(a: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    same = np.ones(len(i), dtype=bool)
    for name in ARRAY_FIELDS[1:]:
        same &= a[name][i] == a[name][j]
    return same


def check_order(raw: RawBars) -> M1Bars:
    """Bars repeated anywhere in the file, identical to the earlier bar of the same time (HistData writes
    the EU fall-back hour twice, its copy right after it), are dropped with one warning naming their span
    and count; a repeated time with other prices is an error naming both lines; after that, time must
    never go backwards."""
    t = raw.time
    cols = {f: getattr(raw, f) for f in ARRAY_FIELDS}
    keep = np.ones(len(t), dtype=bool)
    if len(t) > 1 and not (np.diff(t) > 0).all():
        order = np.argsort(t, kind="stable")  # a time's first bar in the file heads its group
        ts = t[order]
        later = np.flatnonzero(ts[1:] == ts[:-1]) + 1
        if len(later):
            head = np.maximum.accumulate(np.where(np.r_[True, ts[1:] != ts[:-1]], np.arange(len(ts)), 0))
            first, again = order[head[later]], order[later]
            same = _same_prices(cols, first, again)
            if (k := _first(~same)) is not None:
                raise DataError(f"{raw.where(int(again[k]))}: time {_stamp(t[again[k]])} repeats "
                                f"{raw.unit} {raw.line(int(first[k]))} with different prices; keep one")
            keep[again] = False
            lo, hi = int(again.min()), int(again.max())
            warn(f"{raw.file}: dropped {len(again):,} repeated bar(s) identical to earlier ones ({raw.unit}s "
                 f"{raw.line(lo)}..{raw.line(hi)}, {_stamp(t[again].min())} .. "
                 f"{_stamp(t[again].max())})")
        kept = np.flatnonzero(keep)
        if (i := _first(np.diff(t[kept]) <= 0)) is not None:
            raise DataError(f"{raw.where(int(kept[i + 1]))}: time {_stamp(t[kept[i + 1]])} goes backwards "
                            f"(previous bar {_stamp(t[kept[i]])})")
    return M1Bars(**{f: cols[f][keep] for f in ARRAY_FIELDS})


def drop_fillers(raw: RawBars) -> RawBars:
    """Dukascopy pads hours when the market is closed with flat bars of zero volume: dropped with one
    warning (only for Dukascopy files: HistData's volume is always 0)."""
    if raw.source != "dukascopy":
        return raw
    filler = (raw.volume == 0) & (raw.open == raw.high) & (raw.high == raw.low) & (raw.low == raw.close)
    if not filler.any():
        return raw
    keep = ~filler
    warn(f"{raw.file}: dropped {int(filler.sum()):,} zero-volume filler bar(s) (flat bars Dukascopy writes while "
         f"the market is closed), first at {raw.where(int(np.argmax(filler)))}")
    parts = {f: getattr(raw, f)[keep] for f in ("time", "open", "high", "low", "close", "tick_volume", "volume",
                                                 "spread")}
    lines = np.flatnonzero(keep) + raw.first_line if raw.lines is None else raw.lines[keep]
    return dataclasses.replace(raw, **parts, lines=lines)


def validate(raw: RawBars, symbol: str) -> M1Bars:
    """All checks of one file; returns its bars without identical duplicates (or Dukascopy's fillers)."""
    if len(raw) == 0:
        raise DataError(f"{raw.file}: file has no bars")
    check_symbol(raw, symbol)
    raw = drop_fillers(raw)
    if len(raw) == 0:
        raise DataError(f"{raw.file}: file has only zero-volume filler bars")
    check_prices(raw)
    return check_order(raw)


def merge(parts: list[tuple[str, M1Bars]]) -> M1Bars:
    """Merge validated files in time order; overlapping identical bars are dropped once, overlapping
    bars with different prices are an error naming both files."""
    parts = [(name, bars) for name, bars in parts if len(bars)]
    if len(parts) == 1:
        return parts[0][1]
    bars = M1Bars.concat([b for _, b in parts])
    origin = np.concatenate([np.full(len(b), k) for k, (_, b) in enumerate(parts)])
    order = np.argsort(bars.time, kind="stable")
    cols = {f: getattr(bars, f)[order] for f in ARRAY_FIELDS}
    origin = origin[order]
    dup = np.flatnonzero(np.diff(cols["time"]) == 0)
    keep = np.ones(len(order), dtype=bool)
    if len(dup):
        same = _same_prices(cols, dup, dup + 1)
        if (k := _first(~same)) is not None:
            i = int(dup[k])
            raise DataError(f"{parts[origin[i + 1]][0]}: bar at {_stamp(cols['time'][i])} overlaps "
                            f"{parts[origin[i]][0]} with different prices; import one of them")
        keep[dup + 1] = False
        warn(f"dropped {len(dup)} identical bar(s) that appear in more than one file")
    return M1Bars(**{f: cols[f][keep] for f in ARRAY_FIELDS})
