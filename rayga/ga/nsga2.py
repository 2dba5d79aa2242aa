"""Multi-objective mode: NSGA-II over several criteria (e.g. maximize profit, minimize equity DD %,
maximize trades), as an ask/tell engine that returns the Pareto front. Ray-free, deterministic like the
single-objective GA: all draws happen at generation boundaries and results are cached by combination.
"""

from __future__ import annotations

import numpy as np

from rayga.ga import operators as op
from rayga.ga.population import feasible_offspring, missing_genomes, random_feasible
from rayga.ga.space import ParamSpace


def non_dominated_fronts(values: np.ndarray) -> list[np.ndarray]:
    """Fronts of rows of `values` (all objectives maximized): front 0 is the Pareto front. Quadratic in
    memory: meant for populations; `pareto_mask` serves whole result sets."""
    ge = (values[:, None, :] >= values[None, :, :]).all(axis=2)
    gt = (values[:, None, :] > values[None, :, :]).any(axis=2)
    dominates = ge & gt  # dominates[i, j]: i dominates j
    count = dominates.sum(axis=0)  # how many dominate j
    fronts = []
    current = np.flatnonzero(count == 0)
    while len(current):
        fronts.append(current)
        count = count - dominates[current].sum(axis=0)
        count[np.concatenate(fronts)] = -1
        current = np.flatnonzero(count == 0)
    return fronts


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Which rows no other row dominates (all objectives maximized), in O(rows x front size) memory."""
    order = np.lexsort(values.T[::-1] * -1)  # descending by the first objective, then the next ones
    kept: list[int] = []
    for i in order:
        if kept:
            k = values[kept]
            if ((k >= values[i]).all(axis=1) & (k > values[i]).any(axis=1)).any():
                continue
        kept.append(int(i))
    mask = np.zeros(len(values), dtype=bool)
    mask[kept] = True
    return mask


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row within its front (boundary rows get infinity)."""
    n, m = values.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(values[:, k], kind="stable")
        span = values[order[-1], k] - values[order[0], k]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (values[order[2:], k] - values[order[:-2], k]) / span
    return dist


def rank_population(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(front number, crowding distance) of every row."""
    rank = np.empty(len(values), dtype=np.int64)
    crowd = np.empty(len(values))
    for r, front in enumerate(non_dominated_fronts(values)):
        rank[front] = r
        crowd[front] = crowding_distance(values[front])
    return rank, crowd


class NSGA2Optimizer:
    """`maximize[k]` says whether objective k is maximized; `tell` takes one row of objectives per genome."""

    def __init__(self, space: ParamSpace, maximize: tuple[bool, ...], seed: int = 1, population: int | None = None,
                 generations: int = 30, mutation_rate: float | None = None) -> None:
        self.space = space
        self.sign = np.where(np.array(maximize), 1.0, -1.0)
        self.rng = np.random.default_rng(seed)
        self.sizes = np.array(space.sizes, dtype=np.int64)
        self.pop_size = population or space.population_size()
        self.generations = generations
        self.rate = mutation_rate if mutation_rate is not None else 1.0 / max(len(self.sizes), 1)
        self.cache: dict[int, np.ndarray] = {}
        self.generation = 0
        self.population = random_feasible(self.rng, space, self.pop_size)
        self.parents: np.ndarray | None = None
        self.done = False
        self._advance_while_complete()

    def ask(self) -> np.ndarray:
        if self.done:
            return np.empty((0, len(self.sizes)), dtype=np.int64)
        return missing_genomes(self.space, self.population, self.cache)

    def tell(self, genomes: np.ndarray, objectives: np.ndarray) -> None:
        for n, row in zip(self.space.numbers_of(genomes), np.atleast_2d(objectives), strict=True):
            v = np.asarray(row, dtype=np.float64) * self.sign
            self.cache[n] = np.where(np.isfinite(v), v, -np.inf)
        self._advance_while_complete()

    @property
    def passes(self) -> int:
        return len(self.cache)

    def pareto_front(self) -> tuple[np.ndarray, np.ndarray]:
        """Genomes of every evaluated pass on the Pareto front, and their objectives (original signs)."""
        numbers = np.array(sorted(self.cache))
        values = np.array([self.cache[n] for n in numbers])
        front = np.flatnonzero(pareto_mask(values))
        genomes = np.array([self.space.genome_of(int(n)) for n in numbers[front]])
        return genomes, values[front] * self.sign

    def _values(self, population: np.ndarray) -> np.ndarray:
        return np.array([self.cache[n] for n in self.space.numbers_of(population)])

    def _advance_while_complete(self) -> None:
        while not self.done and len(self.ask()) == 0:
            self._advance()

    def _advance(self) -> None:
        pool = self.population if self.parents is None else np.vstack([self.parents, self.population])
        _, unique = np.unique(self.space.numbers_of(pool), return_index=True)
        pool = pool[np.sort(unique)]
        values = self._values(pool)
        rank, crowd = rank_population(values)
        order = np.lexsort((-crowd, rank))[: self.pop_size]  # survivors: best fronts, then least crowded
        self.parents = pool[order]
        if self.generation >= self.generations:
            self.done = True
            return
        self.generation += 1
        key = -(rank[order] * 1e6) + np.minimum(crowd[order], 1e5)  # tournament on (front, crowding)

        def breed(k: int) -> np.ndarray:
            a = self.parents[op.tournament(self.rng, key, k, 2)]
            b = self.parents[op.tournament(self.rng, key, k, 2)]
            return op.mutate(self.rng, op.uniform_crossover(self.rng, a, b), self.sizes, self.rate)

        self.population = feasible_offspring(self.rng, self.space, self.pop_size, breed)

    # -- state ------------------------------------------------------------------------------------
    def state(self) -> dict:
        """Everything needed to continue exactly (JSON-serialisable)."""
        return {"version": 1, "sign": self.sign.tolist(), "rng": self.rng.bit_generator.state,
                "pop_size": self.pop_size, "generations": self.generations, "rate": self.rate,
                "generation": self.generation, "done": self.done, "population": self.population.tolist(),
                "parents": None if self.parents is None else self.parents.tolist(),
                "cache": {str(k): v.tolist() for k, v in self.cache.items()}}

    @classmethod
    def from_state(cls, space: ParamSpace, state: dict) -> NSGA2Optimizer:
        if state.get("version") != 1:
            raise ValueError(f"NSGA-II state version {state.get('version')} is not 1")
        self = cls.__new__(cls)
        width = len(space.inputs)
        self.space, self.sign = space, np.array(state["sign"])
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = state["rng"]
        self.sizes = np.array(space.sizes, dtype=np.int64)
        self.pop_size, self.generations, self.rate = state["pop_size"], state["generations"], state["rate"]
        self.generation, self.done = state["generation"], state["done"]
        self.population = np.array(state["population"], dtype=np.int64).reshape(-1, width)
        p = state["parents"]
        self.parents = None if p is None else np.array(p, dtype=np.int64).reshape(-1, width)
        self.cache = {int(k): np.array(v) for k, v in state["cache"].items()}
        return self
