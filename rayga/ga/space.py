"""The parameter space of an optimization, in MT5's terms: optimized inputs with start/step/stop (or a
list of values), fixed inputs, and constraints between inputs.

A genome is a row of value indices, one per optimized input; `decode` turns genomes into the strategy's
parameter rows. Counts are exact Python integers (a space can exceed 2**63 combinations).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rayga.errors import ConfigError

GENETIC_FORCED_ABOVE = 100_000_000  # MT5 switches to the genetic algorithm above this many combinations


def range_values(name: str, start: float, step: float, stop: float, kind: str = "float",
                 where: str = "") -> tuple[float, ...]:
    """MT5's values of an input optimized from `start` by `step` to `stop`, read as written: a `stop`
    below `start` walks downwards; start == stop is the single value `start`. A negative step, or a zero
    step between different start and stop, is an error (`where` says where the range was set)."""
    at = f"; set it {where}" if where else ""
    for label, v in (("start", start), ("step", step), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ConfigError(f"`{name}.{label}` must be a number (got {v!r}){at}")
    if step < 0:
        raise ConfigError(f"`{name}.step` must not be negative (got {step:g}): a stop below start already walks "
                          f"downwards by step{at}")
    if start == stop:
        return (float(start),)
    if step == 0:
        raise ConfigError(f"`{name}` has step 0 between start {start:g} and stop {stop:g}: give a step above 0 to "
                          f"optimize it, or equal start and stop (or a plain number) to fix it{at}")
    direction = 1.0 if stop > start else -1.0
    count = math.floor(abs(stop - start) / abs(step) + 1e-9) + 1
    values = tuple(round(start + direction * i * abs(step), 10) for i in range(count))
    if kind == "int" and any(v != int(v) for v in values):
        raise ConfigError(f"`{name}` is a whole-number input; start, step and stop must be whole numbers")
    return values


@dataclass(frozen=True)
class Input:
    """One optimized input and all the values it can take, in order."""

    name: str
    values: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.values)


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
            ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.Name, ast.Load, ast.Constant)


def parse_constraint(text: str, names: tuple[str, ...]) -> ast.Expression:
    """A constraint such as `fast < slow` or `tp_points >= 2 * sl_points`: comparisons, and/or/not and
    arithmetic over parameter names and numbers only."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ConfigError(f"constraint {text!r} is not an expression like \"fast < slow\"") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ConfigError(f"constraint {text!r}: only comparisons, and/or/not, + - * / and numbers are allowed")
        if isinstance(node, ast.Name) and node.id not in names:
            raise ConfigError(f"constraint {text!r} names `{node.id}`, which is not a parameter "
                              f"({', '.join(names)})")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, int | float)):
            raise ConfigError(f"constraint {text!r}: only numbers may appear as constants")
    return tree


def _evaluate(node: ast.AST, env: dict[str, np.ndarray]) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, env)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        v = _evaluate(node.operand, env)
        return np.logical_not(v) if isinstance(node.op, ast.Not) else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BoolOp):
        parts = [_evaluate(v, env) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left, env), _evaluate(node.right, env)
        ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
        with np.errstate(divide="ignore", invalid="ignore"):
            return ops[type(node.op)](a, b)
    assert isinstance(node, ast.Compare)
    ops = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
           ast.Eq: np.equal, ast.NotEq: np.not_equal}
    left = _evaluate(node.left, env)
    out = True
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _evaluate(right_node, env)
        out = np.logical_and(out, ops[type(op)](left, right))
        left = right
    return out


@dataclass(frozen=True)
class ParamSpace:
    """Optimized inputs, fixed inputs and constraints, over a strategy's parameter order."""

    order: tuple[str, ...]
    inputs: tuple[Input, ...]
    fixed: dict[str, float] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        named = [i.name for i in self.inputs] + list(self.fixed)
        missing = [n for n in self.order if n not in named]
        if missing or len(named) != len(set(named)):
            raise ConfigError(f"parameter space must give each parameter once (missing: {', '.join(missing) or '-'})")
        object.__setattr__(self, "_trees", tuple(parse_constraint(c, self.order) for c in self.constraints))
        object.__setattr__(self, "_sizes", tuple(i.size for i in self.inputs))

    @property
    def sizes(self) -> tuple[int, ...]:
        return self._sizes

    @property
    def n_combinations(self) -> int:
        """Exact number of combinations, before constraints (an arbitrary-size Python int)."""
        return math.prod(self._sizes)

    def genome_of(self, number: int) -> np.ndarray:
        """The genome (value indices) of combination `number` in 0..n_combinations-1 (first input slowest)."""
        if not 0 <= number < self.n_combinations:
            raise ValueError(f"combination {number} is outside 0..{self.n_combinations - 1}")
        idx = []
        for size in reversed(self.sizes):
            number, r = divmod(number, size)
            idx.append(r)
        return np.array(idx[::-1], dtype=np.int64)

    def genomes_of_range(self, lo: int, hi: int) -> np.ndarray:
        """Genomes of combinations lo..hi-1 (vectorised; for spaces below 2**63 combinations)."""
        numbers = np.arange(lo, hi, dtype=np.int64)
        out = np.empty((len(numbers), len(self.inputs)), dtype=np.int64)
        for k in range(len(self.inputs) - 1, -1, -1):
            numbers, out[:, k] = np.divmod(numbers, self.inputs[k].size)
        return out

    def number_of(self, genome: np.ndarray) -> int:
        number = 0
        for size, i in zip(self._sizes, genome.tolist(), strict=True):
            number = number * size + int(i)
        return number

    def numbers_of(self, genomes: np.ndarray) -> list[int]:
        """Combination numbers of many genomes (vectorised below 2**63 combinations)."""
        genomes = np.asarray(genomes, dtype=np.int64).reshape(-1, len(self._sizes))
        if self.n_combinations > np.iinfo(np.int64).max:
            return [self.number_of(g) for g in genomes]
        numbers = np.zeros(len(genomes), dtype=np.int64)
        for k, size in enumerate(self._sizes):
            numbers = numbers * size + genomes[:, k]
        return numbers.tolist()

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        """Parameter rows (float64, in the strategy's order) of genomes (int64 rows of value indices)."""
        genomes = np.atleast_2d(np.asarray(genomes, dtype=np.int64))
        columns = {inp.name: np.asarray(inp.values)[genomes[:, k]] for k, inp in enumerate(self.inputs)}
        columns.update({name: np.full(len(genomes), value, dtype=np.float64) for name, value in self.fixed.items()})
        return np.column_stack([columns[name] for name in self.order]).astype(np.float64)

    def feasible(self, genomes: np.ndarray) -> np.ndarray:
        """Which genomes satisfy every constraint (infeasible genomes are never evaluated)."""
        rows = self.decode(genomes)
        env = {name: rows[:, k] for k, name in enumerate(self.order)}
        ok = np.ones(len(rows), dtype=bool)
        for tree in self._trees:
            ok &= np.broadcast_to(np.asarray(_evaluate(tree, env), dtype=bool), ok.shape)
        return ok

    def population_size(self) -> int:
        """MT5 keeps its rule secret ("64 to 256, from the number of combinations"). rayga's: 32 x (the
        number of decimal digits of the combination count - 4), clipped to 64..256:
        <= 1e5 -> 64, 1e6 -> 96, 1e7 -> 128, 1e8 -> 160, 1e9 -> 192, 1e10 -> 224, >= 1e11 -> 256.
        With novelty breeding (rayga.ga.engine) a population of 64 reached 99 % of the exhaustive optimum of
        a 1e5 grid more often than 96 or 128 did, within MT5's usual budget of ~2 % of the grid."""
        digits = len(str(self.n_combinations))
        return int(min(max(32 * (digits - 4), 64), 256))

    def estimated_passes(self) -> tuple[int, int]:
        """MT5's estimate, population x (unconditional + convergence generations): from 15 + 5 generations
        (no improvement after the first 15) to 31 + 10 (improving until the 31st)."""
        pop = self.population_size()
        return pop * (15 + 5), pop * (31 + 10)

    def mode(self, requested: str, complete_budget: int) -> str:
        """`complete` or `genetic` for a requested mode (`auto` = complete when the grid fits the budget)."""
        n = self.n_combinations
        if requested == "complete" and n > GENETIC_FORCED_ABOVE:
            raise ConfigError(f"{n:,} combinations exceed MT5's complete-search limit of {GENETIC_FORCED_ABOVE:,}; "
                              f"use mode = \"genetic\" under [optimization]")
        if requested == "auto":
            return "complete" if n <= min(complete_budget, GENETIC_FORCED_ABOVE) else "genetic"
        return requested


def space_from_params(order: tuple[str, ...], kinds: dict[str, str], params: dict[str, Any],
                      defaults: dict[str, float], constraints: tuple[str, ...] = (), where: str = "") -> ParamSpace:
    """A space from config values: `name = value` is fixed, `name = {start, step, stop}` optimized (a
    `value` key there is the single-test value and is ignored here), `name = [a, b, c]` an enum of values;
    parameters not given are fixed at their defaults."""
    inputs, fixed = [], {}
    for name in order:
        value = params.get(name, defaults[name])
        if isinstance(value, dict):
            values = range_values(name, value["start"], value.get("step", 0), value["stop"], kinds.get(name, "float"),
                                  where)
            if len(values) > 1:
                inputs.append(Input(name, values))
            else:
                fixed[name] = values[0]
        elif isinstance(value, list | tuple):
            if not value or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
                raise ConfigError(f"`{name}` must list numbers (got {value!r}){'; ' + where if where else ''}")
            inputs.append(Input(name, tuple(float(v) for v in value)))
        else:
            fixed[name] = float(value)
    return ParamSpace(order, tuple(inputs), fixed, tuple(constraints))
