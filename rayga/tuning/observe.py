"""What a run shows while it goes: a live progress line, a heartbeat file for `rayga status`, and
TensorBoard scalars per generation (best so far, batch best and median criterion, passes, passes/s)."""

from __future__ import annotations

import math
import os
import socket
import time
from pathlib import Path

from rayga.ga.space import ParamSpace
from rayga.runs import PROGRESS, write_json


class RunObserver:
    """Called by the searcher after every stored batch (in the driver)."""

    def __init__(self, run_path: Path, enabled: bool, mode: str, space: ParamSpace, label: str = "",
                 position: int = 0, population: int | None = None) -> None:
        self.path = Path(run_path)
        self.enabled, self.bar, self.position = enabled, None, position
        self.total = space.n_combinations if mode == "complete" else (population or space.population_size()) * 20
        self.desc = f"{mode} search" + (f" {label}" if label else "")
        self.passes = 0
        self.started = time.time()
        self.writer = None

    def start(self, done: int) -> None:
        self.passes = done
        self._heartbeat(None)
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=max(self.total, done), initial=done, unit="pass", desc=self.desc,
                            dynamic_ncols=True, leave=False, position=self.position)

    def update(self, info: dict) -> None:
        self.passes += info["passes"]
        r = info["result"]
        best = info.get("best_so_far", float("nan"))
        self._heartbeat(info["generation"])
        self._tensorboard(info["generation"], best, r)
        if self.bar is None:
            return
        if self.bar.n + info["passes"] > self.bar.total:
            self.bar.total = self.bar.n + info["passes"]
        self.bar.set_postfix(gen=info["generation"], best=f"{best:.4g}", pps=f"{r.get('passes_per_s', 0):.0f}",
                             refresh=False)
        self.bar.update(info["passes"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.writer is not None:
            self.writer.close()

    def _heartbeat(self, generation: int | None) -> None:
        write_json(self.path / PROGRESS, {"pid": os.getpid(), "host": socket.gethostname(), "started": self.started,
                                          "updated": time.time(), "generation": generation, "passes": self.passes,
                                          "estimate": self.total})

    def _tensorboard(self, generation: int, best: float, result: dict) -> None:
        if self.writer is None:
            from tensorboardX import SummaryWriter

            self.writer = SummaryWriter(str(self.path / "tensorboard"), flush_secs=5)
        step = int(generation)
        scalars = {"criterion/best_so_far": best, "criterion/batch_best": result.get("best"),
                   "criterion/batch_median": result.get("median"), "passes/total": self.passes,
                   "passes/per_second": result.get("passes_per_s")}
        for tag, value in scalars.items():
            if value is not None and math.isfinite(value):
                self.writer.add_scalar(tag, float(value), step)
