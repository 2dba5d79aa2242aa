"""Entry points of the data layer: import files into bars, and load `MarketData` from any source.

A source is the word ``synthetic`` (the embedded default), a bar store directory, a directory of bar
files, or one bar file in any supported format.
"""

from __future__ import annotations

import time as _time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rayga.data import store, synthetic
from rayga.data.archives import read_any
from rayga.data.bars import M1Bars
from rayga.data.gaps import GapSummary, summarize
from rayga.data.market import MarketData, date_to_ns
from rayga.data.symbols import KNOWN_SYMBOLS, symbol_spec
from rayga.data.validate import merge, validate
from rayga.errors import DataError, RaygaWarning

BAR_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".txt", ".tsv", ".zip")


def _check_file_name(path: Path, symbol: str) -> None:
    name = path.name.upper()
    if symbol.upper() in name:
        return
    for other in KNOWN_SYMBOLS:
        if other in name:
            raise DataError(f"{path}: file name says {other} but --symbol is {symbol.upper()}; "
                            f"import it with --symbol {other}")


def read_files(paths: Sequence[str | Path], symbol: str, fmt: str = "auto", tz: str | None = None,
               zones: list[str] | None = None) -> M1Bars:
    """Read, validate and merge bar files of one symbol (`zones` collects the zone each file was read in)."""
    if not paths:
        raise DataError("no input files given")
    parts = []
    for p in paths:
        path = Path(p)
        _check_file_name(path, symbol)
        for raw in read_any(path, fmt, tz):
            parts.append((raw.file, validate(raw, symbol)))
            if zones is not None and raw.zone not in zones:
                zones.append(raw.zone)
    return merge(parts)


@dataclass(frozen=True)
class ImportReport:
    symbol: str
    files: int
    seconds: float
    written: tuple[Path, ...]
    gaps: GapSummary
    zones: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # the warnings about bars left out (repeated, fillers, overlaps)

    def lines(self) -> list[str]:
        head = (f"{self.symbol}: imported {self.gaps.bars:,} M1 bars from {self.files} file(s) in "
                f"{self.seconds:.2f} s into {len(self.written)} year file(s)")
        zones = ", ".join(f"{z} ({ZONE_NOTES[z]})" if z in ZONE_NOTES else z for z in self.zones)
        out = [head, f"time zone of the files' stamps: {zones}; stored in UTC"] if zones else [head]
        out += [f"left out: {d}" for d in self.dropped]
        return [*out, *self.gaps.lines()]


ZONE_NOTES = {"histdata": "HistData's: UTC-5, UTC-4 while EU summer time is in force",
              "mt5-ny": "UTC+2, UTC+3 during US daylight saving"}


def import_to_store(paths: Sequence[str | Path], symbol: str, store_dir: str | Path, fmt: str = "auto",
                    tz: str | None = None) -> ImportReport:
    """`rayga data import`: files -> validated bars -> the Parquet store."""
    t0 = _time.perf_counter()
    symbol = symbol.upper()
    zones: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RaygaWarning)
        bars = read_files(paths, symbol, fmt, tz, zones)
    dropped = []
    for w in caught:  # shown as they were, and summed up in the report
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if issubclass(w.category, RaygaWarning) and "dropped" in str(w.message):
            dropped.append(str(w.message).split(": dropped ", 1)[-1].split(" (")[0])
    written = store.write(Path(store_dir), symbol, bars,
                          {"files": [str(Path(p).name) for p in paths], "format": fmt, "tz": ", ".join(zones),
                           "left_out": dropped})
    return ImportReport(symbol, len(paths), _time.perf_counter() - t0, tuple(written), summarize(bars.time),
                        tuple(zones), tuple(dropped))


def _directory_files(directory: Path, symbol: str) -> list[Path]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in BAR_FILE_SUFFIXES)
    mine = [p for p in files if symbol.upper() in p.name.upper()]
    if not (mine or files):
        raise DataError(f"{directory}: no bar files (*.parquet, *.csv) in this directory")
    return mine or files


def load_m1(source: str | Path, symbol: str, start_ns: int | None, end_ns: int | None,
            fmt: str = "auto", tz: str | None = None) -> tuple[M1Bars, str, bool]:
    """M1 bars with start <= time < end from `source`; returns (bars, label, synthetic)."""
    if str(source) == "synthetic":
        lo = synthetic.DEFAULT_START if start_ns is None else np.datetime64(start_ns, "ns").astype(str)
        hi = synthetic.DEFAULT_END if end_ns is None else np.datetime64(end_ns, "ns").astype(str)
        return synthetic.series(lo, hi), synthetic.LABEL, True
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file or directory; set `source` under [data] to a bar store, "
                        f"a directory of bar files, a bar file, or \"synthetic\"")
    if path.is_dir() and store.is_store(path):
        return store.read(path, symbol, start_ns, end_ns), f"store {path}", False
    files = _directory_files(path, symbol) if path.is_dir() else [path]
    return read_files(files, symbol, fmt, tz).between(start_ns, end_ns), f"{path}", False


def load_market_data(source: str | Path, symbol: str, start: object = None, end: object = None,
                     timeframe: str = "M15", server_tz: str = "UTC", symbol_overrides: dict | None = None,
                     fmt: str = "auto", tz: str | None = None) -> MarketData:
    """`MarketData` for [start, end) (dates at 00:00 server time; MT5: start included, end excluded)."""
    start_ns = None if start is None else date_to_ns(start, server_tz, "start")
    end_ns = None if end is None else date_to_ns(end, server_tz, "end")
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise DataError(f"`end` ({end}) must be after `start` ({start}); set them under [data]")
    spec = symbol_spec(symbol, symbol_overrides)
    m1, label, synth = load_m1(source, symbol, start_ns, end_ns, fmt, tz)
    return MarketData(symbol=spec, m1=m1, timeframe=timeframe, server_tz=server_tz, source=label, synthetic=synth)
