"""A multi-node run on this machine: a head and two worker nodes started with `ray start` on 127.0.0.1,
`rayga optimize --address` joining them, and a worker node stopped while the run is in flight. The run
ends with the same passes and values as the Ray-free engine; every process started here is stopped by PID."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from rayga.cli import main
from tests.tuning.helpers import canonical, reference, write_config

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).with_name("ray"))
# Ray reads its authentication mode when it is imported: every process here is a fresh one with token
# authentication (Ray's default, the token in ~/.ray/auth_token), as a user's shell would start them.
ENV = {**os.environ, "RAY_AUTH_MODE": "token"}
CPUS = ("import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR'); "
        "print(int(ray.cluster_resources().get('CPU', 0)))")
# Prints the PID of each of the run's evaluators as it joins the pool (ready), from the run's hub actor.
READY_PIDS = """
import sys, time, ray
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


def _kill(p: psutil.Process) -> None:
    try:
        p.kill()
    except psutil.NoSuchProcess:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nodes:
    """`ray start --block` processes; stopping one stops its node (SIGTERM), then any straggler by PID."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.logs = tmp

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"node{len(self.procs)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([RAY, "start", "--block", "--disable-usage-stats", "--object-store-memory=200000000",
                                 *args], stdout=log, stderr=subprocess.STDOUT, env=ENV)
        self.procs.append(proc)
        return proc

    def head(self) -> None:
        self.start("--head", "--node-ip-address=127.0.0.1", f"--port={self.port}", "--num-cpus=0",
                   "--include-dashboard=false", f"--ray-client-server-port={free_port()}")

    def worker(self) -> subprocess.Popen:
        return self.start(f"--address={self.address}", "--num-cpus=1")

    @staticmethod
    def stop(proc: subprocess.Popen, hard: bool = False) -> None:
        """SIGTERM lets a node drain (up to 30 s); `hard` kills it at once, as a preempted machine dies."""
        try:
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        if hard:
            for p in family:
                _kill(p)
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        for p in family:
            _kill(p)
        psutil.wait_procs(family, timeout=30)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)

    def wait_cpus(self, cpus: int, timeout: float = 120.0) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            probe = subprocess.run([sys.executable, "-c", CPUS, self.address], capture_output=True, text=True,
                                   env=ENV, timeout=60)
            if probe.returncode == 0 and int(probe.stdout.split()[-1]) >= cpus:
                return
            time.sleep(1)
        pytest.fail(f"the local cluster never reached {cpus} CPUs")


def test_multinode_run_with_a_worker_node_stopped_in_flight(tmp_path, capsys):
    cfg = write_config(tmp_path, end="2022-12-31", timeframe="M5", population=128, seed=21)
    out = tmp_path / "runs"
    nodes = Nodes(tmp_path)
    stopped = threading.Event()
    try:
        nodes.head()
        nodes.wait_cpus(0)  # the head answers
        workers = []
        for n in (1, 2):  # one at a time: two raylets starting at once on one host can race for a port
            workers.append(nodes.worker())
            nodes.wait_cpus(n)
        driver = subprocess.Popen([sys.executable, "-c", "from rayga.cli import run; run()", "optimize", str(cfg),
                                   "--address", nodes.address, "--out", str(out), "--quiet"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
        nodes.procs.append(driver)  # stopped by PID with the nodes if anything goes wrong
        probe = subprocess.Popen([sys.executable, "-c", READY_PIDS, nodes.address, "1"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, env=ENV)
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
