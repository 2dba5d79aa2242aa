"""The Parquet store: partition layout, round trip, re-import of a span, range reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from rayga.data import store
from rayga.data.load import import_to_store, load_market_data
from rayga.data.synthetic import generate


def test_round_trip_and_layout(tmp_path):
    bars = generate("2021-12-27", "2022-01-08", seed=3)
    store.write(tmp_path, "EURUSD", bars, {"files": ["x"]})
    assert sorted(p.name for p in (tmp_path / "symbol=EURUSD").iterdir()) == ["year=2021", "year=2022"]
    back = store.read(tmp_path, "EURUSD")
    for name in ("time", "open", "high", "low", "close", "spread", "tick_volume"):
        np.testing.assert_array_equal(getattr(back, name), getattr(bars, name))
    table = pq.read_table(tmp_path / "symbol=EURUSD" / "year=2022" / "bars.parquet")
    assert str(table.schema.field("time").type) == "timestamp[ns, tz=UTC]"
    lo = pd.Timestamp("2022-01-03", tz="UTC").value
    hi = pd.Timestamp("2022-01-04", tz="UTC").value
    part = store.read(tmp_path, "EURUSD", lo, hi)
    assert part.time[0] >= lo and part.time[-1] < hi and len(part) == ((bars.time >= lo) & (bars.time < hi)).sum()


def test_reimport_replaces_only_its_span(tmp_path):
    bars = generate("2022-03-01", "2022-03-20", seed=4)
    store.write(tmp_path, "EURUSD", bars, {})
    mid = bars.between(pd.Timestamp("2022-03-08", tz="UTC").value, pd.Timestamp("2022-03-09", tz="UTC").value)
    changed = type(mid)(**{**{f: getattr(mid, f) for f in ("time", "open", "high", "low", "close", "volume")},
                           "spread": mid.spread + 1, "tick_volume": mid.tick_volume})
    store.write(tmp_path, "EURUSD", changed, {})
    back = store.read(tmp_path, "EURUSD")
    assert len(back) == len(bars)
    inside = (back.time >= mid.time[0]) & (back.time <= mid.time[-1])
    np.testing.assert_array_equal(back.spread[inside], bars.spread[inside] + 1)
    np.testing.assert_array_equal(back.spread[~inside], bars.spread[~inside])


def test_import_real_mt5_like_file_and_load(tmp_path, mt5_like_csv):
    report = import_to_store([mt5_like_csv], "EURUSD", tmp_path)
    assert report.gaps.bars == 30_203
    md = load_market_data(tmp_path, "EURUSD", "2018-06-04", "2018-06-09", "H1")
    assert md.source.startswith("store") and md.m1.spread.max() > 0
    assert (md.spread_points() > 0).all()


def test_import_all_real_years_is_fast(tmp_path, eurusd_dir):
    files = sorted(eurusd_dir.glob("EURUSD_M1_*.parquet"))
    report = import_to_store(files, "EURUSD", tmp_path)
    assert report.gaps.bars == 372_275 + 369_442 + 372_805 + 322_578
    assert report.gaps.first_ns == pd.Timestamp("2020-01-01 22:00", tz="UTC").value
    assert len(report.written) == 4
