"""Population helpers shared by the GA engines: pending genomes, and feasible random or bred genomes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rayga.ga import operators as op
from rayga.ga.space import ParamSpace


def missing_genomes(space: ParamSpace, population: np.ndarray, cache: dict) -> np.ndarray:
    """Genomes of `population` without a cached result, each once, in population order."""
    seen: set[int] = set()
    rows = []
    for i, n in enumerate(space.numbers_of(population)):
        if n not in cache and n not in seen:
            seen.add(n)
            rows.append(i)
    return np.asarray(population, dtype=np.int64).reshape(-1, len(space.inputs))[rows]


def random_feasible(rng: np.random.Generator, space: ParamSpace, n: int) -> np.ndarray:
    """n uniform genomes that satisfy the constraints."""
    sizes = np.array(space.sizes, dtype=np.int64)
    out = np.empty((0, len(sizes)), dtype=np.int64)
    for _ in range(1000):
        draw = op.random_genomes(rng, sizes, max(n, 16))
        out = np.vstack([out, draw[space.feasible(draw)]])
        if len(out) >= n:
            return out[:n]
    raise ValueError("the constraints leave (almost) no feasible combination; loosen them")


def feasible_offspring(rng: np.random.Generator, space: ParamSpace, n: int,
                       breed: Callable[[int], np.ndarray]) -> np.ndarray:
    """n children from `breed(n)`, infeasible ones redrawn (then random feasible genomes as a last resort)."""
    children = np.empty((0, len(space.inputs)), dtype=np.int64)
    for _ in range(20):
        kids = breed(n)
        children = np.vstack([children, kids[space.feasible(kids)]])[:n]
        if len(children) == n:
            return children
    return np.vstack([children, random_feasible(rng, space, n - len(children))])


def novel_offspring(rng: np.random.Generator, space: ParamSpace, kids: np.ndarray, known: set[int],
                    breed: Callable[[int], np.ndarray], tries: int) -> np.ndarray:
    """Re-breed (up to `tries` rounds) the children that would not be new passes - already evaluated, an
    elite, or a twin of an earlier child - so each generation spends its slots on new combinations;
    children still not new after that are served from the cache as usual."""
    kids = kids.copy()
    for _ in range(tries):
        seen = set(known)
        again = []
        for i, n in enumerate(space.numbers_of(kids)):
            if n in seen:
                again.append(i)
            else:
                seen.add(n)
        if not again:
            break
        kids[again] = feasible_offspring(rng, space, len(again), breed)
    return kids
