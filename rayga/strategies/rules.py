"""Built-in indicator strategies: RSI mean reversion, Bollinger breakout, Donchian breakout, MACD signal
cross. Each declares its MT5-style inputs, computes every distinct indicator of a batch once (a table
shared by all its genomes) and runs its rule and the simulation per genome in one parallel kernel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from rayga.errors import ConfigError
from rayga.sim.enums import DEAL_DTYPE
from rayga.sim.prepared import SimData
from rayga.strategies.base import Param, Strategy
from rayga.strategies.rows import indicator_table

STOPS = (
    Param("sl_points", "float", 300, 0, 100, 1000, "stop loss in points from the entry price; 0 = none"),
    Param("tp_points", "float", 600, 0, 100, 2000, "take profit in points from the entry price; 0 = none"),
    Param("sl_atr", "float", 0, 0, 0.5, 4, "stop loss in ATRs of the decision bar (replaces sl_points when > 0)"),
    Param("tp_atr", "float", 0, 0, 0.5, 8, "take profit in ATRs of the decision bar (replaces tp_points when > 0)"),
    Param("stop_atr_period", "int", 14, 7, 7, 28, "ATR period of the ATR-scaled stops"),
)


class RuleStrategy(Strategy):
    """Shared checks: whole-number periods >= 1 and non-negative stops; subclasses add their own."""

    periods: tuple[str, ...] = ()

    def __init_subclass__(cls, **kw) -> None:  # noqa: ANN003
        super().__init_subclass__(**kw)
        cls.periods = (*cls.periods, "stop_atr_period")

    def check_genomes(self, genomes: np.ndarray, where: str = "") -> None:
        names = self.param_names
        for name in self.periods:
            col = genomes[:, names.index(name)]
            self._fail((col < 1) | (col != np.round(col)), f"`{name}` must be a whole number >= 1", genomes, where)
        for name in ("sl_points", "tp_points", "sl_atr", "tp_atr"):
            self._fail(genomes[:, names.index(name)] < 0, f"`{name}` must be >= 0", genomes, where)
        self.check_more(genomes, where)

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        """Rules between parameters (override)."""

    def _fail(self, bad: np.ndarray, text: str, genomes: np.ndarray, where: str) -> None:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            values = ", ".join(f"{n}={v:g}" for n, v in zip(self.param_names, genomes[i], strict=True))
            raise ConfigError(f"{text} (genome {i}: {values}){'; ' + where if where else ''}")

    def stops(self, genome: np.ndarray) -> tuple[float, float]:
        names = self.param_names
        return float(genome[names.index("sl_points")]), float(genome[names.index("tp_points")])

    def _stop_columns(self, genomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        names = self.param_names
        return (np.ascontiguousarray(genomes[:, names.index("sl_points")]),
                np.ascontiguousarray(genomes[:, names.index("tp_points")]))

    @contextmanager
    def _batch_rows(self, data: SimData, genomes: np.ndarray, keys: list[list[tuple]],
                    make: Callable[[tuple], np.ndarray] | None = None) -> Iterator[tuple]:
        """The indicator rows of a batch, each distinct one computed once (by `make`, default `row_values`)
        and kept for later batches (`rayga.strategies.rows`): yields (matrix, the rule's rows per genome
        (genomes x len(keys[g])), the batch kernels' ATR-stop arguments over the same matrix)."""
        from rayga.sim import _nb_state as S

        names = self.param_names
        sl_atr = np.ascontiguousarray(genomes[:, names.index("sl_atr")])
        tp_atr = np.ascontiguousarray(genomes[:, names.index("tp_atr")])
        periods = genomes[:, names.index("stop_atr_period")].astype(np.int64)
        atr_keys = [("atr", int(p)) if a > 0 or b > 0 else ("zero",)
                    for p, a, b in zip(periods, sl_atr, tp_atr, strict=True)]
        flat = [k for ks in keys for k in ks]
        make = make or (lambda key: row_values(data, key))
        with indicator_table(data, flat + atr_keys, make) as (matrix, idx):
            rows = idx[:len(flat)].reshape(len(genomes), -1)
            yield matrix, rows, (matrix, idx[len(flat):], sl_atr, tp_atr, float(data.acct[S.A_POINT]))

    def pass_stops(self, data: SimData, genome: np.ndarray) -> tuple:
        """SL/TP of one pass: points, or points per decision bar for ATR-scaled stops."""
        from rayga.strategies._nb_rules import atr_points_nb

        from rayga.sim import _nb_state as S

        names = self.param_names
        sl_atr, tp_atr = float(genome[names.index("sl_atr")]), float(genome[names.index("tp_atr")])
        sl, tp = self.stops(genome)
        if sl_atr <= 0 and tp_atr <= 0:
            return sl, tp
        atr = row_values(data, ("atr", int(genome[names.index("stop_atr_period")])))  # the batch kernels' row
        point = float(data.acct[S.A_POINT])
        return (atr_points_nb(atr, sl_atr, point) if sl_atr > 0 else sl,
                atr_points_nb(atr, tp_atr, point) if tp_atr > 0 else tp)

    def signals(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        """The decisions of one genome: the batch kernel's own rule, run alone."""
        return self.rule(data, genome)

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RSIReversion(RuleStrategy):
    name = "rsi_reversion"
    params = (
        Param("period", "int", 14, 5, 1, 30, "RSI period (timeframe bars)"),
        Param("lower", "float", 30, 10, 5, 40, "buy when the RSI crosses up through this level"),
        Param("upper", "float", 70, 60, 5, 90, "sell when the RSI crosses down through this level"),
        *STOPS,
    )
    periods = ("period",)
    constraints = ("lower < upper",)

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 1] >= genomes[:, 2], "`lower` must be below `upper`", genomes, where)

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        from rayga.indicators._nb import rsi_nb
        from rayga.strategies._nb_rules import level_cross_nb

        out = np.zeros(len(data.tf_close), dtype=np.int8)
        level_cross_nb(rsi_nb(data.tf_close, int(genome[0])), float(genome[1]), float(genome[2]), out)
        return out

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import rsi_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        keys = [[("rsi", int(p))] for p in genomes[:, 0]]
        with self._batch_rows(data, genomes, keys) as (table, rows, atr):
            rsi_batch_nb(data.kernel_args(), table, rows, np.ascontiguousarray(genomes[:, 1]),
                         np.ascontiguousarray(genomes[:, 2]), sl, tp, *atr, data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out)


class BollingerBreakout(RuleStrategy):
    name = "bollinger_breakout"
    params = (
        Param("period", "int", 20, 10, 5, 50, "Bollinger Bands period (timeframe bars)"),
        Param("deviation", "float", 2.0, 1.0, 0.25, 3.0, "band width in standard deviations"),
        *STOPS,
    )
    periods = ("period",)

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 1] <= 0, "`deviation` must be > 0", genomes, where)

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        from rayga.indicators._nb import sma_nb, stddev_nb
        from rayga.strategies._nb_rules import band_breakout_nb

        p = int(genome[0])
        out = np.zeros(len(data.tf_close), dtype=np.int8)
        band_breakout_nb(data.tf_close, sma_nb(data.tf_close, p), stddev_nb(data.tf_close, p), float(genome[1]), out)
        return out

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import bollinger_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        keys = [[("sma", int(p)), ("std", int(p))] for p in genomes[:, 0]]
        with self._batch_rows(data, genomes, keys) as (table, rows, atr):
            bollinger_batch_nb(data.kernel_args(), data.tf_close, table, rows, np.ascontiguousarray(genomes[:, 1]), sl, tp, *atr,
                               data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out)


class DonchianBreakout(RuleStrategy):
    name = "donchian_breakout"
    params = (
        Param("period", "int", 20, 10, 10, 100, "channel period: the bars before the decision bar"),
        *STOPS,
    )
    periods = ("period",)

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        from rayga.indicators._nb import donchian_nb
        from rayga.strategies._nb_rules import channel_breakout_nb

        out = np.zeros(len(data.tf_close), dtype=np.int8)
        up, dn = donchian_nb(data.tf_high, data.tf_low, int(genome[0]))
        channel_breakout_nb(data.tf_close, up, dn, out)
        return out

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import channel_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        keys = [[("donchian_up", int(p)), ("donchian_down", int(p))] for p in genomes[:, 0]]
        with self._batch_rows(data, genomes, keys) as (table, rows, atr):
            channel_batch_nb(data.kernel_args(), data.tf_close, table, rows, sl, tp, *atr, data.acct, np.empty(0, DEAL_DTYPE),
                             np.empty(0), out)


class MACDCross(RuleStrategy):
    name = "macd_cross"
    params = (
        Param("fast", "int", 12, 6, 2, 20, "fast EMA period"),
        Param("slow", "int", 26, 20, 4, 52, "slow EMA period"),
        Param("signal", "int", 9, 3, 2, 15, "signal line: SMA of the MACD over this many bars"),
        *STOPS,
    )
    periods = ("fast", "slow", "signal")
    constraints = ("fast < slow",)

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 0] >= genomes[:, 1], "`fast` must be below `slow`", genomes, where)

    def rule(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        from rayga.indicators._nb import macd_nb
        from rayga.strategies._nb_rules import line_cross_nb

        out = np.zeros(len(data.tf_close), dtype=np.int8)
        main, sig = macd_nb(data.tf_close, int(genome[0]), int(genome[1]), int(genome[2]))
        line_cross_nb(main, sig, out)
        return out

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        from rayga.strategies._nb_rules import macd_batch_nb

        if not len(genomes):
            return
        sl, tp = self._stop_columns(genomes)
        keys = [[("ema", int(f)), ("ema", int(w))] for f, w in genomes[:, :2]]  # each EMA once, kept
        with self._batch_rows(data, genomes, keys) as (table, rows, atr):
            macd_batch_nb(data.kernel_args(), table, rows, np.ascontiguousarray(genomes[:, 2].astype(np.int64)), sl, tp, *atr,
                          data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out)


RULE_STRATEGIES = (RSIReversion, BollingerBreakout, DonchianBreakout, MACDCross)


def row_values(data: SimData, key: tuple) -> np.ndarray:
    """One indicator row over the data's bars, named by its key (name, period)."""
    from rayga.indicators import _nb as ind

    name = key[0]
    if name == "zero":  # genomes without ATR stops
        return np.zeros(len(data.tf_close))
    p = int(key[1])
    if name == "atr":
        return ind.atr_nb(data.tf_high, data.tf_low, data.tf_close, p)
    if name in ("donchian_up", "donchian_down"):
        return ind.donchian_nb(data.tf_high, data.tf_low, p)[0 if name == "donchian_up" else 1]
    return {"rsi": ind.rsi_nb, "sma": ind.sma_nb, "std": ind.stddev_nb, "ema": ind.ema_nb}[name](data.tf_close, p)
