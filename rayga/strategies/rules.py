"""Built-in indicator strategies: RSI mean reversion, Bollinger breakout, Donchian breakout, MACD signal
cross. Each declares its MT5-style inputs and the indicator rows its batch shares (`rows`), and gives its
rule (`_nb_rules`) on the public rule API: the one batch kernel runs it and the simulation per genome."""

from __future__ import annotations

import numpy as np

from rayga.errors import ConfigError
from rayga.strategies import _nb_rules as R
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy

STOPS = (
    Param("sl_points", "float", 300, 0, 100, 1000, "stop loss in points from the entry price; 0 = none"),
    Param("tp_points", "float", 600, 0, 100, 2000, "take profit in points from the entry price; 0 = none"),
    Param("sl_atr", "float", 0, 0, 0.5, 4, "stop loss in ATRs of the decision bar (replaces sl_points when > 0)"),
    Param("tp_atr", "float", 0, 0, 0.5, 8, "take profit in ATRs of the decision bar (replaces tp_points when > 0)"),
    Param("stop_atr_period", "int", 14, 7, 7, 28, "ATR period of the ATR-scaled stops"),
)
STOP_ROWS = {"stop_atr": ("atr", "stop_atr_period", {"warmup": False})}  # read only by ATR-scaled stops


class RuleStrategy(UserStrategy):
    """Shared checks: whole-number periods >= 1 and non-negative stops; subclasses add their own."""

    periods: tuple[str, ...] = ()

    def __init_subclass__(cls, **kw) -> None:  # noqa: ANN003
        super().__init_subclass__(**kw)
        cls.periods = (*cls.periods, "stop_atr_period")
        cls.rows = {**cls.rows, **STOP_ROWS}

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
    rows = {"rsi": ("rsi", "period")}
    rule = R.rsi_reversion_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 1] >= genomes[:, 2], "`lower` must be below `upper`", genomes, where)


class BollingerBreakout(RuleStrategy):
    name = "bollinger_breakout"
    params = (
        Param("period", "int", 20, 10, 5, 50, "Bollinger Bands period (timeframe bars)"),
        Param("deviation", "float", 2.0, 1.0, 0.25, 3.0, "band width in standard deviations"),
        *STOPS,
    )
    periods = ("period",)
    rows = {"mid": ("sma", "period"), "sd": ("std", "period")}
    rule = R.bollinger_breakout_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 1] <= 0, "`deviation` must be > 0", genomes, where)


class DonchianBreakout(RuleStrategy):
    name = "donchian_breakout"
    params = (
        Param("period", "int", 20, 10, 10, 100, "channel period: the bars before the decision bar"),
        *STOPS,
    )
    periods = ("period",)
    rows = {"upper": ("donchian_upper", "period"), "lower": ("donchian_lower", "period")}
    rule = R.donchian_breakout_rule


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
    rows = {"fast_ema": ("ema", "fast"), "slow_ema": ("ema", "slow")}  # each EMA once per batch, kept
    rule = R.macd_cross_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 0] >= genomes[:, 1], "`fast` must be below `slow`", genomes, where)


RULE_STRATEGIES = (RSIReversion, BollingerBreakout, DonchianBreakout, MACDCross)
