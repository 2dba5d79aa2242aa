"""Run folders and their results store (no Ray): a run is named by a hash of everything that decides
its results (data files, symbol, account, strategy, parameter space, optimization settings), MT5 style;
every evaluated batch is one Parquet file written atomically, so a run can always resume from disk."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.config import Config
from rayga.errors import ConfigError
from rayga.ga.space import ParamSpace
from rayga.sim.enums import METRICS

BATCHES = "batches"
SETTINGS = "settings.json"
SUMMARY = "summary.json"
RESULTS = "results.parquet"
INDEX = "runs.json"
PROGRESS = "progress.json"
STALE_S = 120.0  # a heartbeat older than this from a process that is gone: the run stopped


def source_fingerprint(source: str) -> list:
    """Names, sizes and modification times of the data files (fast: no file is read)."""
    if source == "synthetic":
        return ["synthetic"]
    path = Path(source).expanduser()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = []
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append([str(p.relative_to(path) if path.is_dir() else p.name), st.st_size, st.st_mtime_ns])
    return out


def run_settings(config: Config, space: ParamSpace, mode: str, version: str) -> dict:
    """Everything that decides a run's results, as plain JSON values (workers and batch sizes do not),
    the versions of the engine and GA and the strategy's source included (`rayga.versions`)."""
    from rayga.strategies.registry import strategy_for
    from rayga.versions import model

    opt = config.optimization
    return {
        "rayga": version,
        "model": model(strategy_for(config)),
        "data": {k: v for k, v in dataclasses.asdict(config.data).items() if k != "file"},
        "data_files": source_fingerprint(config.data.source),
        "symbol": config.symbol,
        "account": dataclasses.asdict(config.account),
        "strategy": config.strategy.name,
        "space": {"order": list(space.order), "fixed": space.fixed, "constraints": list(space.constraints),
                  "inputs": {i.name: list(i.values) for i in space.inputs}},
        "optimization": {"mode": mode, "criterion": opt.criterion, "objectives": list(opt.objectives),
                         "seed": opt.seed, "population": opt.population,
                         "engine": opt.engine, **({"forward": opt.forward} if opt.forward else {})},
    }


def settings_hash(settings: dict) -> str:
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def write_atomic(path: Path, write) -> None:  # noqa: ANN001 - write(tmp_path)
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {os_reason(exc)}; free space or choose another --out") from None


def os_reason(exc: OSError) -> str:
    """The system's words for an OS error (Arrow wraps them as "... [errno 28] ...")."""
    code = exc.errno or next((int(m) for m in re.findall(r"\[errno (\d+)\]", str(exc))), None)
    return os.strerror(code) if code else str(exc).splitlines()[0]


def write_json(path: Path, value: dict) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(value, indent=2, default=str)))


@dataclass(frozen=True)
class RunDir:
    """One run's folder under the `--out` root."""

    root: Path
    run_id: str
    label: str

    @property
    def path(self) -> Path:
        return self.root / f"{self.label}-{self.run_id}"

    @classmethod
    def of(cls, root: Path, config: Config, settings: dict) -> RunDir:
        label = f"{config.strategy.label}-{config.data.symbol}-{config.data.timeframe}"
        return cls(Path(root).expanduser().resolve(), settings_hash(settings), label)

    def prepare(self, settings: dict, fresh: bool) -> None:
        """Create the folder (checking it is writable now, not after the first batch)."""
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"--out {self.root}: is a file; give a folder for the runs")
        if fresh and self.path.exists():
            shutil.rmtree(self.path)
        try:
            (self.path / BATCHES).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create {self.path}: {os_reason(exc)}; choose another --out") from None
        write_json(self.path / SETTINGS, settings)

    def summary(self) -> dict | None:
        f = self.path / SUMMARY
        return json.loads(f.read_text()) if f.is_file() else None

    def previous_settings(self, config_file: str) -> tuple[str, dict] | None:
        """The last run made from the same config file under this root, if it had other settings."""
        index = self.root / INDEX
        if not index.is_file():
            return None
        last = json.loads(index.read_text()).get(config_file)
        if not last or last == self.run_id:
            return None
        f = next(iter(self.root.glob(f"*-{last}/{SETTINGS}")), None)
        return (last, json.loads(f.read_text())) if f else None

    def remember(self, config_file: str) -> None:
        index = self.root / INDEX
        runs = json.loads(index.read_text()) if index.is_file() else {}
        runs[config_file] = self.run_id
        write_json(index, runs)


def changed_keys(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted names of settings that differ between two runs."""
    keys = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += changed_keys(a, b, f"{prefix}{k}.")
        elif a != b:
            keys.append(f"{prefix}{k}")
    return keys


class ResultsStore:
    """Every evaluated pass, one Parquet file per batch (pass = the combination's number in the full grid,
    as MT5 numbers passes; generation; parameters by their config names; every metric by its name)."""

    def __init__(self, run_path: Path, space: ParamSpace) -> None:
        self.dir = Path(run_path) / BATCHES
        self.space = space
        self.wide = space.n_combinations > np.iinfo(np.int64).max  # pass numbers beyond int64: stored as text
        self.next_batch = 1 + max((int(p.stem) for p in self.dir.glob("*.parquet") if p.stem.isdigit()), default=0)

    def frame(self, generation: int, genomes: np.ndarray, raw: np.ndarray) -> pd.DataFrame:
        numbers = self.space.numbers_of(genomes)
        frame = pd.DataFrame({"pass": [str(n) for n in numbers] if self.wide else np.array(numbers, dtype=np.int64),
                              "generation": np.full(len(genomes), generation, dtype=np.int64)})
        params = self.space.decode(genomes)
        for k, name in enumerate(self.space.order):
            frame[name] = params[:, k]
        for i, name in enumerate(METRICS):
            frame[name] = raw[:, i]
        return frame

    def append(self, generation: int, genomes: np.ndarray, raw: np.ndarray) -> Path:
        path = self.dir / f"{self.next_batch:06d}.parquet"
        frame = self.frame(generation, genomes, raw)
        write_atomic(path, lambda p: frame.to_parquet(p, index=False))
        self.next_batch += 1
        return path

    def load(self) -> pd.DataFrame:
        files = sorted(self.dir.glob("*.parquet"))
        if not files:
            return self.frame(0, np.empty((0, len(self.space.inputs)), dtype=np.int64), np.empty((0, len(METRICS))))
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return frame.drop_duplicates("pass", keep="first").reset_index(drop=True)

    def values(self, metrics: str | list[str]) -> dict[int, float | np.ndarray]:
        """Stored criterion value (or objective values, for a list) per combination number."""
        frame = self.load()
        columns = frame[metrics].to_numpy(dtype=np.float64)
        return {int(p): (row if isinstance(metrics, list) else float(row))
                for p, row in zip(frame["pass"], columns, strict=True)}


def sorted_results(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The final table: every pass once, in generation then pass order, with `result` = the criterion."""
    out = frame.copy()
    out["result"] = out[metric]
    key = out["pass"].map(int) if out["pass"].dtype == object else out["pass"]
    return out.assign(_k=key).sort_values(["generation", "_k"], kind="stable").drop(columns="_k").reset_index(drop=True)


def run_status(path: Path) -> dict:
    """Progress of a running, stopped or finished run from its folder alone (no Ray needed)."""
    path = Path(path)
    if not (path / SETTINGS).is_file():
        raise ConfigError(f"{path}: not a rayga run folder (no {SETTINGS}); give a folder under --out")
    settings = json.loads((path / SETTINGS).read_text())
    from rayga.config import CRITERIA

    objectives = settings["optimization"].get("objectives") or []
    if objectives:  # multi-objective: "best" by the first objective
        criterion = objectives[0]
        metric, maximize = criterion.split()[1], criterion.startswith("max")
    else:
        criterion = settings["optimization"]["criterion"]
        metric, maximize = CRITERIA[criterion]
    files = sorted((path / BATCHES).glob("*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else None
    summary = json.loads((path / SUMMARY).read_text()) if (path / SUMMARY).is_file() else None
    beat = json.loads((path / PROGRESS).read_text()) if (path / PROGRESS).is_file() else None
    if summary is not None and summary.get("status") == "finished":
        state = "finished"
    elif beat is not None and _alive(beat):
        state = "running"
    else:
        state = "stopped (run the same command again to resume)" if files else "not started"
    out = {"run": path.name, "state": state, "criterion": criterion, "mode": settings["optimization"]["mode"],
           "passes": 0 if frame is None else int(frame["pass"].nunique()), "batches": len(files),
           "generation": None if frame is None else int(frame["generation"].max()),
           "estimate": beat.get("estimate") if beat else None,
           "updated": beat.get("updated") if beat else (files[-1].stat().st_mtime if files else None)}
    if frame is not None and len(frame):
        i = frame[metric].idxmax() if maximize else frame[metric].idxmin()
        row = frame.loc[i]
        params = list(settings["space"]["order"])
        out["best"] = {"pass": str(frame.at[i, "pass"]), "result": float(row[metric]),
                       "params": {n: float(row[n]) for n in params}}
    if summary is not None:
        out["wall_s"] = summary.get("wall_s")
    return out


def _alive(beat: dict) -> bool:
    import socket
    import time

    if beat.get("host") != socket.gethostname():  # another machine: trust a recent heartbeat
        return time.time() - beat.get("updated", 0) < STALE_S
    try:
        os.kill(int(beat["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return False
    return True
