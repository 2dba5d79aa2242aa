"""Readers for M1 bar files (MT5 export, HistData ASCII, generic CSV, Parquet) into `RawBars`.

Every reader parses with pyarrow (multi-threaded C++), then converts stamps to UTC. Errors name the
file and the line (CSV, counting the header as line 1) or the row (Parquet, 1-based).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from rayga.data.timezones import check_zone, to_utc
from rayga.errors import DataError

FORMATS = ("auto", "mt5", "mt5-ticks", "histdata", "csv", "parquet")
PRICE_COLUMNS = ("open", "high", "low", "close")
_ALIASES = {
    "time": ("time", "datetime", "timestamp", "date_time", "gmt time", "local time"),
    "date": ("date", "day"),
    "open": ("open", "o"), "high": ("high", "h"), "low": ("low", "l"), "close": ("close", "c"),
    "tick_volume": ("tickvol", "tick_volume", "tickvolume", "ticks"),
    "volume": ("vol", "volume", "real_volume", "realvolume"),
    "spread": ("spread",),
    "bid": ("bid",), "ask": ("ask",),  # MT5 tick exports
    "symbol": ("symbol", "ticker", "instrument"),
}
_HISTDATA_LINE = re.compile(r"^\d{8} \d{6};")
_DAY_FIRST = re.compile(r"^(\d\d)\.(\d\d)\.(\d{4}) ")
_ZONED = re.compile(r"(Z|[+-]\d\d:?\d\d)$")  # a stamp that carries its own zone


@dataclass(frozen=True, eq=False)
class RawBars:
    """M1 bars of one file, in file order, stamps already in UTC (int64 ns)."""

    file: str
    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    tick_volume: np.ndarray
    volume: np.ndarray
    spread: np.ndarray
    symbols: tuple[str, ...] = ()
    first_line: int = 2  # line (CSV) or row (Parquet) number of the first bar
    unit: str = "line"
    source: str = ""  # "dukascopy" for Dukascopy exports (their zero-volume filler bars are dropped)
    lines: np.ndarray | None = None  # each bar's line, once bars were dropped (else first_line + index)
    zone: str = "UTC"  # the zone the file's stamps were read in (--tz, or the format's own)

    def __len__(self) -> int:
        return len(self.time)

    def where(self, i: int) -> str:
        """'FILE line N' for bar index i."""
        return f"{self.file} {self.unit} {self.line(i)}"

    def line(self, i: int) -> int:
        return int(self.lines[i]) if self.lines is not None else int(i) + self.first_line


def _canonical(name: str) -> str | None:
    key = name.strip().strip("<>").strip().lower()
    for canon, names in _ALIASES.items():
        if key in names:
            return canon
    return None


def detect_format(path: Path) -> str:
    """Guess the format from the extension and the first line."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    with open(path, "rb") as fh:
        head = fh.readline(4096).decode("utf-8-sig", errors="replace").strip()
    if not head:
        raise DataError(f"{path}: file is empty")
    if head.upper().startswith("<DATE>"):
        return "mt5-ticks" if "<BID>" in head.upper() else "mt5"
    if _HISTDATA_LINE.match(head):
        return "histdata"
    fields = [f.strip().lower() for f in head.split("\t")]
    if len(fields) >= 6 and fields[0] == "date" and fields[1] == "time":
        return "mt5"
    if any(d in head for d in ",;\t") and any(_canonical(f) in ("time", "date") for f in re.split(r"[,;\t]", head)):
        return "csv"
    raise DataError(f"{path}: unknown format (first line {head[:60]!r}); pass --format mt5, histdata, csv or parquet")


def _read_csv(path: Path, names: list[str], types: dict[str, pa.DataType], delimiter: str,
              skip_header: bool) -> pa.Table:
    bad: list[pcsv.InvalidRow] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad.append(row)
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1 if skip_header else 0,
                                          use_threads=threads, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                quoted_strings_can_be_null=False))

    try:
        table = read(True)
        if bad:
            bad.clear()
            read(False)
    except pa.ArrowInvalid:
        table = None
    if bad:
        row = bad[0]
        line = (row.number or 0)
        raise DataError(f"{path} line {line}: expected {row.expected_columns} fields, got {row.actual_columns} "
                        f"({row.text[:60]!r})")
    if table is None:
        _raise_conversion_error(path, names, types, delimiter, skip_header)
    return table


def _raise_conversion_error(path: Path, names: list[str], types: dict[str, pa.DataType], delimiter: str,
                            skip_header: bool) -> None:
    """Re-read as text to find the first cell that does not parse, and raise naming it."""
    text = pcsv.read_csv(path, read_options=pcsv.ReadOptions(column_names=names, skip_rows=int(skip_header)),
                         parse_options=pcsv.ParseOptions(delimiter=delimiter),
                         convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    first = 1 + int(skip_header)
    for name in names:
        if name not in types or types[name] == pa.string():
            continue
        values = text.column(name).to_numpy(zero_copy_only=False)
        for i, value in enumerate(values):  # error path only: finding the bad cell
            try:
                float(value)
            except ValueError:
                raise DataError(f"{path} line {i + first}: column {name!r}: cannot parse {value!r} as a number") from None
    raise DataError(f"{path}: cannot parse the file as {len(names)} delimited columns")


def _strptime(path: Path, text: pa.ChunkedArray, formats: tuple[str, ...], first_line: int, what: str) -> np.ndarray:
    """Parse stamps with the first format that fits the first value; error names the first bad line."""
    for fmt in formats:
        parsed = pc.strptime(text, format=fmt, unit="ns", error_is_null=True)
        if parsed.null_count == 0 or (parsed[0].is_valid if len(parsed) else False):
            break
    if parsed.null_count:
        i = int(np.flatnonzero(parsed.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataError(f"{path} line {i + first_line}: cannot parse {what} {text[i].as_py()!r} "
                        f"(expected the layout {fmt.replace('%', '')})")
    return parsed.cast(pa.int64()).to_numpy()


def _numeric(table: pa.Table, name: str, default: float = 0.0, file: str = "") -> np.ndarray:
    if name not in table.column_names:
        return np.full(table.num_rows, default)
    try:
        col = table.column(name).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise DataError(f"{file}: column {name!r} has type {table.column(name).type}; expected numbers") from None
    return np.ascontiguousarray(col.to_numpy())


def _assemble(path: Path, table: pa.Table, local_ns: np.ndarray, tz: str, first_line: int,
              unit: str = "line") -> RawBars:
    symbols: tuple[str, ...] = ()
    if "symbol" in table.column_names:
        symbols = tuple(str(s) for s in pc.unique(table.column("symbol")).to_pylist())
    return RawBars(
        file=str(path), time=to_utc(local_ns, tz, str(path)),
        open=_numeric(table, "open", file=str(path)), high=_numeric(table, "high", file=str(path)),
        low=_numeric(table, "low", file=str(path)), close=_numeric(table, "close", file=str(path)),
        tick_volume=_numeric(table, "tick_volume", file=str(path)), volume=_numeric(table, "volume", file=str(path)),
        spread=_numeric(table, "spread", file=str(path)),
        symbols=symbols, first_line=first_line, unit=unit, zone=tz)


def _header(path: Path, delimiter: str) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        return [f.strip() for f in fh.readline().rstrip("\r\n").split(delimiter)]


def _canonical_names(path: Path, header: list[str], required: tuple[str, ...]) -> list[str]:
    names, seen = [], set()
    for i, raw in enumerate(header):
        canon = _canonical(raw)
        if canon is None or canon in seen:
            canon = f"_ignored{i}"
        seen.add(canon)
        names.append(canon)
    missing = [r for r in required if r not in seen]
    if missing:
        raise DataError(f"{path} line 1: missing column {missing[0]!r} (header is {', '.join(header)})")
    return names


def read_mt5(path: Path, tz: str) -> RawBars:
    """MT5 'Export bars': tab-separated <DATE> <TIME> <OPEN> ... <SPREAD>, or the same with a plain header."""
    names = _canonical_names(path, _header(path, "\t"), ("date", "time", *PRICE_COLUMNS))
    types = {n: (pa.string() if n in ("date", "time") or n.startswith("_") else pa.float64()) for n in names}
    table = _read_csv(path, names, types, "\t", skip_header=True)
    if table.num_rows == 0:
        raise DataError(f"{path}: file has a header but no bars")
    stamps = pc.binary_join_element_wise(table.column("date"), table.column("time"), " ")
    local = _strptime(path, stamps, ("%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"),
                      2, "date/time")
    return _assemble(path, table, local, tz, 2)


def read_histdata(path: Path, tz: str) -> RawBars:
    """HistData generic ASCII M1: `YYYYMMDD HHMMSS;open;high;low;close;volume`, no header."""
    names = ["time", *PRICE_COLUMNS, "volume"]
    types = {"time": pa.string(), **{n: pa.float64() for n in names[1:]}}
    table = _read_csv(path, names, types, ";", skip_header=False)
    local = _strptime(path, table.column("time"), ("%Y%m%d %H%M%S",), 1, "date/time")
    return _assemble(path, table, local, tz, 1)


def read_generic_csv(path: Path, tz: str) -> RawBars:
    """CSV with a header naming time (or date + time), open, high, low, close[, volume][, spread]."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    delimiter = max((",", ";", "\t"), key=head.count)
    header = _header(path, delimiter)
    names = _canonical_names(path, header, PRICE_COLUMNS)
    if "time" not in names and "date" not in names:
        raise DataError(f"{path} line 1: missing column 'time' (header is {', '.join(header)})")
    types = {n: (pa.string() if n in ("date", "time", "symbol") or n.startswith("_") else pa.float64())
             for n in names}
    table = _read_csv(path, names, types, delimiter, skip_header=True)
    if table.num_rows == 0:
        raise DataError(f"{path}: file has a header but no bars")
    if "date" in names and "time" in names:
        text = pc.binary_join_element_wise(table.column("date"), table.column("time"), " ")
    else:
        text = table.column("time" if "time" in names else "date")
    raw = _assemble(path, table, _parse_text_stamps(path, text, tz), tz, 2)
    if header and header[0].strip().lower() == "gmt time":  # Dukascopy's export header
        raw = dataclasses.replace(raw, source="dukascopy")
    return raw


def _parse_text_stamps(path: Path, text: pa.ChunkedArray, tz: str) -> np.ndarray:
    """ISO 8601 or MT5-style stamps; a stamp with a zone offset is taken as UTC-exact."""
    try:
        stamps = text.cast(pa.timestamp("ns", tz="UTC"))
        if tz != "UTC" and _ZONED.search(str(text[0].as_py())):
            raise DataError(f"{path} line 2: stamps carry their own zone; drop --tz {tz}")
        return stamps.cast(pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if _DAY_FIRST.match(str(text[0].as_py())):  # Dukascopy: 01.01.2019 22:00:00.000 (fractions: ISO cast)
        iso = pc.replace_substring_regex(text, _DAY_FIRST.pattern, r"\3-\2-\1T")
        try:
            return iso.cast(pa.timestamp("ns")).cast(pa.int64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return _strptime(path, text, ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S",
                                  "%Y.%m.%d %H:%M", "%Y%m%d %H%M%S", "%d.%m.%Y %H:%M:%S.%f", "%d.%m.%Y %H:%M:%S"),
                     2, "time")


def read_parquet(path: Path, tz: str) -> RawBars:
    """Parquet with columns time (timestamp or int64 ns), open, high, low, close[, volume][, spread]."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    names = _canonical_names(path, table.column_names, ("time", *PRICE_COLUMNS))
    table = table.rename_columns(names)
    if table.num_rows == 0:
        raise DataError(f"{path}: file has no bars")
    col = table.column("time")
    if pa.types.is_timestamp(col.type):
        if col.type.tz is not None:
            if tz != "UTC":
                raise DataError(f"{path}: column 'time' is zone-aware ({col.type.tz}); drop --tz {tz}")
            col = col.cast(pa.timestamp("ns", tz="UTC"))
        local = col.cast(pa.timestamp("ns")).cast(pa.int64()).to_numpy()
    elif pa.types.is_integer(col.type):
        local = col.cast(pa.int64()).to_numpy()
    elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        local = _parse_text_stamps(path, col, tz)
    else:
        raise DataError(f"{path}: column 'time' has type {col.type}; expected a timestamp")
    for name in PRICE_COLUMNS:
        if not pa.types.is_floating(table.column(name).type) and not pa.types.is_integer(table.column(name).type):
            raise DataError(f"{path}: column {name!r} has type {table.column(name).type}; expected numbers")
    return _assemble(path, table, np.asarray(local, dtype=np.int64), tz, 1, "row")


_READERS = {"mt5": read_mt5, "histdata": read_histdata, "csv": read_generic_csv, "parquet": read_parquet}


def read_bars(path: str | Path, fmt: str = "auto", tz: str | None = None) -> RawBars:
    """Read one file of M1 bars; stamps are converted from `tz` to UTC.

    `tz=None` means the format's own zone: ``histdata`` for HistData files, UTC for the others.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory; pass the files inside it")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    if fmt == "auto":
        fmt = detect_format(path)
    tz = check_zone(tz if tz is not None else ("histdata" if fmt == "histdata" else "UTC"))
    if fmt == "mt5-ticks":
        from rayga.data.ticks import read_mt5_ticks as reader
    else:
        reader = _READERS[fmt]
    try:
        return reader(path, tz)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # not the text the format says
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise DataError(f"{path}: cannot read it as {fmt} bars ({first}); check --format") from None
