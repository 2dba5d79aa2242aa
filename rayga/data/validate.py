"""Validity checks on imported bars: one-line errors naming file and line, identical duplicates dropped."""

from __future__ import annotations

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


def check_order(raw: RawBars) -> RawBars | M1Bars:
    """Timestamps must not go backwards; identical duplicates are dropped with one warning,
    duplicates with different prices are an error."""
    t = raw.time
    step = np.diff(t)
    if (i := _first(step < 0)) is not None:
        raise DataError(f"{raw.where(i + 1)}: time {_stamp(t[i + 1])} goes backwards "
                        f"(previous bar {_stamp(t[i])})")
    cols = {f: getattr(raw, f) for f in ARRAY_FIELDS}
    dup = np.flatnonzero(step == 0)
    keep = np.ones(len(t), dtype=bool)
    if len(dup):
        same = _same_prices(cols, dup, dup + 1)
        if (k := _first(~same)) is not None:
            i = int(dup[k])
            raise DataError(f"{raw.where(i + 1)}: duplicate time {_stamp(t[i])} with different prices "
                            f"than {raw.unit} {i + raw.first_line}")
        keep[dup + 1] = False
        warn(f"{raw.file}: dropped {len(dup)} identical duplicate bar(s), first at {raw.where(int(dup[0]) + 1)}")
    return M1Bars(**{f: cols[f][keep] for f in ARRAY_FIELDS})


def validate(raw: RawBars, symbol: str) -> M1Bars:
    """All checks of one file; returns its bars without identical duplicates."""
    if len(raw) == 0:
        raise DataError(f"{raw.file}: file has no bars")
    check_symbol(raw, symbol)
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
