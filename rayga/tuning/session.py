"""Connecting to Ray: a local instance (dashboard off unless asked, then on 127.0.0.1) or a cluster."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import ray

from rayga.errors import ConfigError
from rayga.tuning.auth import check_cluster_token, use_cluster_token
from rayga.tuning.naming import NAMESPACE

os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # Tune's console reporter honours verbose=0
os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "0")


@contextmanager
def ray_session(address: str | None = None, workers: int | None = None, dashboard: bool = False) -> Iterator[float]:
    """Yield the seconds Ray took to start. An already connected driver (tests, notebooks) is reused and left
    connected; otherwise this starts (or joins) Ray and shuts its connection down at the end. Joining a
    running cluster uses its token the way `ray start` left it (`rayga.tuning.auth`)."""
    if ray.is_initialized():
        yield 0.0
        return
    t0 = time.perf_counter()
    common = {"namespace": NAMESPACE, "logging_level": logging.ERROR, "log_to_driver": False}
    try:
        if address:
            check_cluster_token(address, use_cluster_token())
            ray.init(address=address, **common)
        else:
            ray.init(address="local", num_cpus=workers, include_dashboard=dashboard, dashboard_host="127.0.0.1",
                     **common)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        where = f"--address {address}" if address else "a local Ray instance"
        raise ConfigError(f"cannot start {where}: {str(exc).splitlines()[0]}") from None
    try:
        yield time.perf_counter() - t0
    finally:
        ray.shutdown()


def cluster_cpus() -> int:
    return int(ray.cluster_resources().get("CPU", 0))
