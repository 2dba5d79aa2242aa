"""Files as users download them: zip archives (HistData serves every year as one), UTF-16 text (as Windows
tools save it) and files that are not bars at all, recognised by their content rather than their name.

A zip's data files are read one by one as if they were given on the command line; errors and warnings
name them as `archive.zip:member.csv`. Anything that is neither text nor Parquet stops with one line.
"""

from __future__ import annotations

import codecs
import dataclasses
import tempfile
import zipfile
from pathlib import Path

from rayga.data.readers import RawBars, read_bars
from rayga.errors import DataError

PARQUET_MAGIC = b"PAR1"
DATA_MEMBER_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq")


def _renamed(raws: list[RawBars], tmp: Path, shown: str) -> list[RawBars]:
    return [dataclasses.replace(r, file=r.file.replace(str(tmp), shown)) for r in raws]


def _read_as(data: bytes, name: str, shown: str, fmt: str, tz: str | None) -> list[RawBars]:
    """Read bytes as a file named `name`, naming it `shown` in every message."""
    with tempfile.TemporaryDirectory(prefix="rayga-import-") as folder:
        tmp = Path(folder) / Path(name).name
        tmp.write_bytes(data)
        try:
            return _renamed(read_any(tmp, fmt, tz), tmp, shown)
        except DataError as exc:
            raise DataError(str(exc).replace(str(tmp), shown)) from None


def _read_zip(path: Path, fmt: str, tz: str | None) -> list[RawBars]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{path}: a damaged zip file ({exc}); download it again") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")]
        data = [m for m in members if m.filename.lower().endswith(DATA_MEMBER_SUFFIXES)]
        if not data:
            names = ", ".join(m.filename for m in members[:5]) or "nothing"
            raise DataError(f"{path}: the zip holds no bar file (*.csv, *.txt, *.parquet); it holds {names}")
        out: list[RawBars] = []
        skipped = []
        for member in data:
            shown = f"{path}:{member.filename}"
            try:
                out += _read_as(archive.read(member), member.filename, shown, fmt, tz)
            except DataError as exc:
                if fmt == "auto" and "unknown format" in str(exc) and member.filename.lower().endswith(".txt"):
                    skipped.append(member.filename)  # a read-me or status report beside the bars
                    continue
                raise
        if not out:
            raise DataError(f"{path}: no member of the zip holds bars in a known format ({', '.join(skipped)})")
        return out


def read_any(path: str | Path, fmt: str = "auto", tz: str | None = None) -> list[RawBars]:
    """Every set of bars in `path`: one for a bar file, one per data file of a zip."""
    path = Path(path)
    if not path.is_file():
        return [read_bars(path, fmt, tz)]  # its own messages for missing files and folders
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if zipfile.is_zipfile(path):
        return _read_zip(path, fmt, tz)
    if head.startswith(PARQUET_MAGIC):
        return [read_bars(path, "parquet" if fmt == "auto" else fmt, tz)]
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            text = path.read_bytes()[len(bom):].decode(codec, errors="replace")
            return _read_as(text.encode("utf-8"), path.name, str(path), fmt, tz)
    if b"\x00" in head:
        raise DataError(f"{path}: binary content, neither text nor Parquet; give the bars as CSV or text "
                        f"(MT5, HistData, Dukascopy exports), a zip of them, or Parquet")
    return [read_bars(path, fmt, tz)]
