"""The Parquet bar store, partitioned by symbol and year: `STORE/symbol=EURUSD/year=2020/bars.parquet`.

Writes are atomic (temp file + rename). Importing replaces the stored bars inside the imported time
span and keeps the rest, so a month can be re-imported or appended without touching other data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rayga.data.bars import M1Bars
from rayga.errors import DataError

FILE_NAME = "bars.parquet"


def symbol_dir(store: Path, symbol: str) -> Path:
    return Path(store) / f"symbol={symbol.upper()}"


def is_store(path: Path) -> bool:
    return Path(path).is_dir() and any(p.name.startswith("symbol=") for p in Path(path).iterdir())


def stored_symbols(store: Path) -> list[str]:
    return sorted(p.name.split("=", 1)[1] for p in Path(store).iterdir() if p.name.startswith("symbol="))


def _year_of(ns: np.ndarray) -> np.ndarray:
    return ns.astype("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970


def _year_bounds(year: int) -> tuple[int, int]:
    lo = pd.Timestamp(year=year, month=1, day=1, tz="UTC").value
    hi = pd.Timestamp(year=year + 1, month=1, day=1, tz="UTC").value
    return lo, hi


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_year(store: Path, symbol: str, year: int) -> M1Bars:
    path = symbol_dir(store, symbol) / f"year={year}" / FILE_NAME
    if not path.exists():
        return M1Bars.empty()
    try:
        return M1Bars.from_arrow(pq.read_table(path))
    except (pa.ArrowInvalid, OSError, KeyError) as exc:
        raise DataError(f"{path}: damaged store file ({str(exc).splitlines()[0]}); re-import that year") from None


def write(store: Path, symbol: str, bars: M1Bars, provenance: dict) -> list[Path]:
    """Store `bars`, replacing stored bars within [first, last] of each year they touch."""
    if not len(bars):
        return []
    years = _year_of(bars.time)
    written = []
    for year in np.unique(years):
        new = bars.slice(*np.searchsorted(years, [year, year + 1]))
        old = read_year(store, symbol, int(year))
        if len(old):
            before = old.between(None, int(new.time[0]))
            after = old.between(int(new.time[-1]) + 1, None)
            new = M1Bars.concat([before, new, after])
        table = new.to_arrow().replace_schema_metadata({"rayga": json.dumps({**provenance, "symbol": symbol})})
        path = symbol_dir(store, symbol) / f"year={int(year)}" / FILE_NAME
        _write_atomic(table, path)
        written.append(path)
    return written


def read(store: Path, symbol: str, start_ns: int | None = None, end_ns: int | None = None) -> M1Bars:
    """Bars of `symbol` with start <= time < end, reading only the years needed."""
    sdir = symbol_dir(store, symbol)
    if not sdir.is_dir():
        have = ", ".join(stored_symbols(store)) or "none"
        raise DataError(f"{store}: no bars for symbol {symbol.upper()} (stored: {have}); "
                        f"run `rayga data import FILE --symbol {symbol.upper()} --store {store}`")
    years = sorted(int(p.name.split("=", 1)[1]) for p in sdir.iterdir() if p.name.startswith("year="))
    parts = []
    for year in years:
        lo, hi = _year_bounds(year)
        if (end_ns is not None and lo >= end_ns) or (start_ns is not None and hi <= start_ns):
            continue
        parts.append(read_year(store, symbol, year).between(start_ns, end_ns))
    return M1Bars.concat(parts)


def provenance(store: Path, symbol: str) -> list[dict]:
    """What each year file of `symbol` was imported from (files, format, time zone), oldest year first."""
    out = []
    for path in sorted(symbol_dir(store, symbol).glob(f"year=*/{FILE_NAME}")):
        try:
            meta = pq.read_schema(path).metadata or {}
            out.append({"year": path.parent.name.split("=", 1)[1], **json.loads(meta.get(b"rayga", b"{}"))})
        except (pa.ArrowInvalid, OSError, ValueError):
            out.append({"year": path.parent.name.split("=", 1)[1]})
    return out
