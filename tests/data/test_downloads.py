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
    assert "time zone of the files' stamps: histdata (HistData's: UTC-5, UTC-4 while EU summer time" in out
    assert "left out: 60 repeated bar(s) identical to earlier ones" in out
    assert main(["data", "info", "--store", str(tmp_path / "st")]) == 0
    assert ("2019: from {}; stamps read as histdata, stored in UTC; left out: 60 repeated bar(s) identical to "
            "earlier ones".format(path.name)) in capsys.readouterr().out
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


TICKS_HEAD = "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>\n"


def test_mt5_tick_exports_become_bid_bars_with_the_first_ticks_spread(tmp_path, capsys):
    """Blank BID or ASK is unchanged (carried forward); a bar's spread is its first tick's; tick volume counts
    its ticks. A backtest then uses these spreads."""
    rows = [("00:00:00.120", "1.12145", "1.12160"), ("00:00:10.450", "", "1.12161"), ("00:00:59.999", "1.12150", ""),
            ("00:01:00.000", "", "1.12150"), ("00:01:30.000", "1.1213", ""), ("00:03:05.500", "1.12170", "1.12190")]
    f = tmp_path / "EURUSD_ticks.csv"
    f.write_text(TICKS_HEAD + "".join(f"2020.01.02\t{t}\t{b}\t{a}\t\t\t6\n" for t, b, a in rows))
    code, out, err = _import(capsys, [f], "EURUSD", tmp_path / "st")
    assert code == 0 and err == [], err
    bars = store.read(tmp_path / "st", "EURUSD")
    minute = pd.Timestamp("2020-01-02", tz="UTC").value + 60_000_000_000 * np.array([0, 1, 3])
    np.testing.assert_array_equal(bars.time, minute)
    np.testing.assert_allclose(bars.open, [1.12145, 1.12150, 1.12170])  # the second bar opens on the carried bid
    np.testing.assert_allclose(bars.high, [1.12150, 1.12150, 1.12170])
    np.testing.assert_allclose(bars.low, [1.12145, 1.12130, 1.12170])
    np.testing.assert_allclose(bars.close, [1.12150, 1.12130, 1.12170])
    np.testing.assert_array_equal(bars.tick_volume, [3, 2, 1])
    np.testing.assert_array_equal(bars.spread, [15, 0, 20])  # 00:01:00: ask 1.12150 over the carried bid 1.12150

    from rayga.data.load import load_market_data
    from rayga.sim.account import AccountConfig
    from rayga.sim.prepared import prepare

    md = load_market_data(tmp_path / "st", "EURUSD", "2020-01-02", "2020-01-03", "M1")
    data = prepare(md, AccountConfig(spread_points=7))
    np.testing.assert_allclose(data.open_spread, [15e-5, 7e-5, 20e-5])  # a spread <= 0 falls back to the config's


def test_a_tick_file_going_backwards_is_one_line(tmp_path, capsys):
    f = tmp_path / "EURUSD_ticks.csv"
    f.write_text(TICKS_HEAD + "2020.01.02\t00:00:05.000\t1.1\t1.2\t\t\t6\n2020.01.02\t00:00:04.000\t1.1\t1.2\t\t\t6\n")
    code, _, err = _import(capsys, [f], "EURUSD", tmp_path / "st")
    assert code == 2 and err == [f"rayga: error: {f} line 3: tick time goes backwards"]


def test_dukascopy_fillers_are_dropped_with_a_warning(tmp_path, capsys):
    rows = ["01.01.2019 22:00:00.000,1.14598,1.14598,1.14598,1.14598,0",  # market closed: filler
            "01.01.2019 22:01:00.000,1.14598,1.14598,1.14598,1.14598,0",
            "01.01.2019 22:02:00.000,1.14598,1.14612,1.14590,1.14600,35.2",
            "01.01.2019 22:03:00.000,1.14600,1.14600,1.14600,1.14600,1.5",  # flat but traded: kept
            "01.01.2019 22:04:00.000,1.14600,1.14550,1.14580,1.14590,3.1"]  # high below low: an error's line
    f = tmp_path / "EURUSD_Candlestick_1_M_BID_01.01.2019-02.01.2019.csv"
    f.write_text("Gmt time,Open,High,Low,Close,Volume\n" + "\n".join(rows[:4]) + "\n")
    code, out, err = _import(capsys, [f], "EURUSD", tmp_path / "st")
    assert code == 0 and len(err) == 1
    assert err[0] == (f"rayga: warning: {f}: dropped 2 zero-volume filler bar(s) (flat bars Dukascopy writes while "
                      f"the market is closed), first at {f} line 2")
    assert len(store.read(tmp_path / "st", "EURUSD").time) == 2
    f.write_text("Gmt time,Open,High,Low,Close,Volume\n" + "\n".join(rows) + "\n")
    code, _, err = _import(capsys, [f], "EURUSD", tmp_path / "st2")
    assert code == 2 and err[-1].startswith(f"rayga: error: {f} line 6: high 1.1455 is below low 1.1458")


def test_histdata_flat_bars_are_kept(tmp_path, capsys):
    """HistData's volume is always 0: its flat bars are real quotes, not fillers."""
    f = tmp_path / "DAT_ASCII_EURUSD_M1_2022.csv"
    f.write_text("20220103 100000;1.1;1.1;1.1;1.1;0\n20220103 100100;1.1;1.2;1.0;1.1;0\n")
    code, out, err = _import(capsys, [f], "EURUSD", tmp_path / "st")
    assert code == 0 and err == [] and "imported 2 M1 bars" in out


def test_the_coverage_report_flags_the_thinned_months_of_real_eurusd(tmp_path, capsys, eurusd_dir):
    files = sorted(eurusd_dir.glob("EURUSD_M1_*.parquet"))
    code, out, err = _import(capsys, files, "EURUSD", tmp_path / "st")
    assert code == 0, err
    assert main(["data", "info", "--store", str(tmp_path / "st")]) == 0
    info = capsys.readouterr().out
    for text in (out, info):
        (line,) = [ln for ln in text.splitlines() if "coverage:" in ln]
        flagged = {m for m in line.split(": ", 2)[-1].split(", ") if m[:4].isdigit()}
        months = {m.split(" ")[0] for m in flagged}
        assert {"2023-03", "2023-04", "2023-05", "2023-06", "2023-07"} <= months <= {
            "2023-02", "2023-03", "2023-04", "2023-05", "2023-06", "2023-07"}, line
    assert "time zone of the files' stamps: UTC; stored in UTC" in out
    assert "2020: from EURUSD_M1_2020.parquet" in info and "stamps read as UTC" in info


def test_coverage_of_a_month_that_lost_every_other_hour():
    from rayga.data.gaps import summarize

    t = pd.date_range("2022-01-03", "2022-05-01", freq="1min", tz="UTC", inclusive="left").as_unit("ns")
    t = t[t.day_of_week < 5]
    march = (t.month == 3) & (t.hour % 2 == 1)
    summary = summarize(t[~march].asi8)
    assert [m for m, _ in summary.thin_months] == ["2022-03"]
    assert summary.usual_weekday_bars == 1440 and summary.thin_months[0][1] == 720
    assert "coverage: 1 month(s) with far fewer bars than usual" in "\n".join(summary.lines())
    assert summarize(t.asi8).thin_months == ()


def test_a_repeated_time_with_other_prices_names_both_lines(tmp_path, capsys):
    f = tmp_path / "DAT_ASCII_EURUSD_M1_2022.csv"
    rows = _histdata_rows("2022-01-03 10:00", 4).splitlines(keepends=True)
    f.write_text("".join(rows) + rows[1].replace("1.1010", "1.1020"))  # line 5 repeats line 2's time
    code, _, err = _import(capsys, [f], "EURUSD", tmp_path / "st")
    assert code == 2 and len(err) == 1
    assert err[0] == (f"rayga: error: {f} line 5: time 2022-01-03 15:01:00 UTC repeats line 2 with different "
                      f"prices; keep one")
