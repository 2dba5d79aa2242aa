"""MT5's complete (slow) algorithm as an ask/tell search: every feasible combination once.

Combinations are handed out in order, in blocks of `block`; like a GA generation, a block advances when
all its results are in, so any batch split or result order gives the same outcome.
"""

from __future__ import annotations

import numpy as np

from rayga.ga.space import GENETIC_FORCED_ABOVE, ParamSpace


class CompleteSearch:
    def __init__(self, space: ParamSpace, maximize: bool = True, block: int = 4096) -> None:
        if space.n_combinations > GENETIC_FORCED_ABOVE:
            raise ValueError(f"{space.n_combinations:,} combinations exceed the complete-search limit")
        self.space = space
        self.maximize = maximize
        self.block = block
        self.start = 0
        self.results: dict[int, float] = {}
        self.best_value = -np.inf
        self.best_number: int | None = None
        self.done = False
        self.generation = -1  # blocks handed out so far, minus one (a block plays the role of a generation)
        self._load_block()

    def _load_block(self) -> None:
        while self.start < self.space.n_combinations:
            hi = min(self.start + self.block, self.space.n_combinations)
            genomes = self.space.genomes_of_range(self.start, hi)
            self._pending = genomes[self.space.feasible(genomes)]
            self._pending_numbers = np.arange(self.start, hi)[self.space.feasible(genomes)]
            self.start = hi
            self.generation += 1
            if len(self._pending):
                return
        self._pending = np.empty((0, len(self.space.inputs)), dtype=np.int64)
        self._pending_numbers = np.empty(0, dtype=np.int64)
        self.done = True

    def ask(self) -> np.ndarray:
        missing = np.array([int(n) not in self.results for n in self._pending_numbers], dtype=bool)
        return self._pending[missing] if len(missing) else self._pending

    def tell(self, genomes: np.ndarray, values: np.ndarray) -> None:
        sign = 1.0 if self.maximize else -1.0
        for g, v in zip(np.atleast_2d(genomes), np.atleast_1d(values), strict=True):
            n = self.space.number_of(g)
            fit = sign * float(v) if np.isfinite(v) else -np.inf
            self.results[n] = fit
        while not self.done and len(self.ask()) == 0:
            for n in self._pending_numbers.tolist():  # in combination order: the first best wins ties
                if self.results[n] > self.best_value:
                    self.best_value, self.best_number = self.results[n], n
            self._load_block()

    @property
    def passes(self) -> int:
        return len(self.results)

    def best(self) -> tuple[np.ndarray, float]:
        sign = 1.0 if self.maximize else -1.0
        return self.space.genome_of(self.best_number), sign * self.best_value

    def state(self) -> dict:
        """Everything needed to continue exactly (JSON-serialisable)."""
        return {"version": 1, "maximize": self.maximize, "block": self.block, "generation": self.generation,
                "results": {str(k): v for k, v in self.results.items()}}

    @classmethod
    def from_state(cls, space: ParamSpace, state: dict) -> CompleteSearch:
        self = cls.__new__(cls)
        self.space, self.maximize, self.block = space, state["maximize"], state["block"]
        self.results = {int(k): v for k, v in state["results"].items()}
        self.best_value, self.best_number, self.done = -np.inf, None, False
        self.start, self.generation = 0, -1
        self._load_block()
        while not self.done and self.generation < state["generation"]:  # re-derive the best, block by block
            for n in self._pending_numbers.tolist():
                if self.results[n] > self.best_value:
                    self.best_value, self.best_number = self.results[n], n
            self._load_block()
        return self
