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
from rayga.sim.enums import DECISIONS
from rayga.sim.prepared import SimData
from rayga.strategies.base import Param, Strategy


class UserStrategy(Strategy):
    """Base of a user's strategy: set `name`, `params`, `signal` (a Numba function, see the module
    docstring) and optionally `sl_param` / `tp_param`, the names of the inputs holding SL/TP in points."""

    signal = None
    sl_param: str | None = "sl_points"
    tp_param: str | None = "tp_points"

    def _module_in_place(self) -> None:
        """A strategy unpickled on a Ray worker (by value) has no module in `sys.modules`; Numba then files
        its rule under a dummy module and cannot load what the driver cached (it imports the module by
        name). Its module is registered here under its own name, holding the rule's globals."""
        name = type(self).__module__
        if name in sys.modules:
            return
        module = types.ModuleType(name)
        module.__dict__.update(getattr(type(self).signal, "py_func", type(self).signal).__globals__)
        module.__name__ = name
        sys.modules[name] = module

    def signals(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        self._module_in_place()
        try:
            return type(self).signal(data.tf_open, data.tf_high, data.tf_low, data.tf_close,
                                     np.ascontiguousarray(genome, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001 - the user's rule: one line naming its file and the genome
            values = ", ".join(f"{n}={float(v):g}" for n, v in zip(self.param_names, genome, strict=False))
            file = getattr(sys.modules.get(type(self).__module__), "__file__", type(self).__module__)
            message = str(exc).splitlines()[0] if str(exc) else ""
            raise StrategyError(f"strategy {self.name} ({file}): its rule raised {type(exc).__name__}: {message} "
                                f"for {values}") from None

    def stops(self, genome: np.ndarray) -> tuple[float, float]:
        names = self.param_names
        sl = float(genome[names.index(self.sl_param)]) if self.sl_param in names else 0.0
        tp = float(genome[names.index(self.tp_param)]) if self.tp_param in names else 0.0
        return sl, tp

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        """Every genome in one parallel kernel, as the built-ins run: the user's compiled rule, then the
        compiled simulation (`rayga.sim.rule_kernel`: one kernel per rule, cached on disk)."""
        from rayga.sim.rule_kernel import run_rule_batch

        self._module_in_place()
        stops = np.array([self.stops(g) for g in genomes], dtype=np.float64).reshape(len(genomes), 2)
        try:
            run_rule_batch(type(self).signal, data, genomes, stops[:, 0], stops[:, 1], out,
                           self.__dict__.get("rule_key"))
        except Exception as exc:  # noqa: BLE001 - a rule that raises: name the genome (found one at a time)
            for genome in genomes:
                self.signals(data, genome)  # raises StrategyError naming the file and this genome
            message = str(exc).splitlines()[0] if str(exc) else ""
            raise StrategyError(f"strategy {self.name}: its batch failed: {type(exc).__name__}: {message}") from None


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
    if not hasattr(cls.signal, "py_func"):
        raise ConfigError(f"strategy {spec!r}: `signal` must be a Numba function (decorate it with @njit) {where}")
    strategy = cls()
    _check_compiles(strategy, spec)
    from rayga.sim.rule_kernel import rule_key

    strategy.rule_key = rule_key(cls.signal)  # taken here, where the file is: it travels with the strategy
    from ray import cloudpickle  # Ray's own (vendored) pickler: it ships the class and its rule to every node

    cloudpickle.register_pickle_by_value(module)
    return strategy


def _check_compiles(strategy: UserStrategy, spec: str) -> None:
    """Run the rule on a small synthetic series with the default values: it must compile and return one
    int8 decision per bar in {-1, 0, 1}."""
    rng = np.random.default_rng(0)
    n = 500
    close = 1.1 + np.cumsum(rng.normal(0, 1e-3, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + 5e-4
    low = np.minimum(open_, close) - 5e-4
    genome = strategy.genome({})
    try:
        sig = type(strategy).signal(open_, high, low, close, genome)
    except Exception as exc:  # noqa: BLE001 - Numba typing errors are long: keep the first meaningful line
        text = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConfigError(f"strategy {spec!r}: signal() does not compile or run on float64 bars with the default "
                          f"values ({type(exc).__name__}: {text[:200]})") from None
    if not (isinstance(sig, np.ndarray) and sig.dtype == np.int8 and sig.shape == (n,)):
        got = f"{sig.dtype} array of shape {sig.shape}" if isinstance(sig, np.ndarray) else type(sig).__name__
        raise ConfigError(f"strategy {spec!r}: signal() must return np.int8 decisions, one per bar (got {got}); "
                          f"e.g. out = np.zeros(len(close), dtype=np.int8)")
    if not np.isin(sig, DECISIONS).all():
        bad = int(sig[~np.isin(sig, DECISIONS)][0])
        raise ConfigError(f"strategy {spec!r}: signal() wrote the decision {bad}; a decision is 0, BUY, SELL, "
                          f"EXIT_LONG, EXIT_SHORT or an exit plus an entry (rayga.rules)")
