"""Every kind of bad input gives one line naming the file and row/column, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rayga.cli import main

HEAD = "time,open,high,low,close\n"
GOOD = "2020-01-02 00:00:00,1.1,1.2,1.0,1.15\n"


def run_import(capsys, tmp_path, *paths, extra=()):
    code = main(["data", "import", *map(str, paths), "--symbol", "EURUSD", "--store", str(tmp_path / "st"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return f


CASES = {
    "unparsable date": (HEAD + GOOD + "2020-01-02 0x:01:00,1.1,1.2,1.0,1.15\n", "line 3", "cannot parse time"),
    "unparsable number": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,abc,1.0,1.15\n", "line 3", "'high'"),
    "NaN": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.2,NaN,1.15\n", "line 3", "'low' is missing or NaN"),
    "empty cell": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.2,,1.15\n", "line 3", "'low' is missing"),
    "non-positive price": (HEAD + GOOD + "2020-01-02 00:01:00,0,1.2,1.0,1.15\n", "line 3", "prices must be > 0"),
    "high below low": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.0,1.2,1.1\n", "line 3", "below low"),
    "open outside range": (HEAD + GOOD + "2020-01-02 00:01:00,1.3,1.2,1.0,1.1\n", "line 3", "open 1.3 is outside"),
    "close outside range": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.2,1.0,0.9\n", "line 3", "close 0.9 is outside"),
    "time backwards": (HEAD + GOOD + "2020-01-01 23:59:00,1.1,1.2,1.0,1.15\n", "line 3", "goes backwards"),
    "conflicting duplicate": (HEAD + GOOD + "2020-01-02 00:00:00,1.1,1.2,1.0,1.16\n", "line 3", "different prices"),
    "missing column": ("time,open,high,close\n2020-01-02 00:00:00,1.1,1.2,1.15\n", "line 1", "missing column 'low'"),
    "wrong field count": (HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.2\n", "line 3", "expected 5 fields, got 3"),
    "mixed symbols": ("time,symbol,open,high,low,close\n2020-01-02 00:00:00,EURUSD,1.1,1.2,1.0,1.15\n"
                      "2020-01-02 00:01:00,GBPUSD,1.1,1.2,1.0,1.15\n", "bars.csv", "mixed symbols"),
    "other symbol column": ("time,symbol,open,high,low,close\n2020-01-02 00:00:00,GBPUSD,1.1,1.2,1.0,1.15\n",
                            "bars.csv", "holds GBPUSD bars"),
    "unknown format": ("just some words\nand more\n", "bars.csv", "unknown format"),
    "header only": (HEAD, "bars.csv", "no bars"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_csv(capsys, tmp_path, case):
    text, where, what = CASES[case]
    f = write(tmp_path, "bars.csv", text)
    code, err = run_import(capsys, tmp_path, f)
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("rayga: error: ") and str(f) in err[0] and where in err[0] and what in err[0], err[0]
    assert not (tmp_path / "st").exists(), "nothing may be written when the input is bad"


def test_missing_and_empty_files(capsys, tmp_path):
    code, err = run_import(capsys, tmp_path, tmp_path / "nope.csv")
    assert code == 2 and err == [f"rayga: error: {tmp_path / 'nope.csv'}: no such file"]
    empty = write(tmp_path, "empty.csv", "")
    code, err = run_import(capsys, tmp_path, empty)
    assert code == 2 and err == [f"rayga: error: {empty}: file is empty"]


def test_bad_mt5_and_histdata_rows(capsys, tmp_path):
    mt5 = write(tmp_path, "EURUSD.csv", "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
                "2020.01.02\t00:00\t1.1\t1.2\t1.0\t1.1\t1\t0\t5\n2020.13.02\t00:01\t1.1\t1.2\t1.0\t1.1\t1\t0\t5\n")
    code, err = run_import(capsys, tmp_path, mt5)
    assert code == 2 and f"{mt5} line 3" in err[0] and "2020.13.02 00:01" in err[0]
    hd = write(tmp_path, "DAT_ASCII_EURUSD_M1_2020.csv", "20200102 000000;1.1;1.2;1.0;1.1;0\n"
               "20200102 000100;1.1;1.2;1.0;1.x;0\n")
    code, err = run_import(capsys, tmp_path, hd)
    assert code == 2 and f"{hd} line 2" in err[0] and "'close'" in err[0]


def test_file_name_of_other_symbol(capsys, tmp_path):
    f = write(tmp_path, "GBPUSD_M1.csv", HEAD + GOOD)
    code, err = run_import(capsys, tmp_path, f)
    assert code == 2 and "file name says GBPUSD" in err[0]


def test_identical_duplicates_dropped_with_one_warning(capsys, tmp_path):
    f = write(tmp_path, "bars.csv", HEAD + GOOD + GOOD + "2020-01-02 00:01:00,1.1,1.2,1.0,1.15\n"
              + "2020-01-02 00:01:00,1.1,1.2,1.0,1.15\n")
    code, err = run_import(capsys, tmp_path, f)
    assert code == 0
    warnings = [e for e in err if "warning" in e]
    assert len(warnings) == 1 and "dropped 2 repeated bar(s) identical to earlier ones (lines 3..5" in warnings[0]
    out_code = main(["data", "info", "--store", str(tmp_path / "st")])
    assert out_code == 0 and "bars: 2" in capsys.readouterr().out


def test_overlapping_files_with_different_prices(capsys, tmp_path):
    a = write(tmp_path, "a.csv", HEAD + GOOD)
    b = write(tmp_path, "b.csv", HEAD + "2020-01-02 00:00:00,1.1,1.2,1.0,1.11\n")
    code, err = run_import(capsys, tmp_path, a, b)
    assert code == 2 and str(b) in err[0] and str(a) in err[0] and "different prices" in err[0]


def test_bad_zone_and_format_names(capsys, tmp_path):
    f = write(tmp_path, "bars.csv", HEAD + GOOD)
    code, err = run_import(capsys, tmp_path, f, extra=["--tz", "Mars/Olympus"])
    assert code == 2 and "unknown time zone 'Mars/Olympus'" in err[0]
    code, err = run_import(capsys, tmp_path, f, extra=["--format", "parquet"])
    assert code == 2 and "not a readable Parquet file" in err[0] and str(f) in err[0]


def test_real_process_prints_no_traceback(tmp_path):
    f = write(tmp_path, "bars.csv", HEAD + GOOD + "2020-01-02 00:01:00,1.1,1.0,1.2,1.1\n")
    proc = subprocess.run([sys.executable, "-m", "rayga", "data", "import", str(f), "--symbol", "EURUSD",
                           "--store", str(tmp_path / "st")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "line 3" in proc.stderr
