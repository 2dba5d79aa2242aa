"""Batch evaluation and single backtests: genomes in, a metrics table (and deals) out."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from rayga.data.market import MarketData
from rayga.errors import ConfigError
from rayga.metrics.complex import complex_criterion
from rayga.sim import _nb_state as S
from rayga.sim._nb_loop import simulate_nb
from rayga.sim._nb_manage import mark_closes_nb
from rayga.sim._nb_vbt import simulate_vbt_nb
from rayga.sim.account import AccountConfig
from rayga.sim.enums import DEAL_DTYPE, DEAL_REASONS, METRICS, N_METRICS, ORDERS, STOPS_VECTORBT, TRAIL, M
from rayga.sim.manage import any_on, kernel_inputs
from rayga.sim.prepared import SimData, prepare
from rayga.strategies.base import Strategy

ENGINES = ("numba", "vectorbt")


def finish_metrics(raw: np.ndarray) -> np.ndarray:
    """Fill the Complex Criterion column from the kernel's figures."""
    raw[:, M["complex_criterion"]] = complex_criterion(
        raw[:, M["total_trades"]], raw[:, M["profit_factor"]], raw[:, M["recovery_factor"]],
        raw[:, M["sharpe_ratio"]], raw[:, M["equity_dd_rel_pct"]], raw[:, M["profit"]])
    return raw


def as_genomes(strategy: Strategy, genomes: np.ndarray | pd.DataFrame) -> np.ndarray:
    if isinstance(genomes, pd.DataFrame):
        missing = [n for n in strategy.param_names if n not in genomes.columns]
        if missing:
            raise ConfigError(f"genome table lacks parameter column `{missing[0]}` of strategy {strategy.name}")
        genomes = genomes[list(strategy.param_names)].to_numpy(dtype=np.float64)
    arr = np.ascontiguousarray(np.atleast_2d(np.asarray(genomes, dtype=np.float64)))
    if arr.shape[1] != len(strategy.params):
        raise ConfigError(f"genomes have {arr.shape[1]} values each; strategy {strategy.name} has "
                          f"{len(strategy.params)} parameters ({', '.join(strategy.param_names)})")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise ConfigError(f"genome {int(np.flatnonzero(bad)[0])} has a missing or infinite value")
    return arr


def run_batch(strategy: Strategy, data: SimData, genomes: np.ndarray, out: np.ndarray) -> None:
    """`strategy.run_batch` with the genomes run in the lexicographic order of their parameters and the
    metrics written in the given order. Neighbours then share indicator rows (e.g. the same fast MA
    period), which the kernels read from cache instead of memory: ~7 % faster for random MA-cross
    genomes. Every pass depends on its genome alone, so the order changes no figure."""
    order = np.lexsort(genomes.T[::-1])  # by the first parameter, then the second...
    threads = numba.get_num_threads()
    if threads > 1:  # dealt round-robin: each thread's contiguous share of the parallel loop is a sorted
        # sample of the whole (nearby genomes cost alike; a static split of the sorted batch cost ~12 %)
        order = np.concatenate([order[t::threads] for t in range(threads)])
    if (order == np.arange(len(genomes))).all():
        strategy.run_batch(data, genomes, out)
        return
    ordered = np.zeros_like(out)
    strategy.run_batch(data, np.ascontiguousarray(genomes[order]), ordered)
    out[order] = ordered


def evaluate(data: SimData | MarketData, strategy: Strategy, genomes: np.ndarray | pd.DataFrame,
             account: AccountConfig | None = None, engine: str = "numba") -> pd.DataFrame:
    """Metrics of every genome (one row each, parameters first, then the metric columns)."""
    if engine not in ENGINES:
        raise ConfigError(f"`engine` must be one of {', '.join(ENGINES)} (got {engine!r})")
    if isinstance(data, MarketData):
        data = prepare(data, account or AccountConfig())
    arr = as_genomes(strategy, genomes)
    strategy.check_all(arr)
    if engine == "vectorbt":
        from rayga.sim.vbt_engine import evaluate_vectorbt

        raw = evaluate_vectorbt(data, strategy, arr)
    else:
        raw = np.zeros((len(arr), N_METRICS))
        run_batch(strategy, data, arr, raw)
    finish_metrics(raw)
    columns = {name: arr[:, i] for i, name in enumerate(strategy.param_names)}
    columns.update({name: raw[:, i] for i, name in enumerate(METRICS)})
    return pd.DataFrame(columns)  # at once: column by column costs ~3 ms a call, more than 4 passes


@dataclass(frozen=True)
class BacktestResult:
    """One pass: its metrics, its deals (MT5 Deals table terms) and its equity at each timeframe bar's
    close (balance + floating profit, as the kernel tracks it; `m1_index` in deals points into the M1 bars)."""

    metrics: dict[str, float]
    deals: pd.DataFrame
    equity: np.ndarray


def backtest(md: MarketData, strategy: Strategy, genome: np.ndarray, account: AccountConfig,
             data: SimData | None = None, modelling: str = "m1_ohlc") -> BacktestResult:
    """Run one pass of a strategy genome and keep its deals."""
    data = data or prepare(md, account, modelling)
    genome = as_genomes(strategy, genome)[0]
    strategy.check_all(genome[None, :])  # the same checks as a batch
    sl, tp = strategy.pass_stops(data, genome)
    manage = kernel_inputs(data, strategy.param_names, genome[None, :])
    return run_signals(data, strategy.signals(data, genome), sl, tp, strategy.pass_orders(data, genome), manage)


def per_bar(stop: float | np.ndarray, n: int, name: str) -> tuple[np.ndarray, float]:
    """(per-bar points or an empty array, scalar points) of a stop given as a number or one value per bar."""
    if np.ndim(stop) == 0:
        return np.empty(0), float(stop)
    arr = np.ascontiguousarray(stop, dtype=np.float64)
    if arr.shape != (n,):
        raise ConfigError(f"`{name}` per bar must have one value per timeframe bar ({n}); got shape {arr.shape}")
    return arr, 0.0


def no_orders() -> tuple[np.ndarray, ...]:
    """The `orders` argument of a pass without pending orders or trailing levels (buy stop, buy limit, sell stop,
    sell limit, expiry, trail: unsized)."""
    return tuple(np.empty(0) for _ in range(6))


def with_orders(signal: np.ndarray, orders: tuple[np.ndarray, ...]) -> np.ndarray:
    """The decisions with the ORDERS mark on every bar that places a pending order, as the batch kernel marks
    them (added: a SELL's code is negative, so the decision parts are not bits of the int8)."""
    placed = np.zeros(len(signal), dtype=bool)
    for prices in orders[:4]:
        placed |= ~np.isnan(prices)
    return (signal + np.where(placed, ORDERS, 0) + np.where(np.isnan(orders[5]), 0, TRAIL)).astype(np.int8)


def no_manage(data: SimData) -> tuple:
    """The management arguments of a pass with every management gene off (`rayga.sim.manage`)."""
    return kernel_inputs(data, (), np.zeros((1, 0)))


def pass_manage(data: SimData, manage: tuple | None = None) -> tuple:
    """(management genes, (minute of the day, weekday, day number, ATR row)) of one pass as `simulate_nb` takes
    them, from `rayga.sim.manage.kernel_inputs` of that one genome (None: all off)."""
    mg, clock, atr = manage if manage is not None else no_manage(data)
    if not any_on(mg):
        return None, None  # the kernel without the management code (`_nb_loop.simulate_nb`)
    return mg[0], (*clock, atr[int(mg[0, S.MG_ATR_ROW])])


def flat_manage(data: SimData, manage: tuple | None = None) -> tuple:
    """The management arguments of one pass as the per-tick reference (`_nb_reference.reference_nb`) takes
    them: genes, minute of the day, weekday, day number, ATR row (every gene off: None)."""
    mg, clock, atr = manage if manage is not None else no_manage(data)
    return (mg[0], *clock, atr[int(mg[0, S.MG_ATR_ROW])])


def run_signals(data: SimData, signal: np.ndarray, sl: float | np.ndarray = 0.0,
                tp: float | np.ndarray = 0.0, orders: tuple[np.ndarray, ...] | None = None,
                manage: tuple | None = None) -> BacktestResult:
    """Backtest given decisions: signal[k] = +1 buy / -1 sell / 0 at the close of timeframe bar k
    (executed on the first tick of bar k + 1, with the exits and CANCEL of `rayga.rules`); SL/TP in points
    (fractions in vectorbt stop mode), or per bar: the points for an entry decided at bar k (ATR-scaled
    stops); `orders`: per-bar buy stop, buy limit, sell stop, sell limit prices (NaN: none), expiry in bars and
    (optional) the trailing level of the open position's stop
    (`rayga.rules.Decisions`); `manage`: (management vectors, clock, ATR rows) of `rayga.sim.manage.kernel_inputs`
    for this one pass (None: all off)."""
    signal = np.array(signal, dtype=np.int8)  # a copy: the closes at a time of day are marked in it
    n = len(data.m1_start)
    if len(signal) != n:
        raise ConfigError(f"signal has {len(signal)} values; the data has {n} timeframe bars")
    if orders is not None:  # None: the simulation compiled without pending orders (as a batch of such rules)
        orders = tuple(np.ascontiguousarray(a, dtype=np.float64) for a in orders)
        if len(orders) == 5:
            orders = (*orders, np.full(n, np.nan))  # no trailing level
        if len(orders) != 6 or any(a.shape != (n,) for a in orders):
            raise ConfigError(f"`orders` must be five or six arrays (buy stop, buy limit, sell stop, sell limit, "
                              f"expiry[, trail]) "
                              f"of one value per timeframe bar ({n})")
        if data.acct[S.A_STOP_MODE] == STOPS_VECTORBT:
            raise ConfigError("pending orders run under MT5's stop rules only (as do trailing levels); set stop_mode = "
                              "\"mt5\" under [account]")
        signal = with_orders(signal, orders)
    deals = np.zeros(2 * int(np.count_nonzero(signal)) + 4, DEAL_DTYPE)
    out = np.zeros((1, N_METRICS))
    equity = np.empty(len(signal))
    sl_bar, sl = per_bar(sl, len(signal), "sl")
    tp_bar, tp = per_bar(tp, len(signal), "tp")
    mg, clock = pass_manage(data, manage)
    if mg is not None:
        mark_closes_nb(signal, clock[0], clock[1], mg)
    simulate = simulate_vbt_nb if data.acct[S.A_STOP_MODE] == STOPS_VECTORBT else simulate_nb
    simulate(data.kernel_args(), signal, sl, tp, sl_bar, tp_bar, orders, data.acct, np.empty(S.N_STATE), deals, equity,
             out[0], mg, clock)
    finish_metrics(out)
    rec = deals[: int(out[0, M["total_deals"]])]
    frame = pd.DataFrame({
        "time": pd.DatetimeIndex(data.m1_time[rec["m1_index"]].view("datetime64[ns]"), tz="UTC"),
        "type": np.where(rec["direction"] > 0, "buy", "sell"),
        "entry": np.where(rec["entry"] == 1, "in", "out"),
        "volume": rec["lots"], "price": rec["price"], "commission": rec["commission"], "swap": rec["swap"],
        "profit": rec["profit"], "balance": rec["balance"],
        "reason": [DEAL_REASONS[r] for r in rec["reason"]],
        "m1_index": rec["m1_index"],
    })
    return BacktestResult({name: float(out[0, i]) for i, name in enumerate(METRICS)}, frame, equity)
