"""MA cross: buy when the fast SMA of closes crosses above the slow one, sell on the opposite cross,
with optional stop loss and take profit in points."""

from __future__ import annotations

import numpy as np

from rayga.errors import ConfigError
from rayga.sim.enums import DEAL_DTYPE
from rayga.sim.prepared import SimData
from rayga.strategies._nb import cross_signal_nb, ma_cross_batch_nb
from rayga.strategies.base import Param, Strategy
from rayga.strategies.rows import indicator_table


class MACross(Strategy):
    name = "ma_cross"
    params = (
        Param("fast", "int", 12, 5, 5, 50, "fast SMA period (timeframe bars)"),
        Param("slow", "int", 48, 20, 10, 200, "slow SMA period (timeframe bars)"),
        Param("sl_points", "float", 300, 0, 100, 1000, "stop loss in points from the entry price; 0 = none"),
        Param("tp_points", "float", 600, 0, 100, 2000, "take profit in points from the entry price; 0 = none"),
    )
    constraints = ("fast < slow",)

    def check_genomes(self, genomes: np.ndarray, where: str = "") -> None:
        fast, slow, sl, tp = genomes.T
        for bad, text in (((fast < 1) | (slow < 1), "`fast` and `slow` must be >= 1"),
                          (fast >= slow, "`fast` must be below `slow`"),
                          ((sl < 0) | (tp < 0), "`sl_points` and `tp_points` must be >= 0")):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                values = ", ".join(f"{n}={v:g}" for n, v in zip(self.param_names, genomes[i], strict=True))
                raise ConfigError(f"{text} (genome {i}: {values}){'; ' + where if where else ''}")

    @staticmethod
    def sma(close: np.ndarray, period: int) -> np.ndarray:
        """Simple moving average of closes; NaN until `period` bars exist (MT5: no value in warm-up).
        vectorbt's own kernel, imported here: importing vectorbt takes ~2 s, which a driver that only plans
        and dispatches (evaluation happens in the evaluator actors) need not pay."""
        from vectorbt.generic.nb import rolling_mean_1d_nb

        return rolling_mean_1d_nb(close, int(period), int(period))

    def signals(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        return cross_signal_nb(self.sma(data.tf_close, genome[0]), self.sma(data.tf_close, genome[1]))

    def stops(self, genome: np.ndarray) -> tuple[float, float]:
        return float(genome[2]), float(genome[3])

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        """Genomes already checked (`evaluate` does it for every engine)."""
        if not len(genomes):
            return
        periods = genomes[:, :2].astype(np.int64)
        keys = [("vbt_rolling_mean", int(p)) for p in periods.reshape(-1)]
        def sma_rows(missing, matrix, rows):  # the missing rows in parallel (Numba threads)
            from rayga.strategies._nb_rows import sma_rows_nb

            sma_rows_nb(data.tf_close, np.array([key[1] for key in missing], dtype=np.int64), matrix, rows)

        with indicator_table(data, keys, lambda key: self.sma(data.tf_close, key[1]), sma_rows) as (table, rows):
            rows = rows.reshape(-1, 2)  # each distinct period computed once, and kept for later batches
            ma_cross_batch_nb(*data.kernel_args(), table, rows[:, 0].copy(), rows[:, 1].copy(),
                              np.ascontiguousarray(genomes[:, 2]), np.ascontiguousarray(genomes[:, 3]),
                              data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out)


def get_strategy(name: str) -> Strategy:
    """Kept for callers of earlier versions: see `rayga.strategies.registry.get_strategy`."""
    from rayga.strategies.registry import get_strategy as get

    return get(name)
