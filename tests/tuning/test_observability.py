"""What a user watches: the Ray dashboard on 127.0.0.1 listing the run's actors, and TensorBoard scalars
per generation written by a run."""

from __future__ import annotations

import json
import struct
import time
import urllib.request
from pathlib import Path

import pytest
import ray

from rayga.config import load_config
from rayga.runner import apply_sets
from rayga.tuning.api import tune_setup
from rayga.tuning.auth import http_headers
from rayga.tuning.driver import RunOptions, optimize
from rayga.tuning.session import ray_session
from tests.tuning.helpers import write_config

pytestmark = pytest.mark.slow


def _get(url: str) -> dict:
    # Ray's token authentication is on by default for a local instance: the token as rayga sends it.
    with urllib.request.urlopen(urllib.request.Request(url, headers=http_headers()), timeout=30) as r:
        return json.loads(r.read())


def test_dashboard_on_localhost_lists_the_runs_actors():
    config = apply_sets(load_config(None), ['fast={"start": 5, "step": 5, "stop": 50}'])
    with ray_session(workers=2, dashboard=True):
        url = ray._private.worker.global_worker.node.address_info["webui_url"]
        assert url.startswith("127.0.0.1:")  # never on a public interface
        setup = tune_setup(config, workers=2)
        try:
            for _ in range(60):
                actors = _get(f"http://{url}/api/v0/actors?limit=100")["data"]["result"]["result"]
                names = sorted(a["class_name"] for a in actors if a["state"] == "ALIVE")
                if names.count("Evaluator") == 2:
                    break
                time.sleep(1)
            assert names.count("Evaluator") == 2 and "RunHub" in names
        finally:
            setup.close()


def _events(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Scalars of TensorBoard event files (TFRecord framing, Event protos from tensorboardX)."""
    from tensorboardX.proto import event_pb2

    out: dict[str, list[tuple[int, float]]] = {}
    for f in folder.glob("events.out.tfevents.*"):
        data = f.read_bytes()
        i = 0
        while i < len(data):
            (length,) = struct.unpack("<Q", data[i:i + 8])
            event = event_pb2.Event.FromString(data[i + 12:i + 12 + length])
            i += 12 + length + 4
            for value in event.summary.value:
                out.setdefault(value.tag, []).append((event.step, value.simple_value))
    return out


def test_a_run_writes_tensorboard_scalars_per_generation(tmp_path):
    cfg = write_config(tmp_path, end="2022-03-01", timeframe="H1")
    run = optimize(load_config(cfg), RunOptions(workers=2, out=tmp_path / "runs", progress=False),
                   announce=lambda s: None)
    scalars = _events(run.path / "tensorboard")
    assert {"criterion/best_so_far", "criterion/batch_best", "criterion/batch_median", "passes/total",
            "passes/per_second"} <= set(scalars)
    best = [v for _, v in sorted(scalars["criterion/best_so_far"])]
    assert best == sorted(best) and best[-1] == pytest.approx(run.summary["best"]["result"])
    assert max(v for _, v in scalars["passes/total"]) == run.summary["passes"]
    assert max(s for s, _ in scalars["passes/total"]) == run.summary["generations"]
