"""`rayga bench --baseline REF`: the same measurements on a git ref (checked out as a worktree) and on the
working tree, in one run, alternating between the two, each figure the best of `repeats` fresh processes, and
their ratios. Every measurement runs in a fresh Python process whose `rayga` is the tree's own (PYTHONPATH),
through rayga's public API only (`load_market_data`, `prepare`, `evaluate`, `get_strategy`, a user strategy
file), so a ref from before a change of the internals still measures.

Figures: passes/s of the MA-cross standard unit on one thread (indicator rows kept, and computed in the
batch), on all threads, the same rule loaded from a user's file, peak memory above the data while 10,000
genomes run, and the cold compile and warm cache load of the kernels a backtest needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rayga.errors import ConfigError

USER_RULE = '''
import numpy as np
from numba import njit

from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def ma_cross(bars, p, out):  # the built-in's rule (rayga.strategies._nb_rules.cross_nb), in the user's file
    fast, slow = p.fast_ma, p.slow_ma
    n = len(fast)
    start = 1
    while start < n and (np.isnan(fast[start - 1]) or np.isnan(slow[start - 1])):
        start += 1
    if start >= n:
        return
    f0, s0, f1, s1, o = fast[start - 1:n - 1], slow[start - 1:n - 1], fast[start:], slow[start:], out.signal[start:]
    for i in range(n - start):
        up = (f1[i] > s1[i]) & (f0[i] <= s0[i])
        down = (f1[i] < s1[i]) & (f0[i] >= s0[i])
        o[i] = np.int8(up) - np.int8(down)


class UserMACross(UserStrategy):
    name = "user_ma_cross"
    params = (Param("fast", "int", 12, 5, 1, 50), Param("slow", "int", 48, 10, 5, 200),
              Param("sl_points", "float", 300, 0, 100, 1000), Param("tp_points", "float", 600, 0, 100, 2000))
    rows = {"fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow")}
    rule = ma_cross
'''

# the same rule in the older signal() form, for a baseline that predates shared rows
USER_SIGNAL = '''
import numpy as np
from numba import njit

from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def sma(x, p):
    out = np.full(x.shape[0], np.nan)
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
        if i >= p:
            s -= x[i - p]
        if i >= p - 1:
            out[i] = s / p
    return out


@njit(cache=True)
def ma_cross(open_, high, low, close, p):
    fast, slow = sma(close, int(p[0])), sma(close, int(p[1]))
    out = np.zeros(close.shape[0], np.int8)
    for k in range(1, close.shape[0]):
        if np.isnan(fast[k - 1]) or np.isnan(slow[k - 1]):
            continue
        if fast[k] > slow[k] and fast[k - 1] <= slow[k - 1]:
            out[k] = 1
        elif fast[k] < slow[k] and fast[k - 1] >= slow[k - 1]:
            out[k] = -1
    return out


class UserMACross(UserStrategy):
    name = "user_ma_cross"
    params = (Param("fast", "int", 12, 5, 1, 50), Param("slow", "int", 48, 10, 5, 200),
              Param("sl_points", "float", 300, 0, 100, 1000), Param("tp_points", "float", 600, 0, 100, 2000))
    signal = ma_cross
'''

PROBE = '''
import json, sys, threading, time
import numpy as np
import numba, psutil
source, start, end, user_file = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[6]
n, big = int(sys.argv[4]), int(sys.argv[5])
from rayga.data.load import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.registry import get_strategy
try:
    from rayga.strategies.rows import forget_rows
except ImportError:
    forget_rows = lambda: None
rng = np.random.default_rng(7)
fast = rng.integers(5, 51, big)
genomes = np.column_stack([fast, fast + rng.integers(5, 151, big), rng.integers(0, 11, big) * 100.0,
                           rng.integers(0, 21, big) * 100.0]).astype(np.float64)
md = load_market_data(source, "EURUSD", start, end, "M15")
data = prepare(md, AccountConfig(spread_points=10))
ma = get_strategy("ma_cross")
try:
    user = get_strategy(user_file + ":UserMACross")
except Exception:  # a tree before shared rows: the same rule as signal()
    user = get_strategy(user_file.replace(".py", "_signal.py") + ":UserMACross")
evaluate(data, ma, genomes[:4]); evaluate(data, user, genomes[:4])
def timed(strategy, g, before=lambda: None):
    before(); t0 = time.perf_counter(); evaluate(data, strategy, g); return time.perf_counter() - t0
out = {}
proc = psutil.Process()
forget_rows()
base = proc.memory_info().rss
peak = [base]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss); time.sleep(0.005)
t = threading.Thread(target=sample, daemon=True); t.start()
evaluate(data, ma, genomes)
stop.set(); t.join()
out["peak_mb"] = (max(peak[0], proc.memory_info().rss) - base) / 2**20
out["pps_all_threads"] = n / timed(ma, genomes[:n], forget_rows)
threads = numba.get_num_threads()
numba.set_num_threads(1)
out["pps_one_thread_rows_computed"] = n / timed(ma, genomes[:n], forget_rows)
out["pps_one_thread"] = n / timed(ma, genomes[:n])
out["pps_user_file_one_thread"] = n / timed(user, genomes[:n])
out["user_over_built_in"] = out["pps_user_file_one_thread"] / out["pps_one_thread"]
numba.set_num_threads(threads)
print(json.dumps(out))
'''

COMPILE = '''
import json, sys, time
from rayga.data.load import load_market_data
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.registry import get_strategy
md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15")
ma = get_strategy("ma_cross")
g = ma.genome({})[None, :]
data = prepare(md, AccountConfig())
t0 = time.perf_counter(); evaluate(data, ma, g); t1 = time.perf_counter(); evaluate(data, ma, g)
print(json.dumps({"first_s": t1 - t0, "second_s": time.perf_counter() - t1}))
'''

# figure -> (label, higher is better)
FIGURES = {
    "pps_one_thread": ("MA-cross standard unit, one thread, rows kept (passes/s)", True),
    "pps_one_thread_rows_computed": ("MA-cross, one thread, rows computed in the batch (passes/s)", True),
    "pps_all_threads": ("MA-cross, all threads, rows computed (passes/s)", True),
    "pps_user_file_one_thread": ("the same rule from a user's file, one thread (passes/s)", True),
    "user_over_built_in": ("the user's file over the built-in, one thread (ratio)", True),
    "peak_mb": ("peak memory above the data, 10,000 genomes (MB)", False),
    "cold_compile_s": ("cold compile of the kernels of one backtest (s)", False),
    "warm_load_s": ("kernels loaded from the disk cache (s)", False),
}


@dataclass
class Comparison:
    baseline: str
    data: str
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # figure -> {"baseline", "current"}

    def ratio(self, name: str) -> float:
        """current / baseline for "higher is better" figures, baseline / current otherwise: > 1 is better."""
        b, c = self.figures[name]["baseline"], self.figures[name]["current"]
        better_up = FIGURES[name][1]
        return (c / b if better_up else b / c) if min(b, c) > 0 else float("nan")

    def lines(self) -> list[str]:
        out = [f"baseline {self.baseline} against the working tree, {self.data}; each figure the best of its runs, "
               f"the trees alternating; ratio > 1 means the working tree is better",
               f"{'figure':<62} {'baseline':>12} {'working tree':>13} {'ratio':>7}"]
        for name, (label, _) in FIGURES.items():
            if name in self.figures:
                f = self.figures[name]
                out.append(f"{label:<62} {f['baseline']:>12,.2f} {f['current']:>13,.2f} {self.ratio(name):>6.3f}x")
        return out

    def as_json(self) -> dict:
        return {"baseline": self.baseline, "data": self.data,
                "figures": {k: {**v, "ratio": self.ratio(k)} for k, v in self.figures.items()}}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise ConfigError(f"--baseline: git {' '.join(args)} failed ({why})")
    return done.stdout.strip()


def _run(tree: Path, code: str, args: list[str], env: dict[str, str] | None = None) -> dict:
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          cwd=tree, timeout=3600)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit code {done.returncode}"
        raise ConfigError(f"--baseline: a measurement failed in {tree}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _checkout() -> Path:
    """The git checkout of rayga whose working tree is measured: the one this rayga runs from (an editable
    install), else the one the command is run in."""
    here = Path(__file__).resolve().parents[1]
    if (here / ".git").exists():
        return here
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    root = Path(top.stdout.strip()) if top.returncode == 0 else None
    if root is None or not (root / "rayga" / "__init__.py").is_file():
        raise ConfigError(f"--baseline compares git refs of rayga's source: run it inside a checkout of rayga "
                          f"(this rayga is installed at {here}, which is not one)")
    return root


def compare(ref: str, source: str, start: str = "2020-01-01", end: str = "2023-10-15", genomes: int = 1_000,
            memory_genomes: int = 10_000, repeats: int = 3) -> Comparison:
    """Measure `ref` and the working tree, alternating, best of `repeats` per figure."""
    current = _checkout()
    if genomes < 1 or memory_genomes < genomes or repeats < 1:
        raise ConfigError("--baseline needs genomes >= 1, the memory batch >= genomes and --repeats >= 1")
    try:
        commit = _git(current, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ConfigError:
        raise ConfigError(f"--baseline {ref}: not a branch, tag or commit of {current}; give a git ref such as "
                          f"main, HEAD~1 or a commit hash") from None
    label = f"{ref} ({commit[:10]})"
    source = str(Path(source).expanduser().resolve()) if source != "synthetic" else source
    with tempfile.TemporaryDirectory(prefix="rayga-baseline-") as tmp:
        base = Path(tmp) / "tree"
        _git(current, "worktree", "add", "--detach", str(base), commit)
        try:
            user_file = Path(tmp) / "user_ma_cross.py"
            user_file.write_text(USER_RULE)
            user_file.with_name("user_ma_cross_signal.py").write_text(USER_SIGNAL)
            trees = {"baseline": base, "current": current}
            result = Comparison(label, f"EURUSD M15 {start}..{end} from {source}, {genomes:,} genomes")
            best: dict[str, dict[str, float]] = {}
            args = [source, start, end, str(genomes), str(memory_genomes), str(user_file)]
            for _ in range(repeats):
                for which, tree in trees.items():
                    for name, value in _run(tree, PROBE, args).items():
                        keep = max if FIGURES[name][1] else min
                        best.setdefault(name, {})[which] = keep(value, best.get(name, {}).get(which, value))
            for _ in range(repeats):  # compile: a fresh cache each, then a process that loads it; alternating
                for which, tree in trees.items():
                    with tempfile.TemporaryDirectory() as cache:
                        cold = _run(tree, COMPILE, [], {"NUMBA_CACHE_DIR": cache})
                        warm = _run(tree, COMPILE, [], {"NUMBA_CACHE_DIR": cache})
                    for name, value in (("cold_compile_s", cold["first_s"] - cold["second_s"]),
                                        ("warm_load_s", warm["first_s"] - warm["second_s"])):
                        best.setdefault(name, {})[which] = min(value, best.get(name, {}).get(which, value))
            result.figures = best
            return result
        finally:
            subprocess.run(["git", "-C", str(current), "worktree", "remove", "--force", str(base)],
                           capture_output=True)
