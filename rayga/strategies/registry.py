"""Strategies by name: the built-ins, or a user's strategy class named `module:Class` or `path.py:Class`."""

from __future__ import annotations

import difflib

from rayga.errors import ConfigError
from rayga.strategies.base import Strategy
from rayga.strategies.combos import COMBO_STRATEGIES
from rayga.strategies.ma_cross import MACross
from rayga.strategies.rules import RULE_STRATEGIES

BUILT_IN: dict[str, type[Strategy]] = {cls.name: cls for cls in (MACross, *RULE_STRATEGIES, *COMBO_STRATEGIES)}


def get_strategy(name: str) -> Strategy:
    if ":" in name:
        from rayga.strategies.user import load_user_strategy

        return load_user_strategy(name)
    if name not in BUILT_IN:
        hint = difflib.get_close_matches(name, list(BUILT_IN), n=1)
        also = f"; did you mean \"{hint[0]}\"?" if hint else ""
        raise ConfigError(f"unknown strategy {name!r}{also}; built-in strategies: {', '.join(BUILT_IN)}; or your own "
                          f"as \"my_strategies.py:MyStrategy\"")
    return BUILT_IN[name]()


def strategy_for(config) -> Strategy:  # noqa: ANN001 - a rayga.config.Config
    """The config's strategy with the management genes it names (under [strategy.params] or, through the
    strategy's `set_inputs`, in its MT5 .set file) among its parameters (`rayga.sim.manage`)."""
    from rayga.sim.manage import NAMES

    strategy = get_strategy(config.strategy.name)
    named = set(config.strategy.params)
    if config.strategy.set_file:
        from rayga.reports.setfile import read_set

        inputs = getattr(strategy, "set_inputs", {})
        named |= {inputs.get(k, k) for k in read_set(config.strategy.set_file).params()}
    wanted = named & set(NAMES)
    return strategy.with_management(wanted) if wanted and hasattr(strategy, "with_management") else strategy
