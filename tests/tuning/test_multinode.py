"""A multi-node run on this machine: a head and two worker nodes started with `ray start` on 127.0.0.1,
`rayga optimize --address` joining them, and a worker node stopped while the run is in flight. The run
ends with the same passes and values as the Ray-free engine; every process started here is stopped by PID."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pandas as pd
import psutil
import pytest

from rayga.cli import main
from tests.tuning.helpers import canonical, reference, write_config
from tests.tuning.nodes import JOIN, Nodes, ensure_token, pristine_env

pytestmark = pytest.mark.slow
# Prints the PID of each of the run's evaluators as it joins the pool (ready), from the run's hub actor.
READY_PIDS = JOIN + """
import time
ray.init(address=sys.argv[1], namespace="rayga", logging_level="ERROR")
deadline = time.monotonic() + 300
while not (hubs := [n for n in ray.util.list_named_actors() if n.startswith("hub-")]):
    assert time.monotonic() < deadline, "no hub"
    time.sleep(0.05)
hub, seen = ray.get_actor(hubs[0]), set()
while len(seen) < int(sys.argv[2]) and time.monotonic() < deadline:
    for eid, handle in ray.get(hub.evaluators.remote())[0]:
        if eid not in seen:
            seen.add(eid)
            print(ray.get(handle.ready.remote())[1], flush=True)
    time.sleep(0.05)
"""


def test_multinode_run_with_a_worker_node_stopped_in_flight(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-12-31", timeframe="M5", population=128, seed=21)
    out = tmp_path / "runs"
    nodes = Nodes(tmp_path)
    stopped = threading.Event()
    try:
        ensure_token()
        nodes.head()
        nodes.wait_cpus(0)  # the head answers
        workers = []
        for n in (1, 2):  # one at a time: two raylets starting at once on one host can race for a port
            workers.append(nodes.worker())
            nodes.wait_cpus(n)
        driver = subprocess.Popen([sys.executable, "-c", "from rayga.cli import run; run()", "optimize", str(cfg),
                                   "--address", nodes.address, "--out", str(out), "--quiet"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=pristine_env())
        nodes.procs.append(driver)  # stopped by PID with the nodes if anything goes wrong
        probe = subprocess.Popen([sys.executable, "-c", READY_PIDS, nodes.address, "1"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, env=pristine_env())
        nodes.procs.append(probe)
        in_use = int(probe.stdout.readline())  # an evaluator in the pool: the next batch gives it a chunk
        probe.wait(60)
        while not list(out.glob("*/batches/000003.parquet")) and driver.poll() is None:  # past the initial populations
            time.sleep(0.02)
        assert driver.poll() is None, "the run ended before a worker node could be stopped"
        # The node of an evaluator already in the pool (the other may still be warming up; losing a starting
        # evaluator would leave no chunk to resubmit).
        victim = next(w for w in workers if in_use in {p.pid for p in psutil.Process(w.pid).children(recursive=True)})
        nodes.stop(victim, hard=True)  # a preempted worker node
        stopped.set()
        output, _ = driver.communicate(timeout=600)
        assert driver.returncode == 0, output[-3000:]
    finally:
        nodes.stop_all()
    assert stopped.is_set()
    folder = next(p for p in out.iterdir() if p.is_dir())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["evaluators"] == 2 and summary["evaluators_lost"] == 1 and summary["resubmitted_chunks"] >= 1
    results = pd.read_parquet(folder / "results.parquet")
    pd.testing.assert_frame_equal(canonical(results), reference(cfg), check_exact=True)

    assert main(["status", str(out)]) == 0  # progress from the stored results, without Ray
    text = capsys.readouterr().out
    assert f"{folder.name}: finished; genetic, {len(results):,} passes" in text and "best complex so far" in text
