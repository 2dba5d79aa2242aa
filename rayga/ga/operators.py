"""GA operators as small pure functions over int64 genome matrices (value indices), each taking an
explicit `numpy.random.Generator`. `sizes[k]` is the number of values of gene k.
"""

from __future__ import annotations

import numpy as np


def random_genomes(rng: np.random.Generator, sizes: np.ndarray, n: int) -> np.ndarray:
    """n genomes drawn uniformly from the grid."""
    return (rng.random((n, len(sizes))) * sizes).astype(np.int64)


def tournament(rng: np.random.Generator, fitness: np.ndarray, n: int, k: int = 3) -> np.ndarray:
    """Indices of n parents, each the fittest of k drawn at random (ties: the lower index)."""
    draws = rng.integers(0, len(fitness), size=(n, k))
    best = np.argmax(fitness[draws], axis=1)
    return draws[np.arange(n), best]


def uniform_crossover(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, rate: float = 0.9) -> np.ndarray:
    """Children taking each gene from parent a or b with equal odds; with probability 1 - rate a child is
    a copy of a."""
    take_b = rng.random(a.shape) < 0.5
    cross = rng.random(len(a)) < rate
    return np.where(take_b & cross[:, None], b, a)


def mutate(rng: np.random.Generator, genomes: np.ndarray, sizes: np.ndarray, rate: float) -> np.ndarray:
    """Each gene mutates with probability `rate`: half of the time a step of one grid value up or down
    (local search), otherwise a fresh uniform value (exploration)."""
    hit = rng.random(genomes.shape) < rate
    local = rng.random(genomes.shape) < 0.5
    step = np.where(rng.random(genomes.shape) < 0.5, -1, 1)
    fresh = (rng.random(genomes.shape) * sizes).astype(np.int64)
    stepped = np.clip(genomes + step, 0, sizes - 1)
    return np.where(hit, np.where(local, stepped, fresh), genomes)


def invert(rng: np.random.Generator, genomes: np.ndarray, sizes: np.ndarray, rate: float) -> np.ndarray:
    """Inversion: with probability `rate` a genome reverses a random segment of its genes, each gene taking
    the relative position (index / (size - 1)) of its mirror gene, mapped onto its own grid."""
    out = genomes.copy()
    n_genes = genomes.shape[1]
    if n_genes < 2:
        return out
    span = np.maximum(sizes - 1, 1)
    for i in np.flatnonzero(rng.random(len(genomes)) < rate):
        lo, hi = np.sort(rng.choice(n_genes, 2, replace=False))
        seg = np.arange(lo, hi + 1)
        rel = genomes[i, seg] / span[seg]
        out[i, seg] = np.rint(rel[::-1] * (sizes[seg] - 1)).astype(np.int64)
    return out
