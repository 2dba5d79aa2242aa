"""An EA's real optimization `.set` drives `rayga optimize` (temph2020's RSIScalpingMU inputs): a strategy maps
the EA's input names to its parameters and rayga's management genes (`set_inputs`), the search spans the
file's ranges (its trailing stop distance and activation, its session filter's bool and start hour), and
`best.set` is the same file with the best pass's values under the EA's names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rayga.cli import main
from rayga.reports.setfile import read_set
from tests.conftest import need_shared

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rsi_scalping.py"


def test_the_eas_own_set_file_drives_the_optimization_and_best_set_writes_its_inputs_back(tmp_path, capsys):
    source = need_shared("mt5-sets", "temph2020_RSIScalpingMU_optimization.set")
    cfg = tmp_path / "rsi.toml"
    cfg.write_text("\n".join([
        "[data]", 'source = "synthetic"', 'timeframe = "M15"', "start = 2022-01-03", "end = 2022-03-01",
        "[account]", "deposit = 10000", 'opposite_entry = "ignore"',
        "[strategy]", f'name = "{EXAMPLE.as_posix()}:RSIScalping"', f'set_file = "{source.as_posix()}"',
        "[strategy.params]", "lots = 0.5",  # the config's own value wins over the .set's LotSize range
        "[optimization]", 'mode = "genetic"', "seed = 5", "population = 64", ""]))
    out = tmp_path / "runs"
    assert main(["optimize", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    results = pd.read_parquet(folder / "results.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    # the .set's ranges, as MT5 spans them: TrailingStopDistancePoints=25||25.0||100.0||800.0||Y is 25, 125 ..
    # 725; TrailingActivationPoints=16.0||5.0||0.5||50.0||Y 5, 5.5 .. 50; UseSessionFilterUTC=false||false||0||
    # true||Y false and true; TradeStartHourUTC=7||1||6||14||Y 1, 7, 13; TradeEndHourUTC=22 (not optimized)
    assert set(results["trail_points"]) <= set(np.arange(25.0, 800.0, 100.0)) and results["trail_points"].nunique() > 2
    assert set(results["trail_start"]) <= set(np.arange(5.0, 50.01, 0.5)) and results["trail_start"].nunique() > 2
    assert set(results["use_window"]) == {0.0, 1.0}
    assert set(results["window_start"]) == {1.0, 7.0, 13.0} and results["window_end"].eq(22).all()
    assert results["lots"].eq(0.5).all() and set(results["rsi_period"]) <= {1.0, 8.0, 15.0}  # 15||1||7||21
    # the session filter and the trailing stop act: passes differ in what the window refused and in profit
    windowed = results["use_window"] == 1
    assert results.loc[windowed, "skipped_window"].gt(0).any() and results.loc[~windowed, "skipped_window"].eq(0).all()
    same = results.groupby([c for c in ("rsi_period", "overbought", "oversold", "target_buy", "target_sell",
                                        "bars_to_wait", "use_window", "window_start")])
    assert (same["profit"].nunique() > 1).any()  # only the trailing genes differ inside a group

    best = summary["best"]["params"]
    written = read_set(folder / "best.set")
    original = read_set(source)
    names = {"TrailingStopDistancePoints": "trail_points", "TrailingActivationPoints": "trail_start",
             "TradeStartHourUTC": "window_start", "RSI_Period": "rsi_period", "RSI_Overbought": "overbought",
             "RSI_Oversold": "oversold", "RSI_Target_Buy": "target_buy", "RSI_Target_Sell": "target_sell",
             "BarsToWait": "bars_to_wait", "LotSize": "lots"}
    values = written.params()
    for name, param in names.items():
        got = values[name]["value"] if isinstance(values[name], dict) else values[name]
        assert got == pytest.approx(best[param]), name
    assert written.inputs["UseSessionFilterUTC"].value == ("true" if best["use_window"] else "false")
    # everything else as the author wrote it: the ranges and flags, the EA's other inputs, comments, encoding
    for name, line in original.inputs.items():
        assert (written.inputs[name].start, written.inputs[name].step, written.inputs[name].stop,
                written.inputs[name].optimize) == (line.start, line.step, line.stop, line.optimize), name
    for name in ("TimeFrame", "MagicNumber", "Slippage", "UseTrailingStop", "TradeEndHourUTC"):
        assert written.inputs[name].value == original.inputs[name].value
    assert [x for x in written.lines if isinstance(x, str)] == [x for x in original.lines if isinstance(x, str)]
    assert (written.encoding, written.bom, written.newline) == (original.encoding, original.bom, original.newline)
