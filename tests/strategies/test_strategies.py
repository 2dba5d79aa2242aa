"""Built-in strategies through the batch evaluator (batch kernel = single-pass rule + simulation, and the
per-tick reference), and users' strategies: loading, checks with one-line errors, running from the CLI."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from rayga.cli import main
from rayga.data.load import load_market_data
from rayga.errors import ConfigError
from rayga.sim._nb_reference import reference_nb
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate, flat_manage, no_orders, run_signals
from rayga.sim.enums import METRICS
from rayga.sim.prepared import prepare
from rayga.strategies.registry import BUILT_IN, get_strategy

REPO_EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def default_space_sample(strategy, n: int, seed: int) -> np.ndarray:  # noqa: ANN001
    """Random genomes from the strategy's own MT5 start/step/stop ranges, its constraints kept."""
    rng = np.random.default_rng(seed)
    cols = [rng.choice(np.arange(p.start, p.stop + p.step / 2, p.step), 4 * n) for p in strategy.params]
    g = np.column_stack(cols).astype(np.float64)
    keep = np.ones(len(g), dtype=bool)
    for i in range(len(g)):
        try:
            strategy.check_genomes(g[i:i + 1])
        except ConfigError:
            keep[i] = False
    return g[keep][:n]


@pytest.fixture(scope="module")
def data():  # noqa: ANN201
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-04-01", "M15")
    return prepare(md, AccountConfig())


@pytest.mark.parametrize("name", list(BUILT_IN))
def test_batch_kernel_equals_the_single_pass_rule_and_the_per_tick_reference(name, data):
    strategy = get_strategy(name)
    genomes = default_space_sample(strategy, 24, seed=1)
    table = evaluate(data, strategy, genomes)
    assert (table["total_trades"] > 0).mean() > 0.5  # the rules trade
    out = np.zeros(len(METRICS))
    for i, genome in enumerate(genomes):
        signal = strategy.signals(data, genome)
        sl, tp = strategy.pass_stops(data, genome)  # points, or points per decision bar (ATR-scaled)
        single = run_signals(data, signal, sl, tp).metrics
        assert {m: table[m].iloc[i] for m in METRICS} == pytest.approx(single, rel=0, abs=0)
        if i < 6:  # the per-tick reference, with stops in points or per decision bar (ATR-scaled)
            sl_bar, sl = (np.asarray(sl, float), 0.0) if np.ndim(sl) else (np.empty(0), float(sl))
            tp_bar, tp = (np.asarray(tp, float), 0.0) if np.ndim(tp) else (np.empty(0), float(tp))
            reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                         data.m1_stop, signal, sl, tp, sl_bar, tp_bar, no_orders(), data.acct, out, *flat_manage(data))
            for j, m in enumerate(METRICS):
                if m != "complex_criterion":
                    assert table[m].iloc[i] == pytest.approx(out[j], rel=1e-9, abs=1e-7), (name, m)


@pytest.mark.shared
@pytest.mark.parametrize("name", list(BUILT_IN))
def test_every_built_in_strategy_runs_its_default_space_on_real_eurusd(name, eurusd_dir):
    md = load_market_data(str(eurusd_dir), "EURUSD", "2023-01-01", "2023-04-01", "M15")
    strategy = get_strategy(name)
    table = evaluate(prepare(md, AccountConfig(spread_points=10)), strategy, default_space_sample(strategy, 64, 2))
    assert len(table) == 64 and (table["total_trades"] > 0).mean() > 0.5
    assert np.isfinite(table[list(METRICS)].to_numpy()).all()


def test_no_decision_during_the_warm_up(data):
    from rayga.indicators import rsi

    strategy = get_strategy("rsi_reversion")
    genome = strategy.genome({"period": 30})
    signal = strategy.signals(data, genome)
    first = int(np.flatnonzero(~np.isnan(rsi(data.tf_close, 30)))[0])
    assert not signal[: first + 1].any()


def test_unknown_strategy_and_parameter_suggest(tmp_path):
    with pytest.raises(ConfigError, match='did you mean "rsi_reversion"'):
        get_strategy("rsi_reversal")
    with pytest.raises(ConfigError, match="has no parameter `perod`; did you mean `period`"):
        get_strategy("rsi_reversion").genome({"perod": 10})


def write(tmp_path, body: str, name: str = "strat.py"):  # noqa: ANN001, ANN201
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


HEAD = """
import numpy as np
from numba import njit
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy
"""


@pytest.mark.parametrize(("body", "message"), [
    (HEAD + "class S(UserStrategy):\n    name = 's'\n    params = (Param('a', 'int', 5, 1, 1, 9),)\n"
     "    signal = staticmethod(lambda o, h, l, c, p: np.zeros(len(c), np.int8))\n", "must be a Numba function"),
    (HEAD + "@njit\ndef f(o, h, l, c, p):\n    return np.zeros(len(c))\n"
     "class S(UserStrategy):\n    name = 's'\n    params = (Param('a', 'int', 5, 1, 1, 9),)\n    signal = f\n",
     "must return np.int8 decisions"),
    (HEAD + "@njit\ndef f(o, h, l, c, p):\n    return undefined_name(c)\n"
     "class S(UserStrategy):\n    name = 's'\n    params = (Param('a', 'int', 5, 1, 1, 9),)\n    signal = f\n",
     "does not compile"),
    (HEAD + "@njit\ndef f(o, h, l, c):\n    return np.zeros(len(c), np.int8)\n"
     "class S(UserStrategy):\n    name = 's'\n    params = (Param('a', 'int', 5, 1, 1, 9),)\n    signal = f\n",
     "does not compile"),
    (HEAD + "class S:\n    pass\n", "must subclass rayga.strategies.user.UserStrategy"),
    (HEAD + "class Other(UserStrategy):\n    pass\n", "has no class S; it defines Other"),
    ("import nosuchmodule_xyz\n", "ModuleNotFoundError"),
])
def test_bad_user_strategies_fail_at_load_with_one_line(tmp_path, body, message):
    path = write(tmp_path, body, f"s{abs(hash(body)) % 10**6}.py")
    with pytest.raises(ConfigError, match=message) as err:
        get_strategy(f"{path}:S")
    assert "\n" not in str(err.value)


def test_example_user_strategy_runs_from_the_cli(tmp_path, capsys):
    cfg = tmp_path / "u.toml"
    cfg.write_text((REPO_EXAMPLES / "user_strategy.toml").read_text()
                   .replace('source = "../../shared/data/EURUSD"', 'source = "synthetic"')
                   .replace("start = 2020-01-01", "start = 2022-01-03").replace("end = 2023-10-15", "end = 2022-05-01")
                   .replace("my_strategy.py:", f"{REPO_EXAMPLES / 'my_strategy.py'}:"))
    assert main(["backtest", str(cfg), "--json", "--out", str(tmp_path / "bt")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["strategy"].endswith("my_strategy.py:TrendPullback") and result["metrics"]["total_trades"] > 0
    assert set(result["params"]) == {"trend", "rsi_period", "band", "sl_points", "tp_points"}


@pytest.mark.slow
def test_a_user_strategy_file_reaches_rays_workers(tmp_path, capsys):
    """The file lives outside every worker's import path: the strategy travels inside its pickle."""
    import pandas as pd

    from rayga.config import load_config
    from rayga.optimize import run_optimization

    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "mine.py").write_text((REPO_EXAMPLES / "my_strategy.py").read_text())
    cfg = tmp_path / "u.toml"
    cfg.write_text(textwrap.dedent("""
        [data]
        source = "synthetic"
        start = 2022-01-03
        end = 2022-03-01
        timeframe = "M30"
        [strategy]
        name = "elsewhere/mine.py:TrendPullback"
        [strategy.params]
        trend = { start = 50, step = 50, stop = 200 }
        band = { start = 5, step = 5, stop = 30 }
        sl_points = { start = 100, step = 300, stop = 1000 }
        [optimization]
        seed = 4
        """))
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert "best complex" in capsys.readouterr().out
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    results = pd.read_parquet(run_dir / "results.parquet")
    local = run_optimization(load_config(cfg), progress=False).results
    cols = ["pass", "trend", "band", "sl_points", *METRICS]
    got = results[cols].assign(**{"pass": results["pass"].astype("int64")}).sort_values("pass").reset_index(drop=True)
    want = local.drop(columns="pass").rename(columns={"combination": "pass"})[cols]
    want = want.assign(**{"pass": want["pass"].astype("int64")}).sort_values("pass").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_atr_scaled_stops_sit_k_atrs_from_each_entry(data):
    from rayga.indicators import atr
    from rayga.sim.engine import backtest

    strategy = get_strategy("rsi_reversion")
    genome = strategy.genome({"period": 7, "lower": 35, "upper": 65, "sl_points": 50, "sl_atr": 1.5,
                              "tp_atr": 3.0, "stop_atr_period": 10})
    result = backtest(None, strategy, genome, AccountConfig(), data)
    deals = result.deals
    a = atr(data.tf_high, data.tf_low, data.tf_close, 10)
    checked = {"sl": 0, "tp": 0}
    for i in range(1, len(deals)):
        out, entry = deals.iloc[i], deals.iloc[i - 1]
        if out["reason"] not in checked or entry["entry"] != "in":
            continue
        bar = int(np.searchsorted(data.m1_start, entry["m1_index"], side="right")) - 1
        side = 1 if entry["type"] == "buy" else -1
        mult = 1.5 if out["reason"] == "sl" else -3.0
        assert out["price"] == pytest.approx(entry["price"] - side * mult * a[bar - 1], abs=1e-9)
        checked[out["reason"]] += 1
    assert checked["sl"] > 5 and checked["tp"] > 0  # 1.5 ATR stops (not 50 points) and 3 ATR targets were hit
