"""Zone rules: presets against known instants, round trips local <-> UTC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.data.timezones import to_local, to_utc, utc_offsets
from rayga.errors import DataError

H = 3_600_000_000_000


def ns(s: str) -> int:
    return pd.Timestamp(s, tz="UTC").value


@pytest.mark.parametrize("utc, zone, hours", [
    ("2021-01-15 12:00", "histdata", -5), ("2021-03-27 12:00", "histdata", -5),  # before EU change (Mar 28)
    ("2021-03-28 02:00", "histdata", -4), ("2021-10-30 12:00", "histdata", -4),
    ("2021-10-31 02:00", "histdata", -5),
    ("2021-03-13 12:00", "mt5-ny", 2), ("2021-03-15 12:00", "mt5-ny", 3),  # US change on Mar 14
    ("2021-07-01 00:00", "UTC+2", 2), ("2021-07-01 00:00", "UTC-5:30", -5.5),
    ("2021-07-01 00:00", "Europe/Athens", 3), ("2021-12-01 00:00", "Europe/Athens", 2),
])
def test_offsets(utc, zone, hours):
    assert utc_offsets(np.array([ns(utc)]), zone)[0] == int(hours * H)


@pytest.mark.parametrize("zone", ["histdata", "mt5-ny", "UTC+2", "Europe/Athens", "UTC"])
def test_round_trip_on_trading_minutes(zone):
    t = np.arange(ns("2020-01-06"), ns("2023-12-29"), 7 * 60_000_000_000 + 13, dtype=np.int64)
    t = t - t % 60_000_000_000
    weekday = pd.DatetimeIndex(t.view("datetime64[ns]")).day_of_week
    t = t[weekday < 5]  # zone changes fall on weekends for these zones, when FX markets are shut
    np.testing.assert_array_equal(to_utc(to_local(t, zone), zone), t)


def test_unknown_zone():
    with pytest.raises(DataError, match="unknown time zone 'Nowhere/City'"):
        to_local(np.array([0]), "Nowhere/City")
