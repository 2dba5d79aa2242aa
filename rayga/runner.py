"""Single backtests as the CLI runs them: config -> data -> one pass -> metrics, deals and warnings."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rayga.config import _SECTIONS, Config, split_sweep
from rayga.data.load import load_market_data
from rayga.data.market import MarketData
from rayga.errors import ConfigError
from rayga.sim.engine import BacktestResult, backtest
from rayga.sim.prepared import SimData, prepare
from rayga.strategies.registry import strategy_for


def apply_sets(config: Config, sets: list[str]) -> Config:
    """`--set name=value`: a strategy parameter, or `section.key=value` for [data]/[account]/[optimization]."""
    params = dict(config.strategy.params)
    sections: dict[str, dict] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--set {item!r}: expected name=value, e.g. --set fast=12 or --set account.lots=10")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        if "." in name:
            section, key = name.split(".", 1)
            if section == "strategy":
                raise ConfigError(f"--set {item!r}: set strategy parameters by name (--set fast=12); choose the "
                                  f"strategy itself under [strategy] in the config")
            if section not in _SECTIONS:
                raise ConfigError(f"--set {item!r}: unknown section {section!r}; use data, account or optimization")
            sections.setdefault(section, {})[key] = value
        else:
            params[name] = value
    updates = {"strategy": dataclasses.replace(config.strategy, params=params)}
    raw_sweep, sweep = split_sweep(sections, config.file)
    sections = raw_sweep
    kept = tuple(s for s in config.sweep if (s[0], s[1]) not in {(a, b) for a, b, _ in sweep}
                 and s[1] not in sections.get(s[0], {}))
    updates["sweep"] = kept + sweep
    for section, values in sections.items():
        current = getattr(config, section)
        names = {f.name for f in dataclasses.fields(current)}
        for key in values:
            if key not in names:
                raise ConfigError(f"--set {section}.{key}: [{section}] has no key `{key}`")
        updates[section] = dataclasses.replace(current, **values)
    config = dataclasses.replace(config, **updates)
    config.variants()  # every swept value is validated now
    return config


def load_data(config: Config) -> MarketData:
    d = config.data
    return load_market_data(d.source, d.symbol, d.start, d.end, d.timeframe, d.server_tz, config.symbol, d.format, d.tz)


@dataclass(frozen=True)
class BacktestRun:
    config: Config
    market: MarketData
    genome: dict[str, float]
    result: BacktestResult
    seconds: float
    warnings: tuple[str, ...]
    data: SimData | None = None  # the prepared arrays the pass ran on


def margin_warning(md: MarketData, config: Config, metrics: dict[str, float]) -> str | None:
    """The no-money warning MT5 users need: how much margin one entry needs versus the deposit."""
    if metrics["no_money"] <= 0:
        return None
    acct = config.account
    price = float(np.median(md.m1.close))
    need = acct.margin_needed(md.symbol, price)
    return (f"{int(metrics['no_money'])} entries rejected for lack of free margin (MT5 retcode 10019 NO_MONEY): "
            f"{acct.lots:g} lots of {md.symbol.name} need about {need:,.0f} {acct.currency} margin at 1:{acct.leverage:g} "
            f"(price {price:.{md.symbol.digits}f}); deposit {acct.deposit:,.0f} {acct.currency}")


def run_backtest(config: Config) -> BacktestRun:
    if config.optimization.engine != "numba":
        raise ConfigError(f"a single backtest runs the fused engine (it keeps the deals); engine = "
                          f"\"{config.optimization.engine}\" applies to batch evaluation: set engine = \"numba\" "
                          f"under [optimization] in {config.file} for `rayga backtest`")
    strategy = strategy_for(config)
    values = config.strategy.single_values()
    genome = strategy.genome(values, f"set them under [strategy.params] in {config.file}")
    t0 = time.perf_counter()
    md = load_data(config)
    data = prepare(md, config.account, config.data.modelling)
    result = backtest(md, strategy, genome, config.account, data)
    seconds = time.perf_counter() - t0
    warnings = tuple(w for w in [margin_warning(md, config, result.metrics)] if w)
    return BacktestRun(config, md, dict(zip(strategy.param_names, genome.tolist(), strict=True)), result,
                       seconds, warnings, data)


def write_deals(run: BacktestRun, out_dir: Path) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir}: is a file; give a folder for deals.csv")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "deals.csv"
    tmp = path.with_suffix(".csv.tmp")
    run.result.deals.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def write_report(run: BacktestRun, out_dir: Path) -> Path:
    """report.html beside deals.csv: the pass's figures, equity and drawdown, deals on the price chart."""
    from rayga.reports.html import write_pass_report

    acct = run.config.account
    facts = {"data": run.market.label, "strategy": run.config.strategy.name,
             "parameters": ", ".join(f"{k}={v:g}" for k, v in run.genome.items()),
             "account": f"{acct.deposit:,.0f} {acct.currency}, 1:{acct.leverage:g}, {acct.lots:g} lots",
             "modelling": run.config.data.modelling}
    return write_pass_report(run.market, run.data, run.result, f"rayga backtest: {run.config.strategy.name} on "
                             f"{run.market.symbol.name} {run.market.timeframe}", facts, out_dir / "report.html",
                             run.warnings)


def as_json(run: BacktestRun, deals_path: Path | None, report: Path | None = None) -> str:
    return json.dumps({
        "data": run.market.label, "synthetic": run.market.synthetic, "strategy": run.config.strategy.name,
        "params": run.genome, "metrics": run.result.metrics, "warnings": list(run.warnings),
        "deals_csv": str(deals_path) if deals_path else None,
        "report": str(report) if report else None, "seconds": round(run.seconds, 3),
    }, indent=2)


def as_text(run: BacktestRun, deals_path: Path | None, report: Path | None = None) -> str:
    lines = []
    if run.market.synthetic:
        lines.append(f"data: {run.market.source}")
    lines.append(f"market data: {run.market.label}")
    lines.append(f"strategy: {run.config.strategy.name} " + " ".join(f"{k}={v:g}" for k, v in run.genome.items()))
    acct = run.config.account
    lines.append(f"account: {acct.deposit:,.0f} {acct.currency}, 1:{acct.leverage:g}, {acct.lots:g} lots, "
                 f"modelling {run.config.data.modelling}, stops {acct.stop_mode}/{acct.stop_fill}")
    width = max(len(k) for k in run.result.metrics)
    for name, value in run.result.metrics.items():
        text = f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:,.2f}"
        lines.append(f"  {name:<{width}}  {text}")
    if deals_path:
        lines.append(f"deals: {deals_path} ({len(run.result.deals)} deals)")
    if report:
        lines.append(f"report: {report}")
    lines.append(f"time: {run.seconds:.2f} s")
    return "\n".join(lines)


def default_out_dir(run_config: Config) -> Path:
    stamp = pd.Timestamp.now().strftime("%Y%m%d-%H%M%S")
    return Path("rayga_runs") / f"backtest-{run_config.data.symbol}-{run_config.data.timeframe}-{stamp}"
