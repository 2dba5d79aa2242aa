"""Multi-indicator built-in strategies: multi-momentum (8 inputs), adaptive mean reversion with
volatility-scaled thresholds (10 inputs), and a composite whose genes choose which indicator signals to
use and how to combine them (AND / OR / majority), so the GA evolves the logic as well as the numbers.

Each computes every distinct indicator of a batch once into a shared table (kept for later batches:
`rayga.strategies.rows`), then runs its state rule (decisions when the wanted side changes) and the
simulation per genome in one parallel kernel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from rayga.sim.enums import DEAL_DTYPE
from rayga.sim.prepared import SimData
from rayga.strategies.base import Param
from rayga.strategies.rules import STOPS, RuleStrategy, row_values


class Table:
    """Indicator rows by key, each computed once; a lazy table only records how to make each (the
    batch path computes them through the kept rows of `rayga.strategies.rows`)."""

    def __init__(self, lazy: bool = False) -> None:
        self.lazy = lazy
        self.index: dict[tuple, int] = {}
        self.rows: list[np.ndarray] = []
        self.makers: dict[tuple, Callable[[], np.ndarray]] = {}

    def row(self, key: tuple, make: Callable[[], np.ndarray]) -> int:
        if key not in self.index:
            self.index[key] = len(self.index)
            if self.lazy:
                self.makers[key] = make
            else:
                self.rows.append(np.asarray(make(), dtype=np.float64))
        return self.index[key]

    def matrix(self) -> np.ndarray:
        return np.ascontiguousarray(np.vstack(self.rows))


def _col(genomes: np.ndarray, i: int) -> np.ndarray:
    return np.ascontiguousarray(genomes[:, i], dtype=np.float64)


class ComboStrategy(RuleStrategy):
    def rows(self, data: SimData, genome: np.ndarray, t: Table) -> list[int]:
        raise NotImplementedError

    def tables(self, data: SimData, genomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = Table()
        rows = np.array([self.rows(data, g, t) for g in genomes], dtype=np.int64)
        return t.matrix(), rows

    @contextmanager
    def _combo_rows(self, data: SimData, genomes: np.ndarray) -> Iterator[tuple]:
        """`_batch_rows` with this strategy's own rows: (matrix, rows per genome, ATR-stop arguments)."""
        t = Table(lazy=True)
        provisional = [self.rows(data, g, t) for g in genomes]
        distinct = list(t.index)
        keys = [[distinct[i] for i in r] for r in provisional]

        def make(key: tuple) -> np.ndarray:
            return np.asarray(t.makers[key](), dtype=np.float64) if key in t.makers else row_values(data, key)

        with self._batch_rows(data, genomes, keys, make) as out:
            yield out

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        """One genome's decisions through the batch kernel's own rule (a batch of one)."""
        from rayga.strategies._nb_rules import transitions_nb

        table, rows = self.tables(data, genome[None, :])
        out = np.zeros(len(data.tf_close), dtype=np.int8)
        transitions_nb(self.state(data, table, rows[0], genome), out)
        return out


class MultiMomentum(ComboStrategy):
    name = "multi_momentum"
    params = (
        Param("roc_fast", "int", 10, 5, 5, 30, "fast rate-of-change period"),
        Param("roc_slow", "int", 40, 20, 10, 120, "slow rate-of-change period"),
        Param("rsi_period", "int", 14, 7, 7, 28, "RSI period"),
        Param("rsi_band", "float", 5, 0, 5, 20, "RSI distance from 50 required"),
        Param("adx_period", "int", 14, 7, 7, 28, "ADX period"),
        Param("adx_min", "float", 20, 10, 5, 40, "minimum ADX (trend strength)"),
        *STOPS,
    )
    periods = ("roc_fast", "roc_slow", "rsi_period", "adx_period")
    constraints = ("roc_fast < roc_slow",)

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 0] >= genomes[:, 1], "`roc_fast` must be below `roc_slow`", genomes, where)

    def rows(self, data: SimData, g: np.ndarray, t: Table) -> list[int]:
        from rayga.indicators import _nb as ind

        c = data.tf_close
        adx = lambda: ind.adx_nb(data.tf_high, data.tf_low, c, int(g[4]))[0]  # noqa: E731
        return [t.row(("roc", int(g[0])), lambda: ind.roc_nb(c, int(g[0]))),
                t.row(("roc", int(g[1])), lambda: ind.roc_nb(c, int(g[1]))),
                t.row(("rsi", int(g[2])), lambda: ind.rsi_nb(c, int(g[2]))),
                t.row(("adx", int(g[4])), adx)]

    def state(self, data: SimData, table: np.ndarray, r: np.ndarray, g: np.ndarray) -> np.ndarray:
        from rayga.strategies._nb_rules import momentum_state_nb

        return momentum_state_nb(table[r[0]], table[r[1]], table[r[2]], table[r[3]], float(g[3]), float(g[5]))

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import momentum_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        with self._combo_rows(data, genomes) as (table, rows, atr):
            momentum_batch_nb(data.kernel_args(), table, rows, _col(genomes, 3), _col(genomes, 5), sl, tp, *atr, data.acct,
                              np.empty(0, DEAL_DTYPE), np.empty(0), out)


MA_METHODS = ("sma", "ema", "smma", "lwma")


class AdaptiveReversion(ComboStrategy):
    name = "adaptive_reversion"
    params = (
        Param("ma_period", "int", 50, 20, 10, 100, "moving average period"),
        Param("ma_method", "int", 0, 0, 1, 3, "MA method: 0 SMA, 1 EMA, 2 SMMA, 3 LWMA"),
        Param("atr_period", "int", 14, 7, 7, 28, "ATR period (the thresholds' unit)"),
        Param("band_mult", "float", 2.0, 1.0, 0.5, 4.0, "entry distance from the MA, in ATRs"),
        Param("rsi_period", "int", 14, 7, 7, 28, "RSI period"),
        Param("rsi_band", "float", 10, 0, 5, 25, "RSI distance from 50 required"),
        Param("vol_lookback", "int", 100, 50, 50, 300, "bars of ATR averaged for the volatility regime"),
        Param("vol_ratio_max", "float", 1.5, 1.0, 0.25, 3.0, "no entry while ATR exceeds this x its average"),
        *STOPS,
    )
    periods = ("ma_period", "atr_period", "rsi_period", "vol_lookback")

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        m = genomes[:, 1]
        self._fail((m < 0) | (m > 3) | (m != np.round(m)), "`ma_method` must be 0, 1, 2 or 3", genomes, where)
        self._fail(genomes[:, 3] <= 0, "`band_mult` must be > 0", genomes, where)
        self._fail(genomes[:, 7] <= 0, "`vol_ratio_max` must be > 0", genomes, where)

    def rows(self, data: SimData, g: np.ndarray, t: Table) -> list[int]:
        from rayga.indicators import _nb as ind

        c = data.tf_close
        atr = lambda: ind.atr_nb(data.tf_high, data.tf_low, c, int(g[2]))  # noqa: E731
        atr_row = t.row(("atr", int(g[2])), atr)
        return [t.row(("ma", int(g[0]), int(g[1])), lambda: ind.ma_nb(c, int(g[0]), int(g[1]))),
                atr_row,
                t.row(("atr_avg", int(g[2]), int(g[6])),
                      lambda: _shifted_sma(atr() if t.lazy else t.rows[atr_row], int(g[6]))),
                t.row(("rsi", int(g[4])), lambda: ind.rsi_nb(c, int(g[4])))]

    def state(self, data: SimData, table: np.ndarray, r: np.ndarray, g: np.ndarray) -> np.ndarray:
        from rayga.strategies._nb_rules import reversion_state_nb

        return reversion_state_nb(data.tf_close, table[r[0]], table[r[1]], table[r[2]], table[r[3]], float(g[3]),
                                  float(g[5]), float(g[7]))

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import reversion_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        with self._combo_rows(data, genomes) as (table, rows, atr):
            reversion_batch_nb(data.kernel_args(), data.tf_close, table, rows, _col(genomes, 3), _col(genomes, 5),
                               _col(genomes, 7), sl, tp, *atr, data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out)


def _shifted_sma(x: np.ndarray, period: int) -> np.ndarray:
    """SMA of a series that starts with NaN (an indicator's warm-up): averaged from its first value."""
    from rayga.indicators._nb import sma_nb

    out = np.full(len(x), np.nan)
    first = int(np.argmax(~np.isnan(x))) if (~np.isnan(x)).any() else len(x)
    if first < len(x):
        out[first:] = sma_nb(np.ascontiguousarray(x[first:]), period)
    return out


COMBINE = ("and", "or", "majority")


class Composite(ComboStrategy):
    name = "composite"
    params = (
        Param("use_ma", "int", 1, 0, 1, 1, "vote of the MA trend (fast vs slow SMA): 1 = used"),
        Param("use_rsi", "int", 1, 0, 1, 1, "vote of RSI extremes: 1 = used"),
        Param("use_bb", "int", 0, 0, 1, 1, "vote of a Bollinger breakout: 1 = used"),
        Param("use_macd", "int", 0, 0, 1, 1, "vote of MACD(12, 26, 9) vs its signal: 1 = used"),
        Param("combine", "int", 2, 0, 1, 2, "how votes combine: 0 AND, 1 OR, 2 majority"),
        Param("fast", "int", 20, 10, 10, 50, "fast SMA period"),
        Param("slow", "int", 100, 60, 20, 200, "slow SMA period"),
        Param("rsi_period", "int", 14, 7, 7, 28, "RSI period"),
        Param("rsi_band", "float", 20, 10, 5, 30, "RSI distance from 50 that votes"),
        Param("bb_period", "int", 20, 10, 10, 50, "Bollinger period"),
        Param("bb_dev", "float", 2.0, 1.0, 0.5, 3.0, "Bollinger width in standard deviations"),
        *STOPS,
    )
    periods = ("fast", "slow", "rsi_period", "bb_period")
    constraints = ("fast < slow", "use_ma + use_rsi + use_bb + use_macd >= 1")

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        use = genomes[:, :4]
        self._fail(((use != 0) & (use != 1)).any(axis=1), "the `use_*` genes must be 0 or 1", genomes, where)
        self._fail(use.sum(axis=1) < 1, "at least one `use_*` gene must be 1", genomes, where)
        self._fail(~np.isin(genomes[:, 4], (0, 1, 2)), "`combine` must be 0 (AND), 1 (OR) or 2 (majority)",
                   genomes, where)
        self._fail(genomes[:, 5] >= genomes[:, 6], "`fast` must be below `slow`", genomes, where)
        self._fail(genomes[:, 10] <= 0, "`bb_dev` must be > 0", genomes, where)

    def rows(self, data: SimData, g: np.ndarray, t: Table) -> list[int]:
        from rayga.indicators import _nb as ind

        c = data.tf_close
        macd = lambda i: t.row(("macd", i), lambda: ind.macd_nb(c, 12, 26, 9)[i])  # noqa: E731
        return [t.row(("sma", int(g[5])), lambda: ind.sma_nb(c, int(g[5]))),
                t.row(("sma", int(g[6])), lambda: ind.sma_nb(c, int(g[6]))),
                t.row(("rsi", int(g[7])), lambda: ind.rsi_nb(c, int(g[7]))),
                t.row(("sma", int(g[9])), lambda: ind.sma_nb(c, int(g[9]))),
                t.row(("std", int(g[9])), lambda: ind.stddev_nb(c, int(g[9]))),
                macd(0), macd(1)]

    def state(self, data: SimData, table: np.ndarray, r: np.ndarray, g: np.ndarray) -> np.ndarray:
        from rayga.strategies._nb_rules import composite_state_nb

        use = np.ascontiguousarray(g[:4].astype(np.int64))
        return composite_state_nb(data.tf_close, table[r[0]], table[r[1]], table[r[2]], table[r[3]], table[r[4]],
                                  table[r[5]], table[r[6]], use, float(g[8]), float(g[10]), int(g[4]))

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import composite_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        with self._combo_rows(data, genomes) as (table, rows, atr):
            composite_batch_nb(data.kernel_args(), data.tf_close, table, rows,
                               np.ascontiguousarray(genomes[:, :4].astype(np.int64)), _col(genomes, 8), _col(genomes, 10),
                               np.ascontiguousarray(genomes[:, 4].astype(np.int64)), sl, tp, *atr, data.acct,
                               np.empty(0, DEAL_DTYPE), np.empty(0), out)


COMBO_STRATEGIES = (MultiMomentum, AdaptiveReversion, Composite)
