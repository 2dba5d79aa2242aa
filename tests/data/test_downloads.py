"""Market data as users download it, through `rayga data import`: HistData's yearly zips (and the CSV
inside), with their fall-back hour written twice; a zip of several years; files that are not bars."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.data import store
from tests.conftest import need_shared

DOWNLOADS = {"GBPUSD": 372_336, "USDJPY": 372_525}


def _import(capsys, paths, symbol, store_dir, extra=()):  # noqa: ANN001, ANN202
    code = main(["data", "import", *map(str, paths), "--symbol", symbol, "--store", str(store_dir), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip().splitlines()


@pytest.mark.parametrize("symbol", sorted(DOWNLOADS))
@pytest.mark.parametrize("as_given", ["zip", "csv inside"])
def test_histdata_downloads_import_as_downloaded(tmp_path, capsys, symbol, as_given):
    archive = need_shared("data", symbol, f"HISTDATA_COM_ASCII_{symbol}_M12019.zip")
    path = archive
    if as_given == "csv inside":
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp_path)
        path = tmp_path / f"DAT_ASCII_{symbol}_M1_2019.csv"
    code, out, err = _import(capsys, [path], symbol, tmp_path / "st")
    assert code == 0, err
    warnings = [e for e in err if e.startswith("rayga: warning:")]
    assert len(err) == len(warnings) == 1 and "dropped 60 repeated bar(s) identical to earlier ones" in err[0]
    assert f"{symbol}: imported {DOWNLOADS[symbol]:,} M1 bars" in out
    bars = store.read(tmp_path / "st", symbol)
    assert len(bars.time) == DOWNLOADS[symbol] and (np.diff(bars.time) > 0).all()
    # HistData's raw stamps are UTC-5, UTC-4 while EU summer time is in force (`--tz histdata`)
    with zipfile.ZipFile(archive) as z:
        raw = pd.read_csv(z.open(f"DAT_ASCII_{symbol}_M1_2019.csv"), sep=";", header=None, nrows=200_000)
    stamps = pd.to_datetime(raw[0], format="%Y%m%d %H%M%S")
    times = pd.DatetimeIndex(bars.time.view("datetime64[ns]"))
    for i in (0, 150_000):  # January (winter) and July (EU summer)
        offset = 5 if stamps[i].month in (1, 2, 11, 12) else 4
        assert times[i] == stamps[i] + pd.Timedelta(hours=offset)
        assert bars.close[i] == raw[4][i]


def _histdata_rows(start: str, n: int) -> str:
    t = pd.date_range(start, periods=n, freq="1min")
    return "".join(f"{s:%Y%m%d %H%M%S};1.1000{i % 10};1.1010;1.0990;1.1000;0\n" for i, s in enumerate(t))


def test_a_zip_holding_two_years(tmp_path, capsys):
    archive = tmp_path / "HISTDATA_COM_ASCII_EURUSD_M1_2021_2022.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("DAT_ASCII_EURUSD_M1_2021.csv", _histdata_rows("2021-12-31 10:00", 30))
        z.writestr("DAT_ASCII_EURUSD_M1_2022.csv", _histdata_rows("2022-01-03 10:00", 20))
        z.writestr("DAT_ASCII_EURUSD_M1_2022.txt", "HistData.com status report\nGaps: none\n")
    code, out, err = _import(capsys, [archive], "EURUSD", tmp_path / "st")
    assert code == 0 and err == [], err
    assert "EURUSD: imported 50 M1 bars" in out
    assert sorted(p.name for p in (tmp_path / "st" / "symbol=EURUSD").iterdir()) == ["year=2021", "year=2022"]


def test_a_zip_is_recognised_by_its_content_and_its_members_named_in_errors(tmp_path, capsys):
    archive = tmp_path / "eurusd_download.dat"  # not named .zip
    with zipfile.ZipFile(archive, "w") as z:
        bad_line = "20220103 1006xx;1;1;1;1;0\n"
        z.writestr("DAT_ASCII_EURUSD_M1_2022.csv", _histdata_rows("2022-01-03 10:00", 5) + bad_line)
    code, _, err = _import(capsys, [archive], "EURUSD", tmp_path / "st")
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"rayga: error: {archive}:DAT_ASCII_EURUSD_M1_2022.csv line 6: cannot parse")
    assert not (tmp_path / "st").exists()  # nothing written when a file is bad


@pytest.mark.parametrize("fmt", ["auto", "csv", "histdata", "mt5"])
def test_a_binary_file_passed_as_bars_is_one_line(tmp_path, capsys, fmt):
    junk = tmp_path / "EURUSD_M1.csv"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    code, _, err = _import(capsys, [junk], "EURUSD", tmp_path / "st", ("--format", fmt))
    assert code == 2 and len(err) == 1
    assert err[0] == (f"rayga: error: {junk}: binary content, neither text nor Parquet; give the bars as CSV or "
                      f"text (MT5, HistData, Dukascopy exports), a zip of them, or Parquet")
    assert not (tmp_path / "st").exists()


def test_text_that_is_not_the_format_named_is_one_line(tmp_path, capsys):
    f = tmp_path / "EURUSD.csv"
    f.write_text("time,open,high,low,close\n2022-01-03 10:00:00,1.1,1.2,1.0,1.15\n")
    code, _, err = _import(capsys, [f], "EURUSD", tmp_path / "st", ("--format", "histdata"))
    assert code == 2 and len(err) == 1 and err[0].startswith(f"rayga: error: {f}")
