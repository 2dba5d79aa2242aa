"""Ray Tune layer: evaluator actors over data in the object store, the GA as a Tune searcher, runs that
resume from their results store. Exports load lazily: Tune's trial actors import only what they run."""

from __future__ import annotations

__all__ = ["FastGASearcher", "RunOptions", "TunedRun", "optimize"]


def __getattr__(name: str):  # noqa: ANN202
    if name == "FastGASearcher":
        from rayga.tuning.searcher import FastGASearcher

        return FastGASearcher
    if name in ("RunOptions", "TunedRun", "optimize"):
        from rayga.tuning import driver

        return getattr(driver, name)
    raise AttributeError(name)
