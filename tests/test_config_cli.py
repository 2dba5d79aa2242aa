"""Config validation and the CLI as a user types it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rayga.cli import main
from rayga.config import load_config
from rayga.errors import ConfigError


def test_unknown_key_suggests(tmp_path):
    f = tmp_path / "run.toml"
    f.write_text('[data]\nsymbol = "EURUSD"\ntimefrane = "M15"\n')
    with pytest.raises(ConfigError, match=r"unknown key `timefrane` under \[data\] in .*run.toml; did you mean `timeframe`"):
        load_config(f)


@pytest.mark.parametrize("body, message", [
    ('[data]\ntimeframe = "M7"', "unknown timeframe 'M7'"),
    ('[data]\nmodelling = "ticks"', "`modelling` must be one of m1_ohlc, open_prices"),
    ('[data]\nstart = 2021-01-01\nend = 2020-01-01', "must be after `start`"),
    ('[data]\nserver_tz = "Moon/Base"', "unknown time zone"),
    ("[dta]\n", r"unknown table \[dta\].*did you mean \[data\]"),
    ("[data\n", "not valid TOML"),
    ('[optimization]\nforward = "1/5"', r"`forward` must be \"1/2\", \"1/3\", \"1/4\" or a forward start date"),
    ('[walkforward]\ntrain = "12 months"', r"`train` must be a period like \"12M\""),
    ('[walkforward]\ntest = "0D"', r"`test` must be a period"),
    ('[walkforward]\nanchored = "yes"', "`anchored` must be true or false"),
])
def test_bad_config_values(tmp_path, body, message):
    f = tmp_path / "c.toml"
    f.write_text(body + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(f)


@pytest.mark.parametrize("data, forward, message", [
    ("", "1/4", "needs the date range: set `start` and `end` under \\[data\\]"),
    ("start = 2022-01-03\nend = 2022-06-01", "2023-01-01", "must start inside the date range"),
])
def test_forward_period_must_fit_the_dates(tmp_path, data, forward, message):
    from rayga.tuning.driver import RunOptions, optimize_all

    f = tmp_path / "c.toml"
    f.write_text(f'[data]\n{data}\n[strategy.params]\nfast = {{start = 5, step = 5, stop = 20}}\n'
                 f'[optimization]\nforward = "{forward}"\n')
    with pytest.raises(ConfigError, match=message):  # before Ray starts
        optimize_all(load_config(f), RunOptions(out=tmp_path / "runs"), announce=lambda s: None)


def test_forward_split_and_walk_forward_windows():
    from rayga.config import WalkForwardConfig, parse_config

    raw = {"data": {"start": "2020-01-01", "end": "2023-10-15"}, "optimization": {"forward": "1/4"}}
    config = parse_config(raw)
    assert config.forward_split() == "2022-11-04"  # the last quarter of 1,383 days: 345 days
    assert config.period("back").data.end == config.period("forward").data.start == "2022-11-04"
    rolling = WalkForwardConfig(train="12M", test="3M").windows("2020-01-01", "2023-10-15", "x")
    assert rolling[0] == ("2020-01-01", "2021-01-01", "2021-04-01") and len(rolling) == 12
    assert rolling[-1] == ("2022-10-01", "2023-10-01", "2023-10-15")  # the last test period is cut at the end
    assert rolling[1][0] == "2020-04-01"  # rolling: the train period moves by the test period
    assert [w[1] for w in rolling[1:]] == [w[2] for w in rolling[:-1]]  # test periods follow each other
    anchored = WalkForwardConfig(train="2Y", test="6M", anchored=True).windows("2020-01-01", "2023-10-15", "x")
    assert {w[0] for w in anchored} == {"2020-01-01"} and len(anchored) == 4
    with pytest.raises(ConfigError, match="no walk-forward window fits"):
        WalkForwardConfig(train="5Y").windows("2020-01-01", "2023-10-15", "x")


def test_demo_default_is_labelled_synthetic(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "M15 bars" in out


def test_demo_on_real_data_config(tmp_path, capsys, eurusd_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "eurusd.toml"
    f.write_text(f'[data]\nsymbol = "EURUSD"\nsource = "{eurusd_dir}"\ntimeframe = "H1"\n'
                 'start = 2022-01-01\nend = 2022-04-01\n')
    assert main(["demo", str(f)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" not in out and "H1 bars" in out and "2022-01-02" in out


def test_cli_import_as_a_user_types_it(tmp_path, eurusd_dir):
    proc = subprocess.run([sys.executable, "-m", "rayga", "data", "import", str(eurusd_dir / "EURUSD_M1_2022.parquet"),
                           "--symbol", "EURUSD", "--store", str(tmp_path / "store")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "372,805 M1 bars" in proc.stdout and "first bar: 2022-01-02 22:03 UTC" in proc.stdout
    assert "weekend closures" in proc.stdout
    assert (tmp_path / "store" / "symbol=EURUSD" / "year=2022" / "bars.parquet").exists()


def test_missing_config_file(capsys):
    assert main(["demo", "no/such.toml"]) == 2
    assert capsys.readouterr().err.strip() == "rayga: error: no/such.toml: no such config file"


@pytest.mark.parametrize("name", ["joao9913_MACrossover_GBPUSD_M15_2013-2025.html",
                                  "davidyusaku_DailyBreakout_XAUUSD_M1_xlsx.xlsx"])
def test_mt5_report_command_agrees_with_mt5(capsys, name):
    from tests.conftest import need_shared

    path = need_shared("mt5-reports", name)
    assert main(["mt5-report", str(path)]) == 0
    out = capsys.readouterr().out
    assert "False" not in out and "profit_factor" in out and "balance_dd_rel_pct" in out


def test_backtest_command_on_synthetic_data_with_json(tmp_path, capsys):
    import json

    assert main(["backtest", "--set", "fast=10", "--set", "account.lots=0.5", "--json", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["synthetic"] is True and result["params"]["fast"] == 10.0
    assert result["metrics"]["total_trades"] > 0
    deals = (tmp_path / "deals.csv").read_text().splitlines()
    assert deals[0].startswith("time,type,entry") and len(deals) == result["metrics"]["total_deals"] + 1


def test_backtest_hundred_lots_warns_with_margin_needed(tmp_path, capsys):
    """100 lots at 1:100 on 100,000 USD cannot be afforded while EURUSD > 1.0: rejected with a warning."""
    assert main(["backtest", "--set", "account.lots=100", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "rejected for lack of free margin" in err and "need about" in err


def test_backtest_bad_set(capsys):
    assert main(["backtest", "--set", "nonsense"]) == 2
    assert "expected name=value" in capsys.readouterr().err


def test_python_api_example_runs(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "backtest_api.py"
    proc = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "SYNTHETIC" in proc.stdout and "complex_criterion" in proc.stdout
