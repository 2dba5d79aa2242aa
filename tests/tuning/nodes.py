"""Ray nodes started with `ray start` on 127.0.0.1, as a user's shell starts them: no `RAY_*` variable of this
test process leaks into them (an in-process `ray.init` sets `RAY_AUTH_MODE` here; a user's shell has none).
Every process started here is stopped by PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

RAY = str(Path(sys.executable).with_name("ray"))
# Joins a cluster by its address as rayga does (its token found before Ray is imported), from a pristine shell.
JOIN = "import sys; from rayga.tuning.auth import use_cluster_token; use_cluster_token(); import ray; "
CPUS = JOIN + ("ray.init(address=sys.argv[1], logging_level='ERROR'); "
               "print(int(ray.cluster_resources().get('CPU', 0)))")


def pristine_env(**extra: str) -> dict[str, str]:
    """This process's environment without any `RAY_*` variable, plus `extra` (what a documented command sets)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("RAY_")}, **extra}


def ensure_token() -> str:
    """The user's Ray token (~/.ray/auth_token), created as the README says (`ray get-auth-token --generate`)
    when none exists: a head started with it on this host runs with token authentication."""
    done = subprocess.run([RAY, "get-auth-token", "--generate"], capture_output=True, text=True, env=pristine_env(),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill(p: psutil.Process) -> None:
    try:
        p.kill()
    except psutil.NoSuchProcess:
        pass


class Nodes:
    """`ray start --block` processes; stopping one stops its node (SIGTERM), then any straggler by PID.
    The head is started as a user starts it (Ray turns token authentication on when it finds the token);
    workers as the cluster configs start them (`RAY_AUTH_MODE=token ray start --address=...`: Ray's worker
    start does not look for the token by itself)."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.logs = tmp

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.logs / f"node{len(self.procs)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([RAY, "start", "--block", "--disable-usage-stats", "--object-store-memory=200000000",
                                 *args], stdout=log, stderr=subprocess.STDOUT, env=env or pristine_env())
        self.procs.append(proc)
        return proc

    def head(self, num_cpus: int = 0) -> None:
        self.start("--head", "--node-ip-address=127.0.0.1", f"--port={self.port}", f"--num-cpus={num_cpus}",
                   "--include-dashboard=false", f"--ray-client-server-port={free_port()}")

    def worker(self, num_cpus: int = 1) -> subprocess.Popen:
        return self.start(f"--address={self.address}", f"--num-cpus={num_cpus}",
                          env=pristine_env(RAY_AUTH_MODE="token"))

    def track(self, proc: subprocess.Popen) -> subprocess.Popen:
        """A process of the test's (a driver, a probe), stopped by PID with the nodes."""
        self.procs.append(proc)
        return proc

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
                                   env=pristine_env(), timeout=60)
            if probe.returncode == 0 and int(probe.stdout.split()[-1]) >= cpus:
                return
            time.sleep(1)
        pytest.fail(f"the local cluster never reached {cpus} CPUs")
