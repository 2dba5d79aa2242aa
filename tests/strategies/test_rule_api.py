"""The rule API (`rayga.rules`): what a rule receives (server-time fields across a DST change, higher
timeframes without look-ahead, parameters by name) and what it returns (decisions with exits and stops per
entry), in the parallel batch kernel and in single backtests, against the per-tick reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.data.bars import M1Bars
from rayga.data.load import load_market_data
from rayga.data.market import MarketData
from rayga.data.symbols import symbol_spec
from rayga.sim.account import AccountConfig
from rayga.sim.engine import backtest, evaluate
from rayga.sim.enums import METRICS
from rayga.sim.prepared import prepare
from rayga.strategies.context import rule_bars
from rayga.strategies.registry import get_strategy

HEAD = """
import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_ALL, EXIT_LONG, SELL, atr_nb, ema_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy
"""

SESSION = HEAD + """

@njit(cache=True)
def monday_morning(bars, p, out):
    for k in range(bars.close.shape[0]):
        if bars.weekday[k] == 1 and bars.hour[k] == p.hour - 1:
            out.signal[k] = BUY  # decided at the close of the bar before `hour`: bought at `hour`:00
        elif bars.hour[k] == p.hour:
            out.signal[k] = EXIT_LONG


class MondayMorning(UserStrategy):
    name = "monday_morning"
    params = (Param("hour", "int", 9, 1, 1, 20),)
    rule = monday_morning
"""

TREND = HEAD + """

@njit(cache=True)
def trend(bars, p, out):
    fast = ema_nb(bars.close, int(p.fast))
    atr = atr_nb(bars.high, bars.low, bars.close, 14)
    h1 = bars.higher[0]
    for k in range(1, bars.close.shape[0]):
        if np.isnan(fast[k - 1]) or np.isnan(atr[k]) or np.isnan(h1.close[k]):
            continue
        if bars.hour[k] >= p.end_hour:
            out.signal[k] = EXIT_ALL
        elif bars.close[k] > fast[k] and bars.close[k - 1] <= fast[k - 1] and bars.close[k] > h1.close[k]:
            out.signal[k] = BUY
            out.sl[k] = p.atr_mult * atr[k] / 0.00001
        elif bars.close[k] < fast[k] and bars.close[k - 1] >= fast[k - 1] and bars.close[k] < h1.close[k]:
            out.signal[k] = SELL
            if k % 2:
                out.tp[k] = 3 * p.atr_mult * atr[k] / 0.00001  # else the genes' tp_points


class Trend(UserStrategy):
    name = "trend"
    params = (Param("fast", "int", 20, 10, 5, 60), Param("end_hour", "int", 20, 16, 1, 23),
              Param("atr_mult", "float", 2.0, 1.0, 0.5, 4.0), Param("sl_points", "float", 300, 0, 100, 1000),
              Param("tp_points", "float", 0, 0, 100, 1000))
    rule = trend
    timeframes = ("H1",)
"""


def load(tmp_path, text, cls):  # noqa: ANN001, ANN201
    f = tmp_path / f"{cls.lower()}.py"
    f.write_text(text)
    return get_strategy(f"{f}:{cls}")


def hourly_market(server_tz: str) -> MarketData:
    """Flat M1 bars every minute of 2022-03-07 .. 2022-03-19 (the US clocks move on 2022-03-13)."""
    t = pd.date_range("2022-03-07", "2022-03-19", freq="1min", tz="UTC", inclusive="left").as_unit("ns").asi8
    price = 1.1 + (np.arange(len(t)) % 97) * 1e-5
    m1 = M1Bars(time=t, open=price, high=price, low=price, close=price, spread=np.full(len(t), 10.0),
                tick_volume=np.ones(len(t)), volume=np.zeros(len(t)))
    return MarketData(symbol_spec("EURUSD"), m1, "H1", server_tz=server_tz)


def test_an_entry_window_by_server_hour_and_weekday_across_a_dst_change(tmp_path):
    """Server time UTC+2, UTC+3 while New York is on summer time (`mt5-ny`): 09:00 on Monday is 07:00 UTC
    before 2022-03-13 and 06:00 UTC after."""
    strategy = load(tmp_path, SESSION, "MondayMorning")
    md = hourly_market("mt5-ny")
    result = backtest(md, strategy, strategy.genome({"hour": 9}), AccountConfig())
    entries = result.deals[result.deals["entry"] == "in"]
    assert [str(t) for t in entries["time"]] == ["2022-03-07 07:00:00+00:00", "2022-03-14 06:00:00+00:00"]
    exits = result.deals[result.deals["reason"] == "exit"]
    assert [str(t) for t in exits["time"]] == ["2022-03-07 08:00:00+00:00", "2022-03-14 07:00:00+00:00"]
    bars = rule_bars(prepare(md, AccountConfig()))
    assert bars.weekday[0] == 1 and bars.hour[0] == 2 and bars.day[0] == 7 and bars.month[0] == 3  # Monday 02:00


def test_a_higher_timeframe_is_never_visible_before_its_bar_closes():
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15")
    data = prepare(md, AccountConfig())
    h1 = rule_bars(data, ("H1",)).higher[0]
    m15 = md.bars().to_frame()
    m1 = pd.Series(md.m1.close, index=pd.DatetimeIndex(md.m1.time.view("datetime64[ns]"), tz="UTC"))
    hourly = m1.resample("1h").last().dropna()
    for k in range(len(m15)):
        decided = m15.index[k] + pd.Timedelta(minutes=15)  # bar k's decision: the next bar's first tick
        closed = hourly[hourly.index + pd.Timedelta(hours=1) <= decided]
        if closed.empty:
            assert np.isnan(h1.close[k])
        else:
            assert h1.close[k] == closed.iloc[-1], k
    # the 09:45 bar closes at 10:00: its decision sees the 09:00 hour, and so does the 10:00 bar's
    k = next(i for i in range(1, len(m15) - 1) if m15.index[i].strftime("%H:%M") == "09:45"
             and m15.index[i + 1] - m15.index[i] == pd.Timedelta(minutes=15))
    nine = hourly[hourly.index == m15.index[k].floor("h")].iloc[0]
    assert h1.close[k] == nine and h1.close[k + 1] == nine and h1.close[k - 1] != nine


def test_a_rule_runs_in_the_parallel_kernel_and_equals_single_passes_and_the_reference(tmp_path):
    from tests.sim.test_decisions import python_reference

    strategy = load(tmp_path, TREND, "Trend")
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-05-01", "M15", server_tz="mt5-ny")
    account = AccountConfig(commission_per_lot=3.5)
    data = prepare(md, account)
    rng = np.random.default_rng(2)
    genomes = np.column_stack([rng.integers(5, 60, 30), rng.integers(14, 23, 30), rng.integers(1, 8, 30) * 0.5,
                               rng.integers(0, 10, 30) * 100.0, rng.integers(0, 10, 30) * 100.0]).astype(float)
    table = evaluate(data, strategy, genomes)
    assert (table["total_trades"] > 5).all()
    for i, genome in enumerate(genomes):
        alone = backtest(md, strategy, genome, account, data)
        for name in METRICS:
            assert table.iloc[i][name] == pytest.approx(alone.metrics[name], rel=1e-12, abs=1e-9), (i, name)
        if i < 4:  # the slow per-tick reference, with the rule's stops per entry
            dec = strategy.decisions(data, genome)
            ref, ref_deals = python_reference(data, account, dec.signal, genome[3], genome[4], dec.sl, dec.tp)
            assert [tuple(r) for r in alone.deals[["m1_index"]].itertuples(index=False)] == [(d[0],) for d in ref_deals]
            for name, value in ref.items():
                assert alone.metrics[name] == pytest.approx(value, rel=1e-9, abs=1e-7), (i, name)
    reasons = set(backtest(md, strategy, genomes[0], account, data).deals["reason"])
    assert {"exit", "sl"} <= reasons


@pytest.mark.parametrize("body, message", [
    (TREND.replace("    rule = trend\n", "    rule = trend\n    signal = trend\n"), "give the class one rule"),
    (TREND.replace('timeframes = ("H1",)', 'timeframes = ("H2",)'), "unknown timeframe 'H2'"),
    (TREND.replace("p.end_hour", "p.end_hours"), "does not compile or run"),
])
def test_bad_rules_are_one_line(tmp_path, capsys, body, message):
    (tmp_path / "trend.py").write_text(body)
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     '[strategy]\nname = "trend.py:Trend"\n')
    assert main(["backtest", str(tmp_path / "c.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_a_higher_timeframe_not_above_the_configs_is_one_line(tmp_path, capsys):
    (tmp_path / "trend.py").write_text(TREND)
    (tmp_path / "c.toml").write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                                     'timeframe = "H4"\n[strategy]\nname = "trend.py:Trend"\n')
    assert main(["backtest", str(tmp_path / "c.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("rayga: error: a strategy reads the H1 bars, which are not above the config's timeframe "
                   "(240 minutes); set a lower `timeframe` under [data]")


def test_the_session_example_backtests_from_the_cli(tmp_path, capsys):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "session_trend.toml"
    assert main(["backtest", str(example), "--out", str(tmp_path / "bt"), "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["total_trades"] > 50
    deals = pd.read_csv(tmp_path / "bt" / "deals.csv")
    assert {"exit", "sl"} <= set(deals["reason"])


@pytest.mark.slow
def test_a_rule_optimizes_on_ray_with_the_figures_of_the_ray_free_engine(tmp_path, capsys):
    """The rule travels to Ray's evaluators inside its pickle; their generated kernels give the passes the
    Ray-free engine gives."""
    from pathlib import Path

    from rayga.config import load_config
    from rayga.optimize import run_optimization
    from rayga.runner import apply_sets

    example = Path(__file__).resolve().parents[2] / "examples" / "session_trend.toml"
    sets = ["data.end=2022-03-01", 'ema_period={"start": 10, "step": 8, "stop": 34}', "start_hour=8",
            'end_hour={"start": 16, "step": 3, "stop": 22}', "optimization.mode=\"complete\""]
    args = ["optimize", str(example), "--out", str(tmp_path / "runs"), "--workers", "2", "--quiet"]
    assert main(args + [x for s in sets for x in ("--set", s)]) == 0
    (folder,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    got = pd.read_parquet(folder / "results.parquet")
    local = run_optimization(apply_sets(load_config(example), sets), progress=False).results
    cols = ["ema_period", "sl_atr", "tp_points", "end_hour", *[m for m in METRICS]]
    key = ["ema_period", "sl_atr", "tp_points", "end_hour"]
    pd.testing.assert_frame_equal(got[cols].sort_values(key).reset_index(drop=True),
                                  local[cols].sort_values(key).reset_index(drop=True), check_exact=True)
    assert len(got) == 4 * 5 * 6 * 3


def test_the_forming_higher_bar_is_what_mt5_shows_at_the_decision_tick():
    """iOpen/iHigh/iLow/iClose(_Symbol, PERIOD_H1, 0) on the first tick of the next base bar: the hour's
    M1 bars before that tick and the tick itself (its open); a new hour at that tick is that tick alone."""
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-01-12", "M15")
    data = prepare(md, AccountConfig())
    h1 = rule_bars(data, ("H1",)).higher[0]
    m1 = pd.DataFrame({"open": md.m1.open, "high": md.m1.high, "low": md.m1.low},
                      index=pd.DatetimeIndex(md.m1.time.view("datetime64[ns]"), tz="UTC"))
    for k in range(len(data.m1_stop) - 1):
        j = int(data.m1_stop[k])  # the decision tick's M1 bar
        tick_time = m1.index[j]
        hour = m1[(m1.index >= tick_time.floor("h")) & (m1.index < tick_time)]
        tick = m1["open"].iloc[j]
        want = (hour["open"].iloc[0] if len(hour) else tick, max([tick, *hour["high"]]), min([tick, *hour["low"]]),
                tick)
        got = (h1.forming_open[k], h1.forming_high[k], h1.forming_low[k], h1.forming_close[k])
        assert got == want, k
    last = len(data.m1_stop) - 1
    assert np.isnan(h1.forming_close[last])


TWO_CLASSES = HEAD + """

@njit(cache=True)
def breakout(bars, p, out):
    for k in range(int(p.lookback), bars.close.shape[0]):
        if bars.close[k] > np.max(bars.high[k - int(p.lookback):k]):
            out.signal[k] = BUY
        elif bars.close[k] < np.min(bars.low[k - int(p.lookback):k]):
            out.signal[k] = SELL


class Plain(UserStrategy):
    name = "plain"
    params = (Param("lookback", "int", 20, 10, 5, 60),)
    rule = breakout


class WithHours(UserStrategy):
    name = "with_hours"
    params = (Param("lookback", "int", 20, 10, 5, 60),)
    rule = breakout
    timeframes = ("H1", "H4")
"""


def test_a_rule_cached_for_several_kernels_loads_in_a_fresh_process(tmp_path):
    """One rule compiled for two generated kernels (its classes read different higher timeframes): a new
    process that loads only the second finds every type of the rule's disk cache (none lives in a generated
    module that process has not imported)."""
    import subprocess
    import sys

    (tmp_path / "two.py").write_text(TWO_CLASSES)
    toml = '[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n[strategy]\nname = "two.py:{}"\n'
    (tmp_path / "plain.toml").write_text(toml.format("Plain"))
    (tmp_path / "hours.toml").write_text(toml.format("WithHours"))
    rayga = str(__import__("pathlib").Path(sys.executable).with_name("rayga"))
    for cfg in ("plain.toml", "hours.toml", "hours.toml", "plain.toml"):  # each a fresh process
        done = subprocess.run([rayga, "backtest", cfg, "--out", "out"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, (cfg, done.stderr[-2000:])
