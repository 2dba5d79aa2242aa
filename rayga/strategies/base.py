"""What a strategy is to the engine: declared parameters, a signal rule, and a batch kernel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rayga.errors import ConfigError
from rayga.sim.prepared import SimData


@dataclass(frozen=True)
class Param:
    """One MT5 input: a default value and an optimization range start/step/stop."""

    name: str
    kind: str  # "int" or "float"
    default: float
    start: float
    step: float
    stop: float
    doc: str = ""

    def check(self, value: float, where: str) -> float:
        if not np.isfinite(value):
            raise ConfigError(f"parameter `{self.name}` must be a number (got {value!r}); {where}")
        if self.kind == "int" and float(value) != int(value):
            raise ConfigError(f"parameter `{self.name}` must be a whole number (got {value!r}); {where}")
        return float(value)


class Strategy:
    """Base of the built-in strategies. Subclasses set `name`, `params` and implement the two methods."""

    name: str = ""
    params: tuple[Param, ...] = ()
    constraints: tuple[str, ...] = ()  # between parameters, e.g. "fast < slow": never evaluated otherwise

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    def genome(self, values: dict[str, float], where: str = "") -> np.ndarray:
        """One genome (float64 row in parameter order) from named values; missing names take defaults."""
        unknown = sorted(set(values) - set(self.param_names))
        if unknown:
            import difflib

            hint = difflib.get_close_matches(unknown[0], self.param_names, n=1)
            also = f"; did you mean `{hint[0]}`?" if hint else ""
            raise ConfigError(f"strategy {self.name} has no parameter `{unknown[0]}`{also} Its parameters are "
                              f"{', '.join(self.param_names)}{'; ' + where if where else ''}")
        merged = {**self.defaults(), **values}
        row = np.array([p.check(merged[p.name], where) for p in self.params], dtype=np.float64)
        self.check_all(row[None, :], where)
        return row

    def check_all(self, genomes: np.ndarray, where: str = "") -> None:
        """`check_genomes`, then the ranges of the management genes among the parameters (`rayga.sim.manage`)."""
        from rayga.sim.manage import check

        self.check_genomes(genomes, where)
        check(self.param_names, genomes, where)

    def check_genomes(self, genomes: np.ndarray, where: str = "") -> None:
        """Raise ConfigError naming the first invalid genome (override to add constraints)."""

    def signals(self, data: SimData, genome: np.ndarray) -> np.ndarray:
        """int8 decision per timeframe bar: +1 buy, -1 sell, 0 nothing."""
        raise NotImplementedError

    def stops(self, genome: np.ndarray) -> tuple[float, float]:
        """(sl, tp) of a genome, in points (or fractions in vectorbt stop mode); 0 = none."""
        raise NotImplementedError

    def pass_stops(self, data: SimData, genome: np.ndarray) -> tuple:
        """SL/TP of one pass for `run_signals`: points, or one value per decision bar (ATR-scaled stops)."""
        return self.stops(genome)

    def pass_orders(self, data: SimData, genome: np.ndarray) -> tuple | None:
        """The pending orders of one pass for `run_signals` (`rayga.rules.Decisions` fields), or None."""
        return None

    def run_batch(self, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
        """Fill out[g] with the metrics of genome g (all genomes in one parallel kernel call)."""
        raise NotImplementedError
