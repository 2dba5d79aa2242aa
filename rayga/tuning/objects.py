"""The one place where market data enters and leaves Ray's object store: the driver puts a run's
prepared arrays once; every evaluator on a node maps the same copy (zero-copy, read-only)."""

from __future__ import annotations

import dataclasses

import numpy as np
import ray

from rayga.sim import _nb_state as S
from rayga.sim.prepared import SimData


def put_market(data: SimData) -> ray.ObjectRef:
    """Store the arrays once, owned by the driver (objects owned by an actor would die with its node)."""
    return ray.put(data)


def with_account(data: SimData, acct: np.ndarray, windows: dict | None = None) -> SimData:
    """The stored arrays with another account vector (several optimizations share one copy); an account
    vector that names a bar window (a walk-forward window's) gets those bars only. `windows` keeps the
    window views made so far: a window's bars stay the same objects batch after batch, and so do the
    indicator rows kept for them (`rayga.strategies.rows`)."""
    acct = np.ascontiguousarray(acct, dtype=np.float64)
    stop = int(acct[S.A_BAR_STOP])
    if stop > 0:
        key = (int(acct[S.A_BAR_FIRST]), stop)
        view = windows.get(key) if windows is not None else None
        if view is None:
            view = data.window(*key)
            if windows is not None:
                windows[key] = view
        data = view
        acct = acct.copy()
        acct[S.A_BARS_PER_YEAR] = data.acct[S.A_BARS_PER_YEAR]
    return dataclasses.replace(data, acct=acct)
