"""MA cross: buy when the fast SMA of closes crosses above the slow one, sell on the opposite cross,
with optional stop loss and take profit in points. A strategy on the public rule API, like a user's:
its two SMAs are rows the batch shares (`rows`), its rule `ma_cross_rule` (`_nb_rules`)."""

from __future__ import annotations

import numpy as np

from rayga.errors import ConfigError
from rayga.strategies._nb_rules import ma_cross_rule
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


class MACross(UserStrategy):
    name = "ma_cross"
    params = (
        Param("fast", "int", 12, 5, 5, 50, "fast SMA period (timeframe bars)"),
        Param("slow", "int", 48, 20, 10, 200, "slow SMA period (timeframe bars)"),
        Param("sl_points", "float", 300, 0, 100, 1000, "stop loss in points from the entry price; 0 = none"),
        Param("tp_points", "float", 600, 0, 100, 2000, "take profit in points from the entry price; 0 = none"),
    )
    constraints = ("fast < slow",)
    rows = {"fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow")}
    rule = ma_cross_rule

    def check_genomes(self, genomes: np.ndarray, where: str = "") -> None:
        fast, slow, sl, tp = genomes[:, :4].T
        for bad, text in (((fast < 1) | (slow < 1), "`fast` and `slow` must be >= 1"),
                          (fast >= slow, "`fast` must be below `slow`"),
                          ((sl < 0) | (tp < 0), "`sl_points` and `tp_points` must be >= 0")):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                values = ", ".join(f"{n}={v:g}" for n, v in zip(self.param_names, genomes[i], strict=True))
                raise ConfigError(f"{text} (genome {i}: {values}){'; ' + where if where else ''}")


def get_strategy(name: str) -> UserStrategy:
    """Kept for callers of earlier versions: see `rayga.strategies.registry.get_strategy`."""
    from rayga.strategies.registry import get_strategy as get

    return get(name)
