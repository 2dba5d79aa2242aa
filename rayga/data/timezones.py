"""Time-zone rules: converting file stamps to UTC on import, and UTC to broker server time for bars.

Zones accepted everywhere a zone is named:
- ``UTC`` (default), fixed offsets ``UTC+2`` / ``UTC-5`` / ``UTC+5:30``;
- any IANA name (``Europe/Athens``, ``America/New_York``);
- ``histdata``: HistData.com stamps, UTC-5 in winter and UTC-4 while EU summer time is in force
  (last Sunday of March 01:00 UTC .. last Sunday of October 01:00 UTC);
- ``mt5-ny``: the common MT5 broker server time, UTC+2 in winter and UTC+3 while US daylight saving
  is in force (New York time + 7 h), so that D1 bars start at 17:00 New York.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from rayga.errors import DataError

HOUR_NS = 3_600_000_000_000
_FIXED = re.compile(r"^(?:UTC|GMT)([+-])(\d{1,2})(?::(\d{2}))?$", re.IGNORECASE)
PRESETS = ("UTC", "histdata", "mt5-ny")


@lru_cache(maxsize=64)
def check_zone(zone: str) -> str:
    """Return `zone` normalised, or raise a one-line error listing what is accepted."""
    if zone.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    if zone.lower() in ("histdata", "mt5-ny"):
        return zone.lower()
    if _FIXED.match(zone):
        return zone.upper()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(f"unknown time zone {zone!r}: use UTC, UTC+2, an IANA name such as "
                        f"Europe/Athens, or a preset ({', '.join(PRESETS)})") from None
    return zone


def _fixed_offset_ns(zone: str) -> int | None:
    m = _FIXED.match(zone)
    if not m:
        return None
    sign = 1 if m.group(1) == "+" else -1
    return sign * (int(m.group(2)) * HOUR_NS + int(m.group(3) or 0) * 60_000_000_000)


def _iana_offsets(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """UTC offset (ns) of IANA `zone` at each UTC instant."""
    idx = pd.DatetimeIndex(utc_ns.view("datetime64[ns]"), tz="UTC").tz_convert(zone)
    return idx.tz_localize(None).asi8 - utc_ns


def utc_offsets(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """Offset (local - UTC, in ns) of `zone` at each UTC instant (int64 array)."""
    zone = check_zone(zone)
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    if zone == "UTC":
        return np.zeros(len(utc_ns), dtype=np.int64)
    fixed = _fixed_offset_ns(zone)
    if fixed is not None:
        return np.full(len(utc_ns), fixed, dtype=np.int64)
    if zone == "histdata":
        summer = _iana_offsets(utc_ns, "Europe/London") != 0
        return np.where(summer, -4 * HOUR_NS, -5 * HOUR_NS).astype(np.int64)
    if zone == "mt5-ny":
        return _iana_offsets(utc_ns, "America/New_York") + 7 * HOUR_NS
    return _iana_offsets(utc_ns, zone)


def to_local(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """Wall-clock time (ns since epoch, as if UTC) of `zone` at each UTC instant."""
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    return utc_ns + utc_offsets(utc_ns, zone)


def to_utc(local_ns: np.ndarray, zone: str, file: str = "input") -> np.ndarray:
    """UTC instants of wall-clock stamps in `zone`.

    For rule-based zones the offset is looked up at the first guess and corrected once, which is exact
    outside the hour after a clock change (a weekend for every FX zone here). For IANA zones, pandas
    resolves repeated hours by order and rejects non-existent local times.
    """
    zone = check_zone(zone)
    local_ns = np.asarray(local_ns, dtype=np.int64)
    if zone == "UTC":
        return local_ns.copy()
    fixed = _fixed_offset_ns(zone)
    if fixed is not None:
        return local_ns - fixed
    if zone in ("histdata", "mt5-ny"):
        guess = local_ns - utc_offsets(local_ns, zone)
        return local_ns - utc_offsets(guess, zone)
    try:
        idx = pd.DatetimeIndex(local_ns.view("datetime64[ns]")).tz_localize(
            zone, ambiguous="infer", nonexistent="raise")
    except Exception as exc:  # pandas raises several types for DST problems
        raise DataError(f"{file}: local time {str(exc).splitlines()[0]} cannot be placed in {zone}; "
                        f"import with a fixed offset such as --tz UTC+2") from None
    return idx.tz_convert("UTC").tz_localize(None).asi8
