"""A finished (or stopped) optimization read back from its run folder: its results table, and any of
its passes re-run with deals, equity curve and a `vectorbt.Portfolio` (`open_run(path).portfolio(pass)`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.config import CRITERIA, Config, DataConfig, OptimizationConfig, StrategyConfig
from rayga.data.market import MarketData
from rayga.errors import ConfigError
from rayga.sim import _nb_state as S
from rayga.sim.account import AccountConfig
from rayga.sim.engine import BacktestResult, backtest


@dataclass
class Run:
    """One run folder of `rayga optimize` (see `open_run`)."""

    path: Path
    settings: dict
    summary: dict | None
    market_data: MarketData | None = field(default=None, repr=False)  # the run's bars, if already loaded
    _prepared: tuple | None = field(default=None, repr=False)

    @property
    def params(self) -> list[str]:
        return list(self.settings["space"]["order"])

    @property
    def criterion(self) -> tuple[str, str, bool]:
        """(criterion as configured, metric, maximize); multi-objective runs rank by their first objective."""
        objectives = self.settings["optimization"].get("objectives") or []
        if objectives:
            first = objectives[0]
            return first, first.split()[1], first.startswith("max")
        name = self.settings["optimization"]["criterion"]
        return (name, *CRITERIA[name])

    @cached_property
    def results(self) -> pd.DataFrame:
        """Every pass (results.parquet; for a run still going or stopped, its stored batches so far)."""
        from rayga.runs import BATCHES, RESULTS, sorted_results

        f = self.path / RESULTS
        if f.is_file():
            return pd.read_parquet(f)
        files = sorted((self.path / BATCHES).glob("*.parquet"))
        if not files:
            raise ConfigError(f"{self.path}: no passes stored yet; wait for the first batch of rayga optimize")
        frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True).drop_duplicates("pass")
        return sorted_results(frame, self.criterion[1])

    @property
    def best_pass(self) -> str:
        _, metric, maximize = self.criterion
        r = self.results
        return str(r.at[r[metric].idxmax() if maximize else r[metric].idxmin(), "pass"])

    def config(self, part: str = "back") -> Config:
        """The run's data, symbol and account (the config it was made from, as far as passes need it),
        over the period its passes were optimized on ("back") or its forward period ("forward")."""
        s = self.settings
        data = {k: v for k, v in s["data"].items() if k != "file"}
        account = {k: v for k, v in s["account"].items() if k != "file"}
        where = str(self.path / "settings.json")
        config = Config(data=DataConfig(**data, file=where), symbol=dict(s.get("symbol") or {}),
                        account=AccountConfig(**account, file=where),
                        # the parameters by name only (each pass has its values: `values`), so that `strategy_for`
                        # adds the management genes the run has
                        strategy=StrategyConfig(name=s["strategy"], params=dict.fromkeys(
                            [*s["space"]["fixed"], *self.params], 0.0), file=where),
                        optimization=OptimizationConfig(forward=s["optimization"].get("forward"), file=where),
                        file=where)
        return config.period(part)

    def row(self, pass_id: int | str) -> pd.Series:
        r = self.results
        hit = r.loc[r["pass"].astype(str) == str(pass_id)]
        if hit.empty:
            raise ConfigError(f"{self.path.name}: no pass {pass_id} in its {len(r):,} passes; `rayga results "
                              f"{self.path}` lists them")
        return hit.iloc[0]

    def values(self, pass_id: int | str) -> dict[str, float]:
        """Every strategy parameter of a pass (optimized and fixed)."""
        row = self.row(pass_id)
        return {**{k: float(v) for k, v in self.settings["space"]["fixed"].items()},
                **{n: float(row[n]) for n in self.params}}

    def market(self) -> tuple:
        """(MarketData, SimData) of the run, loaded once."""
        if self._prepared is None:
            from rayga.runner import load_data
            from rayga.sim.prepared import prepare

            config = self.config()
            md = self.market_data or load_data(config)
            self._prepared = (md, prepare(md, config.account, config.data.modelling))
        return self._prepared

    def model_change(self) -> str | None:
        """What this rayga would compute differently for the run's passes (its engine, its strategy's
        source), or None. The stored results are read either way."""
        from rayga.strategies.registry import get_strategy
        from rayga.versions import model_change

        return model_change(self.settings.get("model"), get_strategy(self.settings["strategy"]), search=False)

    def backtest(self, pass_id: int | str) -> BacktestResult:
        """Re-run one pass: its metrics (equal to the stored ones), deals and equity curve."""
        from rayga.strategies.registry import strategy_for

        change = self.model_change()
        if change:
            raise ConfigError(f"{self.path.name}: its passes come from {change}, so pass {pass_id} cannot be re-run "
                              f"as it was; run its config again (a new run folder: this one stays readable), or "
                              f"with --fresh")
        config = self.config()
        strategy = strategy_for(config)
        md, data = self.market()
        genome = strategy.genome(self.values(pass_id), f"pass {pass_id} of {self.path.name}")
        return backtest(md, strategy, genome, config.account, data)

    def portfolio(self, pass_id: int | str | None = None):  # noqa: ANN201 - vectorbt.Portfolio
        """The `vectorbt.Portfolio` of a pass (default: the best) for `stats()`, trades and plots."""
        from rayga.reports.portfolio import pass_portfolio

        pass_id = self.best_pass if pass_id is None else pass_id
        md, data = self.market()
        return pass_portfolio(md, data, self.backtest(pass_id), self.config().account)


def open_run(path: str | Path) -> Run:
    """A run folder of `rayga optimize` (the folder with settings.json in it)."""
    from rayga.runs import SETTINGS, SUMMARY

    path = Path(path).expanduser()
    if not (path / SETTINGS).is_file():
        inside = sorted(p for p in path.glob(f"*/{SETTINGS}")) if path.is_dir() else []
        hint = f"; runs in it: {', '.join(p.parent.name for p in inside[:3])}" if inside else ""
        raise ConfigError(f"{path}: not a rayga run folder (no {SETTINGS}){hint}")
    settings = json.loads((path / SETTINGS).read_text())
    summary = json.loads((path / SUMMARY).read_text()) if (path / SUMMARY).is_file() else None
    return Run(path, settings, summary)


def equity_frame(data, result: BacktestResult) -> pd.DataFrame:  # noqa: ANN001 - SimData
    """Equity, balance and equity drawdown (money and %) at each timeframe bar's close."""
    time = pd.DatetimeIndex(data.m1_time[data.m1_start].view("datetime64[ns]"), tz="UTC", name="time")
    equity = result.equity
    deals = result.deals
    balance = np.full(len(equity), np.nan)
    if len(deals):
        bar = np.searchsorted(data.m1_start, deals["m1_index"].to_numpy(), side="right") - 1
        balance[bar] = deals["balance"].to_numpy()  # the last deal of a bar wins
    start = data.acct[S.A_DEPOSIT]
    balance = pd.Series(balance).ffill().fillna(start).to_numpy()
    peak = np.maximum.accumulate(np.maximum(equity, start))
    return pd.DataFrame({"equity": equity, "balance": balance, "drawdown": peak - equity,
                         "drawdown_pct": (peak - equity) / peak * 100}, index=time)
