"""`rayga bench --baseline REF`: the working tree and a git ref measured in one run, as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rayga.bench_baseline import FIGURES
from rayga.cli import main

REPO = Path(__file__).resolve().parents[1]
RAYGA = str(Path(sys.executable).with_name("rayga"))


@pytest.mark.slow
def test_baseline_and_working_tree_measured_in_one_run(tmp_path):
    out = tmp_path / "cmp.json"
    done = subprocess.run([RAYGA, "bench", "synthetic", "--start", "2022-01-03", "--end", "2022-02-01", "--genomes",
                           "40", "120", "--repeats", "1", "--baseline", "HEAD", "--json", str(out)],
                          capture_output=True, text=True, timeout=1800, cwd=REPO)  # as a developer runs it
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    assert set(figures) == set(FIGURES)
    for name, f in figures.items():
        assert f["baseline"] > 0 and f["current"] > 0, name
        better_up = FIGURES[name][1]
        assert f["ratio"] == pytest.approx(f["current"] / f["baseline"] if better_up else f["baseline"] / f["current"])
    lines = done.stdout.splitlines()
    assert lines[0].startswith("baseline HEAD (") and sum(line.endswith("x") for line in lines) == len(FIGURES)
    worktrees = subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True).stdout
    assert "rayga-baseline-" not in worktrees  # the baseline's worktree is removed


def test_an_unknown_ref_is_one_line(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["bench", "synthetic", "--baseline", "no-such-ref-anywhere"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rayga: error: --baseline no-such-ref-anywhere: not a branch, tag or commit of ")
    assert "\n" not in err


def test_outside_a_checkout_of_an_installed_rayga_is_one_line(tmp_path, capsys, monkeypatch):
    import rayga.bench_baseline as bb

    monkeypatch.setattr(bb, "__file__", str(tmp_path / "site-packages" / "rayga" / "bench_baseline.py"))
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "synthetic", "--baseline", "main"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rayga: error: --baseline compares git refs of rayga's source: run it inside a checkout")
