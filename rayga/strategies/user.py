"""Users' own strategies: a class in the user's Python file or module, named in the config as
`path/to/file.py:Class` or `package.module:Class`.

The class subclasses `UserStrategy`, declares its inputs once (`params`, MT5 start/step/stop) and gives
its decision rule as a Numba function over arrays:

    @njit(cache=True)
    def signal(open_, high, low, close, p):   # timeframe bars (float64), p = the genome's values
        ...                                   # -> int8 array: +1 buy, -1 sell, 0 nothing, per bar

Everything is checked when the strategy is loaded, before any Ray work: the class, its parameters, that
`signal` is a Numba function that compiles and returns one int8 decision per bar in {-1, 0, 1}. The
module travels to Ray's workers inside the pickled strategy (by value), so remote nodes need no copy of
the file.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

from rayga.errors import ConfigError, StrategyError
from rayga.sim import _nb_state as S
from rayga.sim.enums import DEAL_DTYPE, DECISIONS, STOPS_VECTORBT
from rayga.sim.manage import batch_inputs, kernel_inputs, management_params
from rayga.sim.prepared import SimData
from rayga.strategies.base import Param, Strategy


class UserStrategy(Strategy):
    """Base of a strategy with a compiled rule (every built-in is one): set `name`, `params` and its rule,
    and optionally `rows` (indicator rows a batch shares, read in the rule as `p.<name>`:
    `rayga.strategies.shared`), `sl_param` / `tp_param` (the inputs holding SL/TP in points) and
    `timeframes` (higher timeframes the rule reads).

    The rule is `rule(bars, p, out)` (see `rayga.rules`: bars with server-time fields and higher timeframes,
    the genome and its rows by name, decisions with exits and per-entry stops), or the older `signal(open,
    high, low, close, p) -> int8 decisions`; either a Numba function."""

    signal = None
    rule = None
    rows: dict = {}
    timeframes: tuple[str, ...] = ()
    sl_param: str | None = "sl_points"
    tp_param: str | None = "tp_points"

    def with_management(self, names) -> UserStrategy:  # noqa: ANN001 - an iterable of parameter names
        """This strategy with the management genes among `names` (`rayga.sim.manage`) added to its parameters
        (those it declares itself stay as declared)."""
        import copy

        extra = tuple(p for p in management_params(names) if p.name not in self.param_names)
        if not extra:
            return self
        managed = copy.copy(self)
        managed.params = tuple(self.params) + extra
        return managed

    def _compiled(self) -> object:
        return type(self).rule if type(self).rule is not None else type(self).signal

    def _module_in_place(self) -> None:
        """A strategy unpickled on a Ray worker (by value) has no module in `sys.modules`; Numba then files
        its rule under a dummy module and cannot load what the driver cached (it imports the module by
        name). Its module is registered here under its own name, holding the rule's globals."""
        name = type(self).__module__
        if name in sys.modules:
            return
        module = types.ModuleType(name)
        module.__dict__.update(getattr(self._compiled(), "py_func", self._compiled()).__globals__)
        module.__name__ = name
        sys.modules[name] = module

    def shared_rows(self) -> tuple:  # tuple[rayga.strategies.shared.Row, ...]
        from rayga.strategies.shared import declared_rows

        return declared_rows(type(self), self.param_names, f"in {type(self).__module__}.{type(self).__name__}")

    def _kernels(self) -> object:
        from rayga.sim.rule_kernel import kernel_module

        self._module_in_place()
        rule = type(self).rule is not None
        return kernel_module(self._compiled(), self.__dict__.get("rule_key"), self.param_names if rule else None,
                             len(type(self).timeframes), tuple(r.name for r in self.shared_rows()) if rule else ())

    def _file(self) -> str:
        return getattr(sys.modules.get(type(self).__module__), "__file__", None) or type(self).__module__

    def _values(self, genome: np.ndarray) -> str:
        return ", ".join(f"{n}={float(v):g}" for n, v in zip(self.param_names, genome, strict=False))

    def _raised(self, exc: Exception, genome: np.ndarray) -> StrategyError:
        message = str(exc).splitlines()[0] if str(exc) else ""
        return StrategyError(f"strategy {self.name} ({self._file()}): its rule raised {type(exc).__name__}: "
                             f"{message} for {self._values(genome)}")

    def _warming(self, data: SimData, genome: np.ndarray, bar: int, first: np.ndarray) -> StrategyError:
        rows = self.shared_rows()
        i = next(i for i, r in enumerate(rows) if r.warmup and bar < first[i])
        when = np.datetime64(int(data.m1_time[data.m1_start[bar]]), "ns").astype("datetime64[m]")
        return StrategyError(
            f"strategy {self.name} ({self._file()}): its rule decided at bar {bar} ({when} UTC) while its row "
            f"`{rows[i].name}` ({rows[i].kind}) is still warming up (first value at bar {int(first[i])}) for "
            f"{self._values(genome)}; skip bars where np.isnan(p.{rows[i].name}[k]), or declare the row with "
            f"{{\"warmup\": False}}")

    def writes_stops(self) -> bool:
        """Whether the rule may write per-entry stops (`out.sl`, `out.tp`): read off its code and the code of
        the compiled functions it calls. Batches reset those buffers to NaN per genome only for such rules."""
        return type(self).rule is not None and _touches(getattr(type(self).rule, "py_func", None), {"sl", "tp"})

    def writes_orders(self) -> bool:
        """Whether the rule may place pending orders (`out.buy_stop` ... `out.expiry`), read off its code."""
        return type(self).rule is not None and _touches(getattr(type(self).rule, "py_func", None), set(ORDER_FIELDS))

    def _guarded_first(self, first: np.ndarray) -> np.ndarray:
        guard = np.array([r.warmup for r in self.shared_rows()], dtype=bool)
        return np.ascontiguousarray(np.where(guard[None, :], first, 0), dtype=np.int64)

    def decisions(self, data: SimData, genome: np.ndarray):  # noqa: ANN201 - a rayga.rules.Decisions
        """The rule's decisions for one genome (a `rule(bars, p, out)` strategy)."""
        from rayga.rules import Decisions
        from rayga.sim.rule_kernel import flat_bars
        from rayga.strategies.context import rule_bars
        from rayga.strategies.shared import batch_rows

        flat, hflat = flat_bars(rule_bars(data, type(self).timeframes))
        genome = np.ascontiguousarray(genome, dtype=np.float64)
        n = len(data.tf_close)
        out = Decisions(np.zeros(n, np.int8), *(np.full(n, np.nan) for _ in Decisions._fields[1:]))
        with batch_rows(data, self.shared_rows(), genome[None, :], self.param_names) as (table, rows, first):
            try:
                self._kernels().decide_nb(flat, hflat, genome, table, rows[0], out)
            except Exception as exc:  # noqa: BLE001 - the user's rule: one line naming its file and the genome
                raise self._raised(exc, genome) from None
            guarded = self._guarded_first(first)[0]
        bad = np.flatnonzero(out.signal[:guarded.max(initial=0)])
        if len(bad):
            raise self._warming(data, genome, int(bad[0]), first[0])
        for fields, read in ((("sl", "tp"), self.writes_stops()), (ORDER_FIELDS, self.writes_orders())):
            if not read and not all(np.isnan(getattr(out, f)).all() for f in fields):
                raise StrategyError(f"strategy {self.name} ({self._file()}): its rule writes out.{fields[0]} ... "
                                    f"through code rayga cannot read; write them in the rule or in a @njit function "
                                    f"it calls")
        return out

    def pass_orders(self, data: SimData, genome: np.ndarray) -> tuple | None:
        """The pending orders and trailing levels of one pass (buy stop, buy limit, sell stop, sell limit, expiry,
        trail per bar), or None."""
        if not self.writes_orders():
            return None
        dec = self.decisions(data, genome)
        return tuple(getattr(dec, f) for f in ORDER_FIELDS)

    def signals(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        if type(self).rule is not None:
            return self.decisions(data, genome).signal
        self._module_in_place()
        try:
            return type(self).signal(data.tf_open, data.tf_high, data.tf_low, data.tf_close,
                                     np.ascontiguousarray(genome, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001 - the user's rule: one line naming its file and the genome
            raise self._raised(exc, genome) from None

    def stops(self, genome: np.ndarray) -> tuple[float, float]:
        names = self.param_names
        sl = float(genome[names.index(self.sl_param)]) if self.sl_param in names else 0.0
        tp = float(genome[names.index(self.tp_param)]) if self.tp_param in names else 0.0
        return sl, tp

    def pass_stops(self, data: SimData, genome: np.ndarray) -> tuple:
        """The genes' stops, or per decision bar where the rule sets them (NaN there: the genes')."""
        sl, tp = self.stops(genome)
        if not self.writes_stops():
            return sl, tp
        dec = self.decisions(data, genome)
        return np.where(np.isnan(dec.sl), sl, dec.sl), np.where(np.isnan(dec.tp), tp, dec.tp)

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        """Every genome through one compiled kernel (a share of the batch per thread): the rule, then the simulation
        (`rayga.sim.rule_kernel`: one kernel per rule, cached on disk)."""
        import numba

        from rayga.sim.rule_kernel import run_shares

        if not len(genomes):
            return
        stops = np.array([self.stops(g) for g in genomes], dtype=np.float64).reshape(len(genomes), 2)
        sl, tp = np.ascontiguousarray(stops[:, 0]), np.ascontiguousarray(stops[:, 1])
        if self.writes_orders() and data.acct[S.A_STOP_MODE] == STOPS_VECTORBT:
            raise ConfigError(f"strategy {self.name} places pending orders or trailing levels, which run under MT5's "
                              f"stop rules only; set stop_mode = \"mt5\" under [account]")
        manage = batch_inputs(kernel_inputs(data, self.param_names, genomes))
        try:
            if type(self).rule is not None:
                self._run_rule(data, genomes, sl, tp, out, manage)
            else:
                bars = (data.tf_open, data.tf_high, data.tf_low, data.tf_close)
                run_shares(_batch(self._kernels(), data), len(genomes), numba.get_num_threads(), data.kernel_args(),
                           bars, genomes, sl, tp, data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out, *manage)
        except StrategyError:
            raise
        except Exception as exc:  # noqa: BLE001 - a rule that raises: name the genome (found one at a time)
            for genome in genomes:
                self.signals(data, genome)  # raises StrategyError naming the file and this genome
            message = str(exc).splitlines()[0] if str(exc) else ""
            raise StrategyError(f"strategy {self.name}: its batch failed: {type(exc).__name__}: {message}") from None

    def _run_rule(self, data: SimData, genomes: np.ndarray, sl: np.ndarray, tp: np.ndarray, out: np.ndarray,
                  manage: tuple) -> None:
        import numba

        from rayga.sim.rule_kernel import flat_bars, run_shares
        from rayga.strategies.context import rule_bars
        from rayga.strategies.shared import batch_rows

        flat, hflat = flat_bars(rule_bars(data, type(self).timeframes))
        status = np.full(len(genomes), -1, dtype=np.int64)
        with batch_rows(data, self.shared_rows(), genomes, self.param_names) as (table, rows, first):
            run_shares(_batch(self._kernels(), data), len(genomes), numba.get_num_threads(), data.kernel_args(),
                       flat, hflat, genomes, table, rows, self._guarded_first(first), sl, tp, self.writes_stops(),
                       True if self.writes_orders() else None, data.acct, np.empty(0, DEAL_DTYPE), np.empty(0), out,
                       status, *manage)  # orders None: the simulation compiled without pending orders
        bad = np.flatnonzero(status >= 0)
        if len(bad):
            g = int(bad[0])
            raise self._warming(data, genomes[g], int(status[g]), first[g])


def _batch(module: object, data: SimData) -> object:
    """The generated module's batch kernel for the data's stop rules (vectorbt's have their own simulator)."""
    return module.batch_vbt_nb if data.acct[S.A_STOP_MODE] == STOPS_VECTORBT else module.batch_nb


def _touches(func: object, attrs: set[str], seen: set | None = None) -> bool:
    """Whether the Python code of `func`, or of a compiled function it names (directly or as a module's
    attribute), uses one of `attrs` as a name or attribute."""
    code = getattr(func, "__code__", None)
    if code is None:
        return True  # nothing to read: assume it does
    seen = seen if seen is not None else set()
    if code in seen:
        return False
    seen.add(code)
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions
        if isinstance(const, types.CodeType):
            names |= set(const.co_names)
    if names & attrs:
        return True
    scope = getattr(func, "__globals__", {})
    for name in names:
        value = scope.get(name)
        for target in ([getattr(value, n, None) for n in names] if isinstance(value, types.ModuleType) else [value]):
            inner = getattr(target, "py_func", None)
            if inner is not None and _touches(inner, attrs, seen):
                return True
    return False


# rayga.rules.Decisions: the pending orders and the trailing level (the kernels take them as one tuple)
ORDER_FIELDS = ("buy_stop", "buy_limit", "sell_stop", "sell_limit", "expiry", "trail")
USER_MODULE = "rayga_user_"


def module_name(path: Path) -> str:
    """The stable name rayga loads a user's file under: Numba's on-disk cache of the file's functions
    refers to their module by it."""
    return f"{USER_MODULE}{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:10]}"


class _SameFile(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """A process that imported a user's file under its own name (`import my_strategy`) and calls its cached
    Numba functions meets the name rayga compiled them under: that name is the module already loaded
    from the same file."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001, ANN201 - importlib's protocol
        if not fullname.startswith(USER_MODULE):
            return None
        stem = fullname[len(USER_MODULE):].rpartition("_")[0]
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if file and Path(file).stem == stem and module_name(Path(file).resolve()) == fullname:
                return _AliasSpec(fullname, self, module)
        return None

    def create_module(self, spec):  # noqa: ANN001, ANN201
        return spec.module

    def exec_module(self, module) -> None:  # noqa: ANN001 - already executed under its own name
        pass


class _AliasSpec(importlib.machinery.ModuleSpec):
    def __init__(self, name: str, loader: _SameFile, module) -> None:  # noqa: ANN001
        super().__init__(name, loader, origin=module.__file__)
        self.module = module


if not any(isinstance(f, _SameFile) for f in sys.meta_path):
    sys.meta_path.append(_SameFile())


def _import(spec: str):  # noqa: ANN202 - a module
    target = spec.rsplit(":", 1)[0]
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(f"strategy {spec!r}: no such file {path}; give path/to/file.py:ClassName")
        name = module_name(path)
        if name in sys.modules:
            return sys.modules[name]
        loader = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        try:
            loader.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - any error in the user's file becomes one line naming it
            del sys.modules[name]
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ConfigError(f"strategy file {path}: {type(exc).__name__}: {first}") from None
        return module
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise ConfigError(f"strategy {spec!r}: cannot import module {target!r} ({exc}); give a module on the "
                          f"Python path or path/to/file.py:ClassName") from None


def load_user_strategy(spec: str) -> Strategy:
    """The user's strategy named by `spec`, checked (see the module docstring)."""
    target, _, cls_name = spec.rpartition(":")
    if not target or not cls_name:
        raise ConfigError(f"strategy {spec!r}: write it as path/to/file.py:ClassName or package.module:ClassName")
    module = _import(spec)
    cls = getattr(module, cls_name, None)
    if cls is None:
        import difflib

        names = [n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Strategy)
                 and v.__module__ == module.__name__]
        hint = difflib.get_close_matches(cls_name, names, n=1)
        also = f"; did you mean {hint[0]}?" if hint else (f"; it defines {', '.join(names)}" if names else "")
        raise ConfigError(f"strategy {spec!r}: {target} has no class {cls_name}{also}")
    if not (isinstance(cls, type) and issubclass(cls, UserStrategy)):
        raise ConfigError(f"strategy {spec!r}: {cls_name} must subclass rayga.strategies.user.UserStrategy")
    where = f"in {target}:{cls_name}"
    if not cls.name or not isinstance(cls.name, str):
        raise ConfigError(f"strategy {spec!r}: set `name = \"...\"` on the class {where}")
    if not cls.params or not all(isinstance(p, Param) for p in cls.params):
        raise ConfigError(f"strategy {spec!r}: `params` must be a tuple of rayga.strategies.base.Param {where}")
    names = [p.name for p in cls.params]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy {spec!r}: parameter names must be unique {where} (got {', '.join(names)})")
    import keyword

    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or "__" in name:
            raise ConfigError(f"strategy {spec!r}: parameter name {name!r} must be a Python name (letters, digits, "
                              f"single underscores, not starting with one) {where}")
    if (cls.rule is None) == (cls.signal is None):
        raise ConfigError(f"strategy {spec!r}: give the class one rule, `rule = my_rule` (rule(bars, p, out)) or "
                          f"`signal = my_signal` (signal(open, high, low, close, p)) {where}")
    which = "rule" if cls.rule is not None else "signal"
    if not hasattr(getattr(cls, which), "py_func"):
        raise ConfigError(f"strategy {spec!r}: `{which}` must be a Numba function (decorate it with @njit) {where}")
    if not isinstance(cls.timeframes, tuple | list) or not all(isinstance(t, str) for t in cls.timeframes):
        raise ConfigError(f"strategy {spec!r}: `timeframes` must list timeframe names such as (\"H1\", \"D1\") "
                          f"{where}")
    from rayga.sim.rule_kernel import rule_key

    strategy = cls()
    strategy.rule_key = rule_key(getattr(cls, which))  # taken here, where the file is: it travels with it
    _check_compiles(strategy, spec)
    from ray import cloudpickle  # Ray's own (vendored) pickler: it ships the class and its rule to every node

    cloudpickle.register_pickle_by_value(module)
    return strategy


def _synthetic_bars(n: int, timeframes: tuple[str, ...]):  # noqa: ANN202 - a rayga.rules.Bars
    """A small random series as a rule receives it (M15 bars from a Monday, every higher timeframe alike)."""
    from rayga.rules import Bars, Higher
    from rayga.strategies.context import _clock

    rng = np.random.default_rng(0)
    close = 1.1 + np.cumsum(rng.normal(0, 1e-3, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + 5e-4
    low = np.minimum(open_, close) - 5e-4
    clock = _clock(np.datetime64("2022-01-03", "ns").astype(np.int64) + np.arange(n) * 900 * 10**9, "UTC")
    higher = tuple(Higher(open_, high, low, close, clock["time"], open_, high, low, close) for _ in timeframes)
    return Bars(open_, high, low, close, np.ones(n), np.full(n, 10.0), **clock, point=1e-5, higher=higher)


def _check_compiles(strategy: UserStrategy, spec: str) -> None:
    """Run the rule on a small synthetic series with the default values: it must compile and write one
    valid decision per bar (`rayga.rules`)."""
    n = 500
    bars = _synthetic_bars(n, tuple(type(strategy).timeframes))
    genome = strategy.genome({})
    what = "rule(bars, p, out)" if type(strategy).rule is not None else "signal()"
    rows = strategy.shared_rows()  # checked here: a bad declaration is one line at load
    try:
        if type(strategy).rule is not None:
            from rayga.rules import Decisions
            from rayga.sim.rule_kernel import flat_bars
            from rayga.strategies.shared import make_row

            table = np.array([make_row(bars, r.key(genome, strategy.param_names)) for r in rows]).reshape(len(rows), n)
            out = Decisions(np.zeros(n, np.int8), *(np.full(n, np.nan) for _ in Decisions._fields[1:]))
            strategy._kernels().decide_nb(*flat_bars(bars), genome, table, np.arange(len(rows), dtype=np.int64), out)
            sig = out.signal
            first = [int(np.argmax(~np.isnan(row))) if (~np.isnan(row)).any() else n for row in table]
            for r, f in zip(rows, first, strict=True):
                early = np.flatnonzero(sig[:f])
                if r.warmup and len(early):
                    raise ConfigError(f"strategy {spec!r}: rule(bars, p, out) decided at bar {int(early[0])} while its "
                                      f"row `{r.name}` is still warming up (first value at bar {f}) with the default "
                                      f"values; skip bars where np.isnan(p.{r.name}[k])")
        else:
            sig = type(strategy).signal(bars.open, bars.high, bars.low, bars.close, genome)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - Numba typing errors are long: keep the first meaningful line
        text = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConfigError(f"strategy {spec!r}: {what} does not compile or run on float64 bars with the default "
                          f"values ({type(exc).__name__}: {text[:200]})") from None
    if not (isinstance(sig, np.ndarray) and sig.dtype == np.int8 and sig.shape == (n,)):
        got = f"{sig.dtype} array of shape {sig.shape}" if isinstance(sig, np.ndarray) else type(sig).__name__
        raise ConfigError(f"strategy {spec!r}: signal() must return np.int8 decisions, one per bar (got {got}); "
                          f"e.g. out = np.zeros(len(close), dtype=np.int8)")
    if not np.isin(sig, DECISIONS).all():
        bad = int(sig[~np.isin(sig, DECISIONS)][0])
        raise ConfigError(f"strategy {spec!r}: {what} wrote the decision {bad}; a decision is 0, BUY, SELL, "
                          f"EXIT_LONG, EXIT_SHORT or an exit plus an entry (rayga.rules)")
