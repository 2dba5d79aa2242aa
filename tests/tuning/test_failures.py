"""Failures with real Ray: a worker node removed mid-generation, the driver killed with SIGKILL and run
again, a strategy raising inside an evaluator, a full disk. Every test ends with the same results as an
uninterrupted run (or a one-line error) and leaves no Ray process of its own behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import psutil
import pytest
import ray
from ray.tune import Callback

from rayga.cli import main
from rayga.config import load_config
from rayga.errors import RaygaError
from rayga.runs import RunDir, run_settings
from rayga.strategies import ma_cross, registry
from rayga.tuning.driver import RunOptions, optimize
from tests.tuning.helpers import canonical, reference, write_config

pytestmark = pytest.mark.slow
QUIET = {"namespace": "rayga", "logging_level": "ERROR", "log_to_driver": False}


_REMOVAL: dict = {}  # what RemoveNode needs, kept out of the callback (Tune pickles its callbacks)


class RemoveNode(Callback):
    """Remove a worker node just after the trial of generation 2 started dispatching."""

    def on_trial_start(self, iteration, trials, trial, **info):  # noqa: ANN001, ANN003
        if trial.config["generation"] == 2 and not _REMOVAL["done"].is_set():
            _REMOVAL["done"].set()
            threading.Thread(target=_remove_a_node_in_use, daemon=True).start()


def _remove_a_node_in_use() -> None:
    """Remove a worker node hosting an evaluator of the pool (one may still be warming up elsewhere), as a
    preempted machine dies: at once (allow_graceful=False) and with its worker processes. Ray's
    remove_node stops the node's own processes; its workers notice only after a while and meanwhile
    still answer calls, so they are killed here too, by PID."""
    hub = ray.get_actor(next(name for name in ray.util.list_named_actors() if name.startswith("hub-")))
    in_use = {ray.get(handle.ready.remote())[0] for _, handle in ray.get(hub.evaluators.remote())[0]}
    node = next(w for w in _REMOVAL["workers"] if w.node_id in in_use)
    family = psutil.Process(node.all_processes["raylet"][0].process.pid).children(recursive=True)
    _REMOVAL["cluster"].remove_node(node, False)
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    _REMOVAL["removed"].set()


def test_worker_node_removed_while_it_holds_batches(tmp_path):
    cfg = write_config(tmp_path, end="2022-12-31", timeframe="M5", population=256, seed=7)  # seconds of work left
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        workers = [cluster.add_node(num_cpus=2) for _ in range(2)]
        _REMOVAL.update(cluster=cluster, workers=workers, done=threading.Event(), removed=threading.Event())
        ray.init(address=cluster.address, **QUIET)
        run = optimize(load_config(cfg), RunOptions(out=tmp_path / "runs", progress=False), announce=lambda s: None,
                       tune_callbacks=[RemoveNode()])
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert _REMOVAL["removed"].is_set()
    assert run.summary["evaluators"] == 4 and run.summary["evaluators_lost"] >= 1  # SPREAD is best effort
    assert run.summary["resubmitted_chunks"] >= 1
    assert run.results["pass"].is_unique  # every genome recorded exactly once
    pd.testing.assert_frame_equal(canonical(run.results), reference(cfg), check_exact=True)


def test_driver_killed_then_the_same_command_resumes_bit_identical(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-12-31", timeframe="M5", population=128, seed=9)  # long enough to kill
    out = tmp_path / "runs"
    args = ["optimize", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen([sys.executable, "-c", "from rayga.cli import run; run()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    started: list[psutil.Process] = []
    try:
        stored = _wait_for_batches(out, proc, at_least=4)  # two initial populations + two generations
        started = psutil.Process(proc.pid).children(recursive=True)  # this driver's local Ray, by PID
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        _kill(started + [psutil.Process(proc.pid)] if proc.poll() is None else started)
    folder = next(p for p in out.iterdir() if p.is_dir())
    assert not (folder / "summary.json").exists(), "the run finished before the kill: make it longer"
    kept = len(pd.concat([pd.read_parquet(f) for f in stored]))

    assert main(args) == 0
    text = capsys.readouterr().out
    summary = json.loads((folder / "summary.json").read_text())
    assert f"{summary['resumed_passes']:,} passes already stored" in text or summary["resumed_passes"] == 0
    assert summary["resumed_passes"] >= kept  # nothing stored is evaluated again
    results = pd.read_parquet(folder / "results.parquet")
    pd.testing.assert_frame_equal(canonical(results), reference(cfg), check_exact=True)


def _wait_for_batches(out, proc, at_least: int, timeout: float = 240.0) -> list:  # noqa: ANN001
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        files = sorted(out.glob("*/batches/*.parquet"))
        if len(files) >= at_least:
            return files
        if proc.poll() is not None:
            pytest.fail(f"the driver exited early with code {proc.returncode}")
        time.sleep(0.02)
    pytest.fail("no batches stored in time")


def _kill(processes: list[psutil.Process]) -> None:
    for p in processes:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=30)


@pytest.fixture
def ray_up():
    ray.init(address="local", num_cpus=2, include_dashboard=False, **QUIET)
    yield
    ray.shutdown()


def test_strategy_raising_in_an_evaluator_names_the_genome_and_keeps_earlier_batches(tmp_path, monkeypatch, capsys,
                                                                                   ray_up):
    class Fragile(ma_cross.MACross):  # defined here: Ray ships it to the evaluators by value
        name = "fragile"

        def run_batch(self, data, genomes, out):  # noqa: ANN001
            if np.any(genomes[:, 0] == 20):
                raise ValueError("fast 20 is cursed")
            super().run_batch(data, genomes, out)

    monkeypatch.setitem(registry.BUILT_IN, "fragile", Fragile)
    cfg = write_config(tmp_path, mode="complete", strategy="fragile")
    with pytest.raises(RaygaError) as err:
        optimize(load_config(cfg), RunOptions(out=tmp_path / "runs", progress=False, max_batch=200),
                 announce=lambda s: None)
    message = str(err.value)
    assert "\n" not in message
    culprit = "fast=20, slow=25, sl_points=0, tp_points=600: ValueError: fast 20 is cursed"
    assert f"strategy fragile failed on genome {culprit}" in message
    assert "run the same command again to resume" in message
    stored = pd.concat([pd.read_parquet(f) for f in sorted((tmp_path / "runs").glob("*/batches/*.parquet"))])
    feasible_before = sum(1 for f in range(4, 20, 2) for s in range(10, 121, 5) if f < s) * 5  # x 5 stop losses
    assert len(stored) == 200 * (feasible_before // 200) > 0  # every whole batch before the failing one
    assert (stored["fast"] < 20).all() and stored["pass"].is_unique


def test_disk_full_at_the_first_batch_is_one_line_and_no_hang(tmp_path, capsys, ray_up):
    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1")
    config = load_config(cfg)
    from rayga.optimize import build_space

    space = build_space(config)
    import rayga

    folder = RunDir.of(tmp_path / "runs", config, run_settings(config, space, "genetic", rayga.__version__)).path
    (folder / "batches").mkdir(parents=True)
    (folder / "batches" / f".000001.parquet.{os.getpid()}.tmp").symlink_to("/dev/full")
    t0 = time.monotonic()
    assert main(["optimize", str(cfg), "--out", str(tmp_path / "runs"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert time.monotonic() - t0 < 120
    assert len(err.splitlines()) == 1
    assert "000001.parquet: No space left on device" in err and "0 batches kept" in err
