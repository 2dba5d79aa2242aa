"""Readers: every supported layout parses to the same UTC bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rayga.data.readers import detect_format, read_bars
from rayga.data.timezones import to_local

MT5_ANGLE = (
    "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
    "2020.01.02\t00:00\t1.12100\t1.12150\t1.12050\t1.12120\t25\t0\t12\n"
    "2020.01.02\t00:01\t1.12120\t1.12130\t1.12110\t1.12115\t17\t0\t0\n"
)


def utc(s: str) -> int:
    return pd.Timestamp(s, tz="UTC").value


def test_mt5_angle_header_hhmm(tmp_path):
    f = tmp_path / "EURUSD_M1.csv"
    f.write_text(MT5_ANGLE)
    assert detect_format(f) == "mt5"
    raw = read_bars(f)
    assert list(raw.time) == [utc("2020-01-02 00:00"), utc("2020-01-02 00:01")]
    assert list(raw.high) == [1.1215, 1.1213]
    assert list(raw.spread) == [12.0, 0.0] and list(raw.tick_volume) == [25.0, 17.0]


def test_mt5_seconds_and_server_zone(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text(MT5_ANGLE.replace("\t00:00\t", "\t00:00:00\t").replace("\t00:01\t", "\t00:01:00\t"))
    raw = read_bars(f, tz="UTC+2")
    assert raw.time[0] == utc("2020-01-01 22:00")


def test_mt5_plain_header_crlf_real_file(mt5_like_csv):
    raw = read_bars(mt5_like_csv)
    assert len(raw) == 30_203
    assert raw.time[0] == utc("2018-06-01 00:00")
    assert raw.open[0] == 1.16879 and raw.spread[0] == 47 and raw.tick_volume[0] == 8
    assert np.all(np.diff(raw.time) > 0)


def test_histdata_preset_matches_documented_rule(tmp_path):
    f = tmp_path / "DAT_ASCII_EURUSD_M1_2020.csv"
    f.write_text("20200101 170000;1.121200;1.121210;1.121170;1.121200;0\n"
                 "20200701 120000;1.123000;1.123100;1.122900;1.123050;0\n")
    assert detect_format(f) == "histdata"
    raw = read_bars(f)  # HistData files default to the histdata zone
    assert list(raw.time) == [utc("2020-01-01 22:00"), utc("2020-07-01 16:00")]
    assert list(read_bars(f, tz="UTC").time) == [utc("2020-01-01 17:00"), utc("2020-07-01 12:00")]


def test_histdata_round_trip_on_real_bars(tmp_path, eurusd_dir):
    table = pq.read_table(eurusd_dir / "EURUSD_M1_2021.parquet").slice(0, 400_000)
    t = table.column("time").cast(pa.int64()).to_numpy()
    local = pd.to_datetime(to_local(t, "histdata")).strftime("%Y%m%d %H%M%S")
    df = table.to_pandas()
    lines = [f"{s};{o:.5f};{h:.5f};{lo:.5f};{c:.5f};0" for s, o, h, lo, c in
             zip(local, df.open, df.high, df.low, df.close, strict=True)]
    f = tmp_path / "DAT_ASCII_EURUSD_M1_2021.csv"
    f.write_text("\n".join(lines) + "\n")
    raw = read_bars(f)
    np.testing.assert_array_equal(raw.time, t)
    np.testing.assert_array_equal(raw.close, df.close.to_numpy())


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_generic_csv(tmp_path, sep):
    f = tmp_path / "bars.csv"
    rows = [["Time", "Open", "High", "Low", "Close", "Volume", "Spread"],
            ["2021-03-01 10:00:00", "1.2", "1.3", "1.1", "1.25", "5", "9"],
            ["2021-03-01 10:01:00", "1.25", "1.26", "1.2", "1.21", "3", "8"]]
    f.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    raw = read_bars(f)
    assert list(raw.time) == [utc("2021-03-01 10:00"), utc("2021-03-01 10:01")]
    assert list(raw.spread) == [9.0, 8.0] and list(raw.volume) == [5.0, 3.0]


def test_generic_csv_iso_z_and_date_time_columns(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("time,open,high,low,close\n2021-03-01T10:00:00Z,1,1,1,1\n")
    assert read_bars(f).time[0] == utc("2021-03-01 10:00")
    g = tmp_path / "b.csv"
    g.write_text("date,time,open,high,low,close\n2021-03-01,10:00:00,1,1,1,1\n")
    assert read_bars(g).time[0] == utc("2021-03-01 10:00")


def test_parquet_variants(tmp_path):
    t = pd.date_range("2022-05-02 08:00", periods=3, freq="min")
    base = {"open": [1.0, 1.1, 1.2], "high": [1.2] * 3, "low": [1.0] * 3, "close": [1.1, 1.2, 1.0]}
    naive = tmp_path / "naive.parquet"
    pd.DataFrame({"time": t, **base}).to_parquet(naive)
    aware = tmp_path / "aware.parquet"
    pd.DataFrame({"time": t.tz_localize("Europe/Athens"), **base}).to_parquet(aware)
    ints = tmp_path / "ints.parquet"
    pd.DataFrame({"time": t.as_unit("ns").asi8, **base}).to_parquet(ints)
    assert read_bars(naive).time[0] == utc("2022-05-02 08:00")
    assert read_bars(naive, tz="Europe/Athens").time[0] == utc("2022-05-02 05:00")
    assert read_bars(aware).time[0] == utc("2022-05-02 05:00")
    assert read_bars(ints).time[0] == utc("2022-05-02 08:00")
