"""Run configuration: TOML in MT5 vocabulary, parsed into frozen, validated dataclasses.

Every error names the key, the table and the file, and says what is expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rayga.data.market import check_timeframe
from rayga.data.readers import FORMATS
from rayga.data.timezones import check_zone
from rayga.errors import ConfigError, DataError
from rayga.sim.account import AccountConfig

MODELLING = ("m1_ohlc", "open_prices")


def _where(table: str, file: str) -> str:
    return f"under [{table}] in {file}"


@dataclass(frozen=True)
class DataConfig:
    """[data]: which bars, from where, on which timeframe, over which dates."""

    symbol: str = "EURUSD"
    source: str = "synthetic"
    timeframe: str = "M15"
    modelling: str = "m1_ohlc"
    start: str | None = None
    end: str | None = None
    server_tz: str = "UTC"
    format: str = "auto"
    tz: str | None = None
    file: str = field(default="<defaults>", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = _where("data", self.file)
        for name in ("symbol", "source", "timeframe", "modelling", "server_tz", "format", "tz"):
            value = getattr(self, name)
            if not (isinstance(value, str) or (name == "tz" and value is None)):
                raise ConfigError(f"`{name}` must be text in quotes (got {value!r}); set it {where}")
        try:
            object.__setattr__(self, "timeframe", check_timeframe(self.timeframe))
            object.__setattr__(self, "server_tz", check_zone(self.server_tz))
            if self.tz is not None:
                check_zone(self.tz)
        except (ConfigError, DataError) as exc:
            raise ConfigError(f"{exc}; set it {where}") from None
        if self.modelling not in MODELLING:
            raise ConfigError(f"`modelling` must be one of {', '.join(MODELLING)} (got {self.modelling!r}); set it {where}")
        if self.format not in FORMATS:
            raise ConfigError(f"`format` must be one of {', '.join(FORMATS)} (got {self.format!r}); set it {where}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, dt.date):
                object.__setattr__(self, name, value.isoformat())
            elif value is not None and not isinstance(value, str):
                raise ConfigError(f"`{name}` must be a date like 2020-01-01 (got {value!r}); set it {where}")
        stamps = {}
        for name in ("start", "end"):
            try:
                stamps[name] = pd.Timestamp(getattr(self, name)) if getattr(self, name) else None
            except (ValueError, TypeError):
                raise ConfigError(f"`{name}` must be a date like 2020-01-01 (got {getattr(self, name)!r}); "
                                  f"set it {where}") from None
        if stamps["start"] is not None and stamps["end"] is not None and stamps["end"] <= stamps["start"]:
            raise ConfigError(f"`end` ({self.end}) must be after `start` ({self.start}); set them {where}")


FORWARD_FRACTIONS = {"1/2": 2, "1/3": 3, "1/4": 4}  # MT5's forward periods: the last half, third or quarter


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


CRITERIA = {  # MT5 optimization criterion -> (metric, maximize)
    "balance": ("profit", True), "profit_factor": ("profit_factor", True),
    "expected_payoff": ("expected_payoff", True), "drawdown": ("balance_dd_rel_pct", False),
    "recovery": ("recovery_factor", True), "sharpe": ("sharpe_ratio", True), "complex": ("complex_criterion", True),
}


@dataclass(frozen=True)
class StrategyConfig:
    """[strategy] name and [strategy.params]: name = value, or name = {start, step, stop[, value]}."""

    name: str = "ma_cross"
    params: dict[str, Any] = field(default_factory=dict)
    set_file: str | None = None  # an MT5 .set file: its inputs named like the strategy's parameters
    file: str = field(default="<defaults>", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"under [strategy.params] in {self.file}"
        if self.set_file is not None and not isinstance(self.set_file, str):
            raise ConfigError(f"`set_file` must be a path in quotes (got {self.set_file!r}); set it under [strategy] "
                              f"in {self.file}")
        from rayga.sim.enums import METRICS

        for key, value in self.params.items():
            if key in METRICS:
                raise ConfigError(f"parameter `{key}` has a metric's name; rename it {where}")
            if isinstance(value, dict):
                extra = set(value) - {"start", "step", "stop", "value"}
                if extra or not {"start", "stop"} <= set(value):
                    raise ConfigError(f"`{key}` must be a number or {{start, step, stop}} (got {value!r}); set it {where}")
                for part, v in value.items():
                    if isinstance(v, bool) or not isinstance(v, int | float):
                        raise ConfigError(f"`{key}.{part}` must be a number (got {v!r}) {where}")
                from rayga.ga.space import range_values

                range_values(key, value["start"], value.get("step", 0), value["stop"], where=where)
            elif isinstance(value, list):
                if not value or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
                    raise ConfigError(f"`{key}` must list numbers (got {value!r}); set it {where}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"`{key}` must be a number, a list of numbers or {{start, step, stop}} "
                                  f"(got {value!r}); set it {where}")

    @property
    def label(self) -> str:
        """The strategy's name for folder names: a user's `path/file.py:Class` gives `Class`."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.name.rpartition(":")[2])

    def single_values(self) -> dict[str, float]:
        """The value each parameter takes in a single backtest (`value`, else `start` of a range)."""
        def one(v: Any) -> float:
            return float(v.get("value", v["start"]) if isinstance(v, dict) else (v[0] if isinstance(v, list) else v))

        return {k: one(v) for k, v in self.params.items()}


@dataclass(frozen=True)
class OptimizationConfig:
    """[optimization]: search mode, criterion, seed, forward period and the evaluation engine."""

    mode: str = "genetic"
    criterion: str = "complex"
    seed: int = 1
    forward: str | None = None
    engine: str = "numba"
    complete_budget: int = 100_000  # mode = "auto": complete search up to this many combinations
    population: int | None = None  # None: from the number of combinations (rayga.ga.space)
    constraints: tuple[str, ...] = ()  # e.g. ["tp_points >= sl_points"], on top of the strategy's own
    objectives: tuple[str, ...] = ()  # multi-objective (NSGA-II), e.g. ["max profit", "min equity_dd_rel_pct"]
    file: str = field(default="<defaults>", compare=False, repr=False)

    def objective_terms(self) -> tuple[tuple[str, bool], ...]:
        """(metric, maximize) per objective."""
        return tuple((o.split()[1], o.split()[0] == "max") for o in self.objectives)

    def __post_init__(self) -> None:
        where = f"under [optimization] in {self.file}"
        choices = {"mode": ("genetic", "complete", "auto"), "criterion": tuple(CRITERIA), "engine": ("numba", "vectorbt")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                hint = difflib.get_close_matches(str(getattr(self, name)), allowed, n=1)
                also = f"; did you mean \"{hint[0]}\"?" if hint else ""
                raise ConfigError(f"`{name}` must be one of {', '.join(allowed)} (got {getattr(self, name)!r}){also}; "
                                  f"set it {where}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"`seed` must be a whole number (got {self.seed!r}); set it {where}")
        for name in ("complete_budget", "population"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise ConfigError(f"`{name}` must be a whole number >= 1 (got {v!r}); set it {where}")
        if isinstance(self.constraints, str) or not all(isinstance(c, str) for c in self.constraints):
            raise ConfigError(f"`constraints` must be a list of expressions like [\"fast < slow\"]; set it {where}")
        object.__setattr__(self, "constraints", tuple(self.constraints))
        from rayga.sim.enums import METRICS

        if isinstance(self.objectives, str) or not all(isinstance(o, str) for o in self.objectives):
            raise ConfigError(f"`objectives` must be a list like [\"max profit\", \"min equity_dd_rel_pct\"]; "
                              f"set it {where}")
        for o in self.objectives:
            parts = o.split()
            if len(parts) != 2 or parts[0] not in ("max", "min") or parts[1] not in METRICS:
                hint = difflib.get_close_matches(parts[-1] if parts else "", METRICS, n=1)
                also = f"; did you mean \"{parts[0] if parts else 'max'} {hint[0]}\"?" if hint else ""
                raise ConfigError(f"objective {o!r} must be \"max METRIC\" or \"min METRIC\" with a metric name "
                                  f"such as profit or equity_dd_rel_pct{also}; set it {where}")
        if len(self.objectives) == 1:
            raise ConfigError(f"`objectives` needs two or more (one objective is a `criterion`); set it {where}")
        object.__setattr__(self, "objectives", tuple(self.objectives))
        if self.forward is not None:
            if isinstance(self.forward, dt.date):
                object.__setattr__(self, "forward", self.forward.isoformat())
            ok = isinstance(self.forward, str) and (self.forward in FORWARD_FRACTIONS or _is_date(self.forward))
            if not ok:
                raise ConfigError(f"`forward` must be \"1/2\", \"1/3\", \"1/4\" or a forward start date like "
                                  f"2023-01-01 (got {self.forward!r}); set it {where}")


PERIOD_UNITS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}


def parse_period(text: str, name: str, where: str) -> pd.DateOffset:
    """"12M", "90D", "2W", "1Y" as a calendar offset."""
    t = str(text).strip().upper()
    if len(t) >= 2 and t[:-1].isdigit() and int(t[:-1]) > 0 and t[-1] in PERIOD_UNITS:
        return pd.DateOffset(**{PERIOD_UNITS[t[-1]]: int(t[:-1])})
    raise ConfigError(f"`{name}` must be a period like \"12M\", \"90D\", \"2W\" or \"1Y\" (got {text!r}); set it {where}")


@dataclass(frozen=True)
class WalkForwardConfig:
    """[walkforward]: each window optimizes on `train` and tests the chosen pass on the next `test`;
    rolling windows move by `test`, anchored ones keep the first start."""

    train: str = "12M"
    test: str = "3M"
    anchored: bool = False
    file: str = field(default="<defaults>", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"under [walkforward] in {self.file}"
        parse_period(self.train, "train", where)
        parse_period(self.test, "test", where)
        if not isinstance(self.anchored, bool):
            raise ConfigError(f"`anchored` must be true or false (got {self.anchored!r}); set it {where}")

    def windows(self, start: str | None, end: str | None, file: str) -> list[tuple[str, str, str]]:
        """(train start, train end = test start, test end) per window, in dates, inside [start, end)."""
        if start is None or end is None:
            raise ConfigError(f"a walk-forward needs the date range: set `start` and `end` under [data] in {file}")
        where = f"under [walkforward] in {self.file}"
        train, test = parse_period(self.train, "train", where), parse_period(self.test, "test", where)
        t0, t_end = pd.Timestamp(start[:10]), pd.Timestamp(end[:10])
        out = []
        i = 0
        while True:
            first = t0 if self.anchored else t0 + test * i
            cut = t0 + train + test * i
            if cut >= t_end:
                break
            out.append((first.date().isoformat(), cut.date().isoformat(), min(cut + test, t_end).date().isoformat()))
            i += 1
        if not out:
            raise ConfigError(f"no walk-forward window fits {start} .. {end} with train = \"{self.train}\" and "
                              f"test = \"{self.test}\": shorten them {where} or widen the dates under [data]")
        return out


@dataclass(frozen=True)
class Config:
    """A whole run configuration. Sections not yet known to this version are kept raw in `extra`."""

    data: DataConfig = field(default_factory=DataConfig)
    symbol: dict[str, Any] = field(default_factory=dict)
    account: AccountConfig = field(default_factory=AccountConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    optimization: OptimizationConfig = field(default_factory=OptimizationConfig)
    walkforward: WalkForwardConfig = field(default_factory=WalkForwardConfig)
    extra: dict[str, Any] = field(default_factory=dict)
    file: str = "<defaults>"
    sweep: tuple[tuple[str, str, tuple], ...] = ()  # (section, key, values): several optimizations at once

    def variants(self) -> list[Config]:
        """One config per combination of swept values (e.g. `lots = [1, 10, 100]`), each validated."""
        configs = [dataclasses.replace(self, sweep=())]
        for section, key, values in self.sweep:
            configs = [dataclasses.replace(c, sweep=(*c.sweep, (section, key, (v,))),
                                           **{section: dataclasses.replace(getattr(c, section), **{key: v})})
                       for c in configs for v in values]
        return configs

    def label(self) -> str:
        """`lots=10 seed=2` for a variant of a sweep (empty without a sweep)."""
        return " ".join(f"{key}={getattr(getattr(self, section), key)}" for section, key, _ in self.sweep)

    def forward_split(self) -> str | None:
        """The forward period's first day (MT5: the forward part is always the last part of the date
        range; "1/4" = its last quarter, in whole days), or None without a forward period."""
        fwd = self.optimization.forward
        if fwd is None:
            return None
        d = self.data
        where = f"under [data] in {self.file}"
        if d.start is None or d.end is None:
            raise ConfigError(f"forward = \"{fwd}\" needs the date range: set `start` and `end` {where}")
        start, end = dt.date.fromisoformat(d.start[:10]), dt.date.fromisoformat(d.end[:10])
        if fwd in FORWARD_FRACTIONS:
            split = end - dt.timedelta(days=(end - start).days // FORWARD_FRACTIONS[fwd])
        else:
            split = dt.date.fromisoformat(fwd)
        if not start < split < end:
            raise ConfigError(f"the forward period must start inside the date range {d.start} .. {d.end} "
                              f"(got {split}); set `forward` under [optimization] in {self.file}")
        return split.isoformat()

    def period(self, part: str) -> Config:
        """This config over its back ("back": the optimization's) or forward ("forward") period."""
        split = self.forward_split()
        if split is None:
            return self
        dates = {"end": split} if part == "back" else {"start": split}
        return dataclasses.replace(self, data=dataclasses.replace(self.data, **dates))


# Keys that take a list to run several optimizations at once over the same evaluators.
SWEEPABLE = (("account", "lots"), ("optimization", "seed"))


def split_sweep(raw: dict[str, Any], file: str) -> tuple[dict[str, Any], tuple[tuple[str, str, tuple], ...]]:
    """Replace each swept list by its first value (validated with the section) and return the sweep."""
    raw = {k: dict(v) if isinstance(v, dict) else v for k, v in raw.items()}
    sweep = []
    for section, key in SWEEPABLE:
        table = raw.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), list):
            values = tuple(table[key])
            if not values or len(set(values)) != len(values):
                raise ConfigError(f"`{key}` must be a value or a list of distinct values (got {table[key]!r}); "
                                  f"set it {_where(section, file)}")
            table[key] = values[0]
            sweep.append((section, key, values))
    return raw, tuple(sweep)


_SECTIONS = {"data": DataConfig, "account": AccountConfig, "strategy": StrategyConfig,
             "optimization": OptimizationConfig, "walkforward": WalkForwardConfig}
_OPEN_SECTIONS = ("symbol", "tester", "report")


def _build(cls: type, table: str, raw: Any, file: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{table}] must be a table in {file}")
    names = [f.name for f in dataclasses.fields(cls) if f.name != "file"]
    for key in raw:
        if key not in names:
            hint = difflib.get_close_matches(key, names, n=1)
            also = f"; did you mean `{hint[0]}`?" if hint else f"; known keys: {', '.join(names)}"
            raise ConfigError(f"unknown key `{key}` {_where(table, file)}{also}")
    try:
        return cls(**raw, file=file)
    except TypeError as exc:
        raise ConfigError(f"{exc} {_where(table, file)}") from None


def parse_config(raw: dict[str, Any], file: str = "<config>") -> Config:
    """Validate a parsed TOML document."""
    raw, sweep = split_sweep(raw, file)
    for key in raw:
        if key not in _SECTIONS and key not in _OPEN_SECTIONS:
            known = [*_SECTIONS, *_OPEN_SECTIONS]
            hint = difflib.get_close_matches(key, known, n=1)
            raise ConfigError(f"unknown table [{key}] in {file}" + (f"; did you mean [{hint[0]}]?" if hint else ""))
    built = {name: _build(cls, name, raw.get(name, {}), file) for name, cls in _SECTIONS.items()}
    symbol = raw.get("symbol", {})
    if not isinstance(symbol, dict):
        raise ConfigError(f"[symbol] must be a table in {file}")
    extra = {k: v for k, v in raw.items() if k not in (*_SECTIONS, "symbol")}
    config = Config(**built, symbol=dict(symbol), extra=extra, file=file, sweep=sweep)
    config.variants()  # every swept value is validated now
    return config


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config; `None` gives the embedded default (synthetic data)."""
    if path is None:
        return Config()  # the embedded default: synthetic data, MA cross, 1 lot on 100,000 USD at 1:100
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the config as UTF-8") from None
    return with_data_source(parse_config(raw, str(path)), path.resolve().parent)


def with_data_source(config: Config, relative_to: Path) -> Config:
    """Resolve a relative `source` against the config file's folder, as users expect."""
    src = config.data.source
    if src != "synthetic" and not Path(src).expanduser().is_absolute():
        source = str((relative_to / src).resolve())
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, source=source))
    name = config.strategy.name
    path, sep, cls = name.rpartition(":")
    if sep and path.endswith(".py") and not Path(path).expanduser().is_absolute():
        config = dataclasses.replace(config, strategy=dataclasses.replace(
            config.strategy, name=f"{(relative_to / path).resolve()}:{cls}"))
    sf = config.strategy.set_file
    if sf is not None and not Path(sf).expanduser().is_absolute():
        config = dataclasses.replace(config, strategy=dataclasses.replace(config.strategy,
                                                                          set_file=str((relative_to / sf).resolve())))
    return config
