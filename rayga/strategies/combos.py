"""Multi-indicator built-in strategies: multi-momentum (8 inputs), adaptive mean reversion with
volatility-scaled thresholds (10 inputs), and a composite whose genes choose which indicator signals to
use and how to combine them (AND / OR / majority), so the GA evolves the logic as well as the numbers.

Each declares the indicator rows its batch shares (`rows`, each distinct one computed once and kept for
later batches) and its state rule (`_nb_rules`: decisions when the wanted side changes) on the public rule
API, run with the simulation per genome in the one batch kernel."""

from __future__ import annotations

import numpy as np

from rayga.strategies import _nb_rules as R
from rayga.strategies.base import Param
from rayga.strategies.rules import STOPS, RuleStrategy


class MultiMomentum(RuleStrategy):
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
    rows = {"roc_f": ("roc", "roc_fast"), "roc_s": ("roc", "roc_slow"), "rsi": ("rsi", "rsi_period"),
            "adx": ("adx", "adx_period")}
    rule = R.multi_momentum_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        self._fail(genomes[:, 0] >= genomes[:, 1], "`roc_fast` must be below `roc_slow`", genomes, where)


MA_METHODS = ("sma", "ema", "smma", "lwma")


class AdaptiveReversion(RuleStrategy):
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
    rows = {"ma": ("ma", "ma_period", "ma_method"), "atr": ("atr", "atr_period"),
            "atr_avg": ("atr_sma", "atr_period", "vol_lookback"), "rsi": ("rsi", "rsi_period")}
    rule = R.adaptive_reversion_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        m = genomes[:, 1]
        self._fail((m < 0) | (m > 3) | (m != np.round(m)), "`ma_method` must be 0, 1, 2 or 3", genomes, where)
        self._fail(genomes[:, 3] <= 0, "`band_mult` must be > 0", genomes, where)
        self._fail(genomes[:, 7] <= 0, "`vol_ratio_max` must be > 0", genomes, where)


COMBINE = ("and", "or", "majority")


class Composite(RuleStrategy):
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
    # a component still warming up, or not used, votes 0: no row holds the decisions back
    rows = {name: (*spec, {"warmup": False}) for name, spec in {
        "fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow"), "rsi": ("rsi", "rsi_period"),
        "bb_mid": ("sma", "bb_period"), "bb_sd": ("std", "bb_period"), "macd_main": ("macd_main", 12, 26, 9),
        "macd_signal": ("macd_signal", 12, 26, 9)}.items()}
    rule = R.composite_rule

    def check_more(self, genomes: np.ndarray, where: str) -> None:
        use = genomes[:, :4]
        self._fail(((use != 0) & (use != 1)).any(axis=1), "the `use_*` genes must be 0 or 1", genomes, where)
        self._fail(use.sum(axis=1) < 1, "at least one `use_*` gene must be 1", genomes, where)
        self._fail(~np.isin(genomes[:, 4], (0, 1, 2)), "`combine` must be 0 (AND), 1 (OR) or 2 (majority)",
                   genomes, where)
        self._fail(genomes[:, 5] >= genomes[:, 6], "`fast` must be below `slow`", genomes, where)
        self._fail(genomes[:, 10] <= 0, "`bb_dev` must be > 0", genomes, where)


COMBO_STRATEGIES = (MultiMomentum, AdaptiveReversion, Composite)
