"""Optimization ranges as a user writes them, through the command line: ranges that cannot mean what was
written stop with one line (exit code 2) before anything runs; an MT5 .set file's bool input with step 0
is optimized over both its values, as MT5 does."""

from __future__ import annotations

import pandas as pd
import pytest

from rayga.cli import main
from tests.tuning.helpers import toml_text

BAD = [
    ("{start = 50, step = -5, stop = 10}", r"`fast.step` must not be negative \(got -5\): a stop below start already "
                                           r"walks downwards by step; set it under \[strategy.params\] in "),
    ("{start = 5, step = 0, stop = 50}", r"`fast` has step 0 between start 5 and stop 50: give a step above 0 to "
                                         r"optimize it, or equal start and stop \(or a plain number\) to fix it; "),
    ("{start = 5, stop = 50}", r"`fast` has step 0 between start 5 and stop 50"),
]


@pytest.mark.parametrize("command", ["backtest", "optimize"])
@pytest.mark.parametrize("fast, message", BAD, ids=["negative step", "step 0", "no step"])
def test_a_range_the_user_did_not_mean_is_one_line(tmp_path, capsys, command, fast, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_text().replace("fast = {start = 4, step = 2, stop = 30}", f"fast = {fast}"))
    assert main([command, str(cfg), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rayga: error: ")
    assert pd.Series(err).str.contains(message).all(), err[0]
    assert str(cfg) in err[0]
    assert not (tmp_path / "out").exists()


def test_a_set_file_range_with_step_0_names_the_set_file(tmp_path, capsys):
    (tmp_path / "inputs.set").write_text("sl_points=300||100.5||0||900.5||Y\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-02-01\n'
                   '[strategy]\nname = "ma_cross"\nset_file = "inputs.set"\n')
    assert main(["optimize", str(cfg), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rayga: error: `sl_points` has step 0 between start 100.5 and stop 900.5")
    assert err.endswith(f"set it in {tmp_path / 'inputs.set'}") and "\n" not in err


@pytest.mark.slow
def test_a_set_files_bool_with_step_0_optimizes_both_values(tmp_path, capsys):
    """`UseSessionFilterUTC=false||false||0||true||Y` in temph2020's real .set: MT5 tries false and true."""
    (tmp_path / "inputs.set").write_text("; an EA's switch, as MT5 saves it\r\nuse_ma=false||false||0||true||Y\r\n"
                                         "fast=10||10||0||10||N\r\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-03-01\ntimeframe = "H1"\n'
                   '[strategy]\nname = "composite"\nset_file = "inputs.set"\n[strategy.params]\n'
                   'use_rsi = 1\n[optimization]\nmode = "complete"\n')
    assert main(["optimize", str(cfg), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 0
    assert "use_ma[2] = 2 combinations" in capsys.readouterr().out
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    results = pd.read_parquet(folder / "results.parquet")
    assert sorted(results["use_ma"]) == [0.0, 1.0] and set(results["fast"]) == {10.0}
