"""What decides a pass's figures beyond the config: the versions of the simulation engine and of the search,
and the source of the strategy. They are part of a run's identity (`rayga.runs.run_settings`), so a run
resumed after an upgrade or after editing a strategy never mixes passes of two models.

Bump ENGINE when a pass's deals or metrics change for the same inputs (a fix in the simulation, a new
rounding, a metric defined differently); bump GA when the search picks other genomes for the same seed.
"""

from __future__ import annotations

import hashlib
import inspect
import sys

ENGINE = 3
GA = 1


def strategy_source(strategy: object) -> str:
    """A hash of the source file that defines the strategy's class (a user's file, or the built-in's module)."""
    cls = type(strategy)
    module = sys.modules.get(cls.__module__)
    try:
        path = inspect.getsourcefile(module) if module is not None else None
        data = open(path, "rb").read() if path else b""  # noqa: SIM115 - read at once
    except (OSError, TypeError):
        data = b""
    return hashlib.sha256(cls.__qualname__.encode() + b"\0" + data).hexdigest()[:12]


def model(strategy: object) -> dict:
    """The model a run's passes come from, as plain JSON values."""
    return {"engine": ENGINE, "ga": GA, "strategy_source": strategy_source(strategy)}


def model_change(stored: dict | None, strategy: object, search: bool = True) -> str | None:
    """What differs between the model a run folder was made with and this rayga's (None: the same);
    `search=False` asks only about what a pass's figures depend on (the engine and the strategy)."""
    now = model(strategy)
    if not stored:
        return "an earlier rayga (before engine versions were recorded)"
    parts = []
    if stored.get("engine") != now["engine"]:
        parts.append(f"engine version {stored.get('engine')} (this rayga: {now['engine']})")
    if search and stored.get("ga") != now["ga"]:
        parts.append(f"GA version {stored.get('ga')} (this rayga: {now['ga']})")
    if stored.get("strategy_source") != now["strategy_source"]:
        parts.append("another source of the strategy (its file was edited since)")
    return ", ".join(parts) or None
