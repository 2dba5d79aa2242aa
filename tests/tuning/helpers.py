"""Configs and reference runs shared by the Ray tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rayga.config import parse_config
from rayga.optimize import run_optimization
from rayga.sim.enums import METRICS

PARAMS = {"fast": {"start": 4, "step": 2, "stop": 30}, "slow": {"start": 10, "step": 5, "stop": 120},
          "sl_points": {"start": 0, "step": 150, "stop": 600}}


def toml_text(end: str = "2022-06-01", timeframe: str = "M30", seed: int = 3, population: int | None = None,
              mode: str = "genetic", strategy: str = "ma_cross") -> str:
    lines = ["[data]", 'source = "synthetic"', "start = 2022-01-03", f"end = {end}", f'timeframe = "{timeframe}"',
             "[strategy]", f'name = "{strategy}"', "[strategy.params]"]
    lines += [f"{k} = {{start = {v['start']}, step = {v['step']}, stop = {v['stop']}}}" for k, v in PARAMS.items()]
    lines += ["[optimization]", f'mode = "{mode}"', f"seed = {seed}"]
    if population:
        lines.append(f"population = {population}")
    return "\n".join(lines) + "\n"


def write_config(folder: Path, **kw) -> Path:  # noqa: ANN003
    path = folder / "opt.toml"
    path.write_text(toml_text(**kw))
    return path


def reference(config_path: Path) -> pd.DataFrame:
    """The same optimization without Ray (one process, parallel Numba): pass number and every metric."""
    from rayga.config import load_config

    run = run_optimization(load_config(config_path), progress=False)
    return canonical(run.results.drop(columns="pass").rename(columns={"combination": "pass"}))


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["pass", "fast", "slow", "sl_points", "tp_points", *METRICS]
    out = frame[cols].copy()
    out["pass"] = out["pass"].astype("int64")
    return out.sort_values("pass").reset_index(drop=True)


def parse(text: str):  # noqa: ANN201
    import tomllib

    return parse_config(tomllib.loads(text), "test.toml")
