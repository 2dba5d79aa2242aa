"""Bad values anywhere a user can type them give one-line errors, never tracebacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.config import load_config
from rayga.data.load import load_market_data
from rayga.data.readers import read_bars
from rayga.data.symbols import symbol_spec
from rayga.errors import ConfigError, DataError, RaygaError


@pytest.mark.parametrize("body, message", [
    ("[data]\ntimeframe = 5", "`timeframe` must be text in quotes"),
    ("[data]\nsource = 5", "`source` must be text in quotes"),
    ("[data]\nserver_tz = 2", "`server_tz` must be text in quotes"),
    ('[data]\nstart = "2020-9-1"\nend = "2020-10-01"', None),  # dates compared as dates, not text
    ('[data]\nstart = "yesterday-ish"', "`start` must be a date"),
    ('[symbol]\nspread_points = "abc"', "`spread_points` must be a number"),
    ("[symbol]\ndigits = 2.5", "`digits` must be in 0..8"),
    ('[account]\nlots = "1"', "`lots` must be > 0"),
    ('[optimization]\ncriterion = "complx"', 'did you mean "complex"'),
])
def test_config_values(tmp_path, body, message):
    f = tmp_path / "c.toml"
    f.write_text(body + "\n")
    if message is None:
        load_config(f)
        return
    with pytest.raises(ConfigError, match=message):
        config = load_config(f)
        symbol_spec(config.data.symbol, config.symbol)


def test_symbols_that_are_not_fx_need_their_terms():
    with pytest.raises(ConfigError, match="XAUUSD.*contract_size"):
        symbol_spec("XAUUSD")
    gold = symbol_spec("XAUUSD", {"digits": 2, "contract_size": 100, "base_currency": "XAU",
                                  "profit_currency": "USD", "margin_currency": "USD"})
    assert gold.point == 0.01 and gold.contract_size == 100
    assert symbol_spec("USDSEK").profit_currency == "SEK"


def test_synthetic_window_without_bars():
    with pytest.raises(DataError, match="no M1 bars of EURUSD"):
        load_market_data("synthetic", "EURUSD", "2022-01-01", "2022-01-02", "M15")  # a Saturday


def test_stamps_with_negative_zone_offset(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("time,open,high,low,close\n2021-03-01T10:00:00-05:00,1,1,1,1\n")
    assert read_bars(f).time[0] == pd.Timestamp("2021-03-01 15:00", tz="UTC").value
    with pytest.raises(DataError, match="carry their own zone"):
        read_bars(f, tz="UTC+2")


def test_parquet_with_text_spread(tmp_path):
    f = tmp_path / "p.parquet"
    pd.DataFrame({"time": pd.date_range("2022-05-02", periods=2, freq="min"), "open": [1.0, 1.0], "high": [1.0, 1.0],
                  "low": [1.0, 1.0], "close": [1.0, 1.0], "spread": ["a", "b"]}).to_parquet(f)
    with pytest.raises(DataError, match="column 'spread' has type"):
        read_bars(f)


def test_backtest_cli_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    assert main(["backtest", "--out", "afile"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["backtest", "--set", "optimization.engine=\"vectorbt\""]) == 2
    assert "a single backtest runs the fused engine" in capsys.readouterr().err
    assert main(["backtest", "--set", "strategy.name=\"x\""]) == 2
    assert "set strategy parameters by name" in capsys.readouterr().err
    assert main(["backtest", "--set", "data.start=\"2022-01-01\"", "--set", "data.end=\"2022-01-02\""]) == 2
    assert "no M1 bars" in capsys.readouterr().err


def test_nan_genome_is_refused():
    from rayga.sim.account import AccountConfig
    from rayga.sim.engine import evaluate
    from rayga.sim.prepared import prepare
    from rayga.strategies.ma_cross import MACross

    md = load_market_data("synthetic", "EURUSD", "2022-03-01", "2022-03-15", "M15")
    with pytest.raises(ConfigError, match="genome 1 has a missing"):
        evaluate(prepare(md, AccountConfig()), MACross(), np.array([[5, 10, 0, 0], [np.nan, 10, 0, 0]]))


def test_bench_arguments_checked_before_work():
    from rayga.bench import run_bench

    with pytest.raises(RaygaError, match="--reference"):
        run_bench("synthetic", sizes=(10,), reference_sample=50)
