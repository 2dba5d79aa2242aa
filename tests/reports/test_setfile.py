"""MT5 .set files: the real files read as written and written back byte for byte; values of a pass written
into them; UTF-8 files; one-line errors."""

from __future__ import annotations

import pytest

from rayga.errors import ConfigError
from rayga.reports.setfile import read_set
from tests.conftest import need_shared


def real_sets():
    return sorted(need_shared("mt5-sets").glob("*.set"))


def test_real_files_round_trip_byte_for_byte(tmp_path):
    for path in real_sets():
        s = read_set(path)
        assert s.encoding == "utf-16-le" and s.bom and s.newline == "\r\n"
        s.write(tmp_path / path.name)
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_ranges_read_as_written():
    path = need_shared("mt5-sets", "temph2020_RSIScalpingMU_optimization.set")
    s = read_set(path)
    x = s.inputs["RSI_Overbought"]
    assert (x.value, x.start, x.step, x.stop, x.optimized) == ("2", "2.0", "60.0", "85.0", True)
    params = s.params()
    assert params["RSI_Overbought"] == {"start": 2.0, "step": 60.0, "stop": 85.0, "value": 2.0}
    assert params["MagicNumber"] == 12345.0  # N: a fixed value
    assert params["UseTrailingStop"] == 1.0  # true/false as 1/0
    for f in real_sets():  # every input line, counted independently of the parser
        lines = [ln for ln in f.read_text(encoding="utf-16").splitlines() if "=" in ln and not ln.startswith(";")]
        parsed = read_set(f).inputs
        assert len(parsed) == len(lines) and sum(x.optimized for x in parsed.values()) == \
            sum(ln.endswith("||Y") for ln in lines)
    assert sum(x.optimized for x in s.inputs.values()) == 11
    example = read_set(need_shared("mt5-sets", "metaquotes_example_MathCalculations_Chomolungma.set"))
    assert example.params()["InpX"] == {"start": -2.0, "step": 0.01, "stop": 2.0, "value": 0.0}


def test_a_pass_written_back_changes_only_values(tmp_path):
    path = need_shared("mt5-sets", "temph2020_RSIScalpingMU_optimization.set")
    s = read_set(path).with_values({"RSI_Period": 17, "UseTrailingStop": 0, "TrailingActivationPoints": 12.5})
    s.write(tmp_path / "best.set")
    back = read_set(tmp_path / "best.set")
    assert back.inputs["RSI_Period"].value == "17" and back.inputs["UseTrailingStop"].value == "false"
    assert back.inputs["TrailingActivationPoints"].value == "12.5"
    before = read_set(path)
    changed = [n for n in before.inputs if before.inputs[n] != back.inputs[n]]
    assert changed == ["RSI_Period", "TrailingActivationPoints", "UseTrailingStop"] or \
        sorted(changed) == ["RSI_Period", "TrailingActivationPoints", "UseTrailingStop"]
    assert [x for x in back.lines if isinstance(x, str)] == [x for x in before.lines if isinstance(x, str)]
    with pytest.raises(ConfigError, match="no input `Nope`"):
        before.with_values({"Nope": 1})


def test_utf8_file_and_errors(tmp_path):
    f = tmp_path / "plain.set"
    f.write_bytes(b"; comment\nfast=12||5||1||50||Y\nslow=48||20||10||200||N\nlots=0.1\n")
    s = read_set(f)
    assert s.encoding == "utf-8" and not s.bom and s.newline == "\n"
    assert s.params() == {"fast": {"start": 5.0, "step": 1.0, "stop": 50.0, "value": 12.0}, "slow": 48.0, "lots": 0.1}
    s.write(tmp_path / "again.set")
    assert (tmp_path / "again.set").read_bytes() == f.read_bytes()
    bad = tmp_path / "bad.set"
    bad.write_text("fast=12||5||1\n")
    with pytest.raises(ConfigError, match=r"bad\.set line 1: expected name=value\|\|start"):
        read_set(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        read_set(tmp_path / "missing.set")


def test_a_set_file_gives_the_config_its_ranges(tmp_path):
    from rayga.config import load_config
    from rayga.optimize import build_space

    (tmp_path / "inputs.set").write_text("; my inputs\nfast=12||4||2||30||Y\nslow=48||10||5||120||Y\n"
                                         "sl_points=300||0||150||600||N\nInpComment=hello\n")
    (tmp_path / "a.toml").write_text('[strategy]\nname = "ma_cross"\nset_file = "inputs.set"\n'
                                     '[strategy.params]\nsl_points = {start = 0, step = 300, stop = 600}\n')
    (tmp_path / "b.toml").write_text('[strategy.params]\nfast = {start = 4, step = 2, stop = 30, value = 12}\n'
                                     'slow = {start = 10, step = 5, stop = 120, value = 48}\n'
                                     'sl_points = {start = 0, step = 300, stop = 600}\n')
    a, b = build_space(load_config(tmp_path / "a.toml")), build_space(load_config(tmp_path / "b.toml"))
    assert a == b  # the .set's ranges, the config's own sl_points range winning; InpComment ignored


def test_pass_set_new_and_from_a_template(tmp_path):
    from rayga.reports.setfile import pass_set

    fresh = pass_set(("fast", "slow", "sl"), {"fast": 30.0, "slow": 95.0, "sl": 0.5},
                     {"fast": (4.0, 2.0, 30.0), "slow": (10.0, 5.0, 120.0)})
    fresh.write(tmp_path / "best.set")
    back = read_set(tmp_path / "best.set")
    assert back.encoding == "utf-16-le" and back.bom and back.newline == "\r\n"
    assert back.params() == {"fast": {"start": 4.0, "step": 2.0, "stop": 30.0, "value": 30.0},
                             "slow": {"start": 10.0, "step": 5.0, "stop": 120.0, "value": 95.0}, "sl": 0.5}
    template = read_set(need_shared("mt5-sets", "temph2020_RSIScalpingMU_optimization.set"))
    mine = pass_set(("RSI_Period", "other"), {"RSI_Period": 9, "other": 1.0}, {}, template)
    assert mine.inputs["RSI_Period"].value == "9" and "other" not in mine.inputs
