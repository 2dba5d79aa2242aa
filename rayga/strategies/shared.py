"""Indicator rows a batch shares: what a strategy declares in `rows`, each distinct row computed once per
batch (and kept for later batches: `rayga.strategies.rows`), handed to every genome's rule by name in `p`.

    rows = {"fast_ma": ("sma", "fast"), "slow_ma": ("sma", "slow")}   # name -> (kind, its arguments)

An argument is a parameter's name (the genome's value) or a whole number. The kinds, all over the
timeframe bars (closes unless said otherwise), NaN during their warm-up as MT5 draws nothing:

| kind | arguments | the row |
|---|---|---|
| `sma`, `ema`, `smma`, `lwma` | period | MT5's moving averages of the close |
| `ma` | period, method | method 0 SMA, 1 EMA, 2 SMMA, 3 LWMA |
| `rsi`, `std`, `roc`, `momentum` | period | RSI (Wilder), standard deviation, rate of change, momentum |
| `cci` | period | the commodity channel index (high/low/close) |
| `atr`, `adx` | period | ATR and ADX's main line (high/low/close) |
| `donchian_upper`, `donchian_lower` | period | highest high / lowest low of the last `period` bars (bar k included) |
| `macd_main`, `macd_signal` | fast, slow, signal | MACD's main line and its signal (SMA of the main line) |
| `atr_sma` | atr period, period | the SMA of the ATR, from its first value |

A row declared in `rows` also guards the rule: a genome whose rule decides at a bar where one of its rows
is still warming up (NaN) stops the run with one line naming it. A row the rule reads only sometimes (a
vote it may leave out, the ATR of optional stops) is declared with `warmup=False`:
`{"atr": ("atr", "stop_atr_period", {"warmup": False})}`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from rayga.errors import ConfigError
from rayga.rules import Bars
from rayga.sim.prepared import SimData
from rayga.strategies.rows import indicator_table


def _close(fn: Callable) -> Callable:
    return lambda bars, *a: fn(bars.close, *a)


def _hlc(fn: Callable) -> Callable:
    return lambda bars, *a: fn(bars.high, bars.low, bars.close, *a)


def _kinds() -> dict[str, tuple[tuple[str, ...], Callable]]:
    from rayga.indicators import _nb as ind

    return {
        "sma": (("period",), _close(ind.sma_nb)),
        "ema": (("period",), _close(ind.ema_nb)),
        "smma": (("period",), _close(ind.smma_nb)),
        "lwma": (("period",), _close(ind.lwma_nb)),
        "ma": (("period", "method"), _close(ind.ma_nb)),
        "rsi": (("period",), _close(ind.rsi_nb)),
        "std": (("period",), _close(ind.stddev_nb)),
        "roc": (("period",), _close(ind.roc_nb)),
        "momentum": (("period",), _close(ind.momentum_nb)),
        "cci": (("period",), _hlc(ind.cci_nb)),
        "atr": (("period",), _hlc(ind.atr_nb)),
        "adx": (("period",), lambda bars, p: ind.adx_nb(bars.high, bars.low, bars.close, p)[0]),
        "donchian_upper": (("period",), lambda bars, p: ind.donchian_nb(bars.high, bars.low, p)[0]),
        "donchian_lower": (("period",), lambda bars, p: ind.donchian_nb(bars.high, bars.low, p)[1]),
        "macd_main": (("fast", "slow", "signal"), lambda bars, f, s, g: ind.macd_nb(bars.close, f, s, g)[0]),
        "macd_signal": (("fast", "slow", "signal"), lambda bars, f, s, g: ind.macd_nb(bars.close, f, s, g)[1]),
        "atr_sma": (("atr period", "period"), lambda bars, a, p: after_warmup_sma(_hlc(ind.atr_nb)(bars, a), p)),
    }


KIND_NAMES = ("sma", "ema", "smma", "lwma", "ma", "rsi", "std", "roc", "momentum", "cci", "atr", "adx",
              "donchian_upper", "donchian_lower", "macd_main", "macd_signal", "atr_sma")


def after_warmup_sma(x: np.ndarray, period: int) -> np.ndarray:
    """SMA of a series that starts with NaN (an indicator's warm-up): averaged from its first value."""
    from rayga.indicators._nb import sma_nb

    out = np.full(len(x), np.nan)
    valid = ~np.isnan(x)
    first = int(np.argmax(valid)) if valid.any() else len(x)
    if first < len(x):
        out[first:] = sma_nb(np.ascontiguousarray(x[first:]), period)
    return out


@dataclass(frozen=True)
class Row:
    """One declared row: its name in `p`, its kind, its arguments (parameter names or whole numbers) and
    whether a decision during its warm-up is an error."""

    name: str
    kind: str
    args: tuple[str | int, ...]
    warmup: bool = True

    def key(self, genome: np.ndarray, names: Sequence[str]) -> tuple:
        """The row's identity for a genome: (kind, argument values); equal keys are one row."""
        return (self.kind, *(int(genome[names.index(a)]) if isinstance(a, str) else a for a in self.args))


def declared_rows(cls: type, param_names: Sequence[str], where: str) -> tuple[Row, ...]:
    """The class's `rows` checked: one-line errors naming the class and what to write instead."""
    spec = getattr(cls, "rows", None) or {}
    if not isinstance(spec, dict):
        raise ConfigError(f"`rows` must be a dict name -> (kind, arguments...), e.g. {{\"fast_ma\": (\"sma\", "
                          f"\"fast\")}} {where}")
    out = []
    for name, value in spec.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or "__" in name:
            raise ConfigError(f"row name {name!r} must be a Python name (letters, digits, single underscores) {where}")
        if name in param_names:
            raise ConfigError(f"row name {name!r} is also a parameter's name; rename one of them {where}")
        value = tuple(value) if isinstance(value, tuple | list) else (value,)
        options = value[-1] if value and isinstance(value[-1], dict) else {}
        value = value[:-1] if options else value
        if not value or value[0] not in KIND_NAMES:
            got = value[0] if value else None
            raise ConfigError(f"row {name!r}: unknown kind {got!r}; kinds: {', '.join(KIND_NAMES)} {where}")
        kind, args = value[0], value[1:]
        wanted = _kinds()[kind][0]
        if len(args) != len(wanted):
            raise ConfigError(f"row {name!r}: {kind} takes {len(wanted)} argument(s) ({', '.join(wanted)}), got "
                              f"{len(args)} {where}")
        for a in args:
            if isinstance(a, str) and a not in param_names:
                raise ConfigError(f"row {name!r}: {a!r} is not one of the parameters ({', '.join(param_names)}) "
                                  f"{where}")
            if not isinstance(a, str) and not (isinstance(a, int | np.integer) and not isinstance(a, bool)):
                raise ConfigError(f"row {name!r}: arguments are parameter names or whole numbers (got {a!r}) {where}")
        if set(options) - {"warmup"}:
            raise ConfigError(f"row {name!r}: the only option is {{\"warmup\": False}} (got {options!r}) {where}")
        out.append(Row(name, kind, tuple(a if isinstance(a, str) else int(a) for a in args),
                       bool(options.get("warmup", True))))
    return tuple(out)


def make_row(bars: Bars, key: tuple) -> np.ndarray:
    """The values of one row over a rule's bars (`rayga.rules.Bars`)."""
    kind, args = key[0], key[1:]
    if kind == "ma" and args[1] not in (0, 1, 2, 3):
        raise ConfigError(f"an `ma` row's method must be 0, 1, 2 or 3 (got {args[1]})")
    bad = [a for a, what in zip(args, _kinds()[kind][0], strict=True) if what != "method" and a < 1]
    if bad:
        raise ConfigError(f"a {kind} row's periods must be >= 1 (got {bad[0]})")
    return np.asarray(_kinds()[kind][1](bars, *args), dtype=np.float64)


def _sma_rows(bars: Bars) -> Callable:
    def fill(missing: Sequence[tuple], matrix: np.ndarray, rows: np.ndarray) -> None:
        if all(key[0] == "sma" and key[1] >= 1 for key in missing):  # vectorbt's rolling mean, in parallel
            from rayga.strategies._nb_rows import sma_rows_nb

            sma_rows_nb(bars.close, np.array([key[1] for key in missing], dtype=np.int64), matrix, rows)
        else:
            for key, row in zip(missing, rows, strict=True):
                matrix[row] = make_row(bars, key)
    return fill


@contextmanager
def batch_rows(data: SimData, rows: tuple[Row, ...], genomes: np.ndarray,
               names: Sequence[str]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(matrix, genomes x rows index into it, genomes x rows first bar where the row has a value) for a
    batch; every distinct row computed once and kept for the batches that follow (a row's warm-up is a NaN
    prefix: the data has no NaN)."""
    n = len(data.tf_close)
    if not rows:
        yield np.empty((0, n)), np.empty((len(genomes), 0), dtype=np.int64), np.empty(0, dtype=np.int64)
        return
    keys = [row.key(g, names) for g in genomes for row in rows]
    bars = Bars(data.tf_open, data.tf_high, data.tf_low, data.tf_close, *([None] * (len(Bars._fields) - 4)))
    with indicator_table(data, keys, lambda key: make_row(bars, key), _sma_rows(bars)) as (matrix, idx):
        known = _first_known(data.tf_close)
        for key, i in zip(keys, idx.tolist(), strict=True):
            if key not in known:
                valid = ~np.isnan(matrix[i])
                known[key] = int(np.argmax(valid)) if valid.any() else n
        first = np.array([known[key] for key in keys], dtype=np.int64).reshape(len(genomes), len(rows))
        yield matrix, idx.reshape(len(genomes), len(rows)), first


_FIRST: dict[int, dict[tuple, int]] = {}  # id of the bars -> row key -> its first bar with a value


def _first_known(bars: np.ndarray) -> dict[tuple, int]:
    known = _FIRST.get(id(bars))
    if known is None:
        known = _FIRST[id(bars)] = {}
        weakref.finalize(bars, _FIRST.pop, id(bars), None)
    return known
