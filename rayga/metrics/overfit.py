"""Overfitting statistics of an optimization (no Ray, no Numba): how much of the best pass's edge
survives the number of passes tried.

- Deflated Sharpe ratio (Bailey and López de Prado, 2014): the best pass's Sharpe ratio against the
  Sharpe ratio the best of N unskilled passes would show by luck, given the spread of the Sharpe
  ratios the passes actually had; with the probability that the true Sharpe ratio exceeds that bar,
  corrected for the skew and fat tails of the returns.
- Probability of backtest overfitting (Bailey, Borwein, López de Prado and Zhu, 2015), by
  combinatorially symmetric cross-validation: the returns of the top passes are cut into S blocks of
  time; for every half of the blocks taken as in-sample, the pass best in-sample is ranked
  out-of-sample; PBO is the share of splits where it ranks below the median.
- Parameter plateau: the criterion averaged over a pass and its grid neighbours, so a lone spike
  ranks below a broad plateau.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected largest of `n_trials` Sharpe ratios of skill-less passes whose estimates vary with
    `sharpe_variance` (per-period units): the False Strategy theorem's approximation."""
    if n_trials < 2 or sharpe_variance <= 0:
        return 0.0
    z1 = _N.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _N.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def sharpe_probability(sharpe: float, benchmark: float, n_obs: int, skew: float, kurtosis: float) -> float:
    """Probability that the true per-period Sharpe ratio exceeds `benchmark`, given an estimate from
    `n_obs` returns with this skew and (non-excess) kurtosis (the probabilistic Sharpe ratio)."""
    if n_obs < 2:
        return 0.0
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if denom <= 0:
        return 0.0
    return _N.cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denom))


@dataclass(frozen=True)
class DeflatedSharpe:
    """Per-period figures, and annualised ones (x sqrt(periods per year)) for reading beside MT5's."""

    sharpe: float               # the best pass's, per period
    expected_max: float         # what the best of `trials` skill-less passes would show, per period
    probability: float          # P(true Sharpe > expected_max): near 1 = an edge beyond luck
    trials: int
    observations: int
    periods_per_year: float

    @property
    def deflated(self) -> float:
        """Annualised Sharpe left after deflation (best minus the luck of `trials` tries)."""
        return (self.sharpe - self.expected_max) * math.sqrt(self.periods_per_year)

    def as_dict(self) -> dict:
        k = math.sqrt(self.periods_per_year)
        return {"sharpe_annual": self.sharpe * k, "expected_max_sharpe_annual": self.expected_max * k,
                "deflated_sharpe_annual": self.deflated, "probability": self.probability, "trials": self.trials,
                "observations": self.observations}


def deflated_sharpe(returns: np.ndarray, trial_sharpes: np.ndarray, periods_per_year: float,
                    trials: int | None = None) -> DeflatedSharpe:
    """Deflated Sharpe ratio of a pass with per-period `returns`, chosen as the best of the passes whose
    per-period Sharpe ratios are `trial_sharpes` (`trials` defaults to how many there are)."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    trials = len(trial_sharpes) if trials is None else trials
    if len(r) < 3 or r.std() == 0:
        return DeflatedSharpe(0.0, 0.0, 0.0, trials, len(r), periods_per_year)
    sd = r.std()
    sr = r.mean() / sd
    z = (r - r.mean()) / sd
    skew, kurt = float(np.mean(z**3)), float(np.mean(z**4))
    ts = np.asarray(trial_sharpes, dtype=np.float64)
    var = float(np.var(ts[np.isfinite(ts)])) if len(ts) > 1 else 0.0
    bench = expected_max_sharpe(trials, var)
    return DeflatedSharpe(float(sr), bench, sharpe_probability(sr, bench, len(r), skew, kurt), trials, len(r),
                          periods_per_year)


@dataclass(frozen=True)
class PBO:
    pbo: float                 # share of splits whose in-sample best ranks below the out-of-sample median
    logits: np.ndarray         # logit of the in-sample best's out-of-sample relative rank, per split
    splits: int
    blocks: int
    passes: int

    def as_dict(self) -> dict:
        return {"pbo": self.pbo, "splits": self.splits, "blocks": self.blocks, "passes": self.passes,
                "median_logit": float(np.median(self.logits))}


def _block_sharpe(sums: np.ndarray, sq: np.ndarray, counts: np.ndarray) -> np.ndarray:
    mean = sums / counts
    var = np.maximum(sq / counts - mean * mean, 0.0)
    sd = np.sqrt(var)
    return np.where(sd > 0, mean / np.where(sd > 0, sd, 1.0), 0.0)


def probability_of_overfitting(returns: np.ndarray, blocks: int = 16) -> PBO:
    """PBO by combinatorially symmetric cross-validation. `returns` is periods x passes (e.g. daily
    returns of the top passes); performance is the Sharpe ratio of the concatenated blocks."""
    m = np.asarray(returns, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ValueError("PBO needs a periods x passes matrix of at least two passes")
    blocks = int(blocks) - int(blocks) % 2
    if blocks < 2 or m.shape[0] < blocks:
        raise ValueError(f"PBO needs an even number of blocks >= 2 and at least that many periods "
                         f"(got {blocks} blocks, {m.shape[0]} periods)")
    m = np.nan_to_num(m)
    parts = np.array_split(np.arange(m.shape[0]), blocks)
    s1 = np.stack([m[p].sum(axis=0) for p in parts])        # blocks x passes
    s2 = np.stack([(m[p] ** 2).sum(axis=0) for p in parts])
    cnt = np.array([len(p) for p in parts], dtype=np.float64)[:, None]
    tot1, tot2, totc = s1.sum(axis=0), s2.sum(axis=0), cnt.sum()
    n = m.shape[1]
    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        idx = list(chosen)
        a1, a2, ac = s1[idx].sum(axis=0), s2[idx].sum(axis=0), cnt[idx].sum()
        is_perf = _block_sharpe(a1, a2, np.full(n, ac))
        oos = _block_sharpe(tot1 - a1, tot2 - a2, np.full(n, totc - ac))
        best = int(np.argmax(is_perf))
        rank = (oos < oos[best]).sum() + 0.5 * ((oos == oos[best]).sum() - 1) + 1  # 1..n, ties halved
        w = rank / (n + 1)
        logits.append(math.log(w / (1 - w)))
    arr = np.array(logits)
    return PBO(float((arr <= 0).mean()), arr, len(arr), blocks, n)


def plateau_scores(coords: np.ndarray, values: np.ndarray, candidates: Sequence[int],
                   lookup: Callable[[np.ndarray], np.ndarray] | None = None, radius: int = 1
                   ) -> list[dict]:
    """For each candidate row of `coords` (integer grid indices, one column per parameter): the mean of
    `values` over its grid neighbourhood (every point within `radius` steps on each parameter, itself
    included, inside the grid as far as known). Neighbours not among `coords` are asked of `lookup`
    (grid indices -> values, NaN for infeasible points) when given, else left out."""
    coords = np.asarray(coords, dtype=np.int64)
    known = {tuple(c): float(v) for c, v in zip(coords, values, strict=True)}
    offsets = np.array(list(itertools.product(range(-radius, radius + 1), repeat=coords.shape[1])), dtype=np.int64)
    out = []
    for i in candidates:
        around = coords[i] + offsets
        around = around[(around >= 0).all(axis=1)]
        vals = np.array([known.get(tuple(c), np.nan) for c in around])
        missing = np.isnan(vals)
        if lookup is not None and missing.any():
            vals[missing] = lookup(around[missing])
        ok = np.isfinite(vals)
        out.append({"row": int(i), "value": float(values[i]), "plateau": float(vals[ok].mean()) if ok.any() else 0.0,
                    "neighbours": int(ok.sum()) - 1})
    return out
