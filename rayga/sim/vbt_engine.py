"""The `vectorbt` engine: each genome's signals -> `vectorbt.Portfolio.from_signals` on the M1 bars.

What vectorbt users expect, and the reference the fused kernels are checked against. Orders execute
on the first M1 bar of the timeframe bar after the decision, at Ask for buys and Bid for sells (the
price matrix carries each M1 bar's spread), a fixed size of lots x contract, reversing on opposite
signals; the open position is closed on the last bar as MT5 does. Stops use vectorbt's own rules
(fractions of the fill price, from the bar after entry, SL before TP, a gap fills at the open), so
this engine needs `stop_mode = "vectorbt"` when a genome has stops.

vectorbt has no margin, stop-out or swaps: cash is unlimited here and those rules are not applied.
MT5 deal accounting (commission on both deals, gross sums over deals) is rebuilt from its trade
records. Equity is vectorbt's bar-close value, so equity drawdown and Sharpe are close-based, not
tick-based as in the fused engine. Columns are simulated in chunks sized to `memory_budget` bytes.
"""

from __future__ import annotations

import numpy as np

from rayga.errors import ConfigError
from rayga.metrics.deals import balance_drawdowns
from rayga.sim import _nb_state as S
from rayga.sim.enums import CONV_DIV, CONV_MUL, N_METRICS, OPPOSITE_CLOSE, OPPOSITE_REVERSE, STOPS_VECTORBT, M
from rayga.sim.prepared import SimData
from rayga.strategies.base import Strategy

BIG_CASH = 1e12  # "unlimited" cash: vectorbt cannot lend, MT5 margin is not modelled here
BYTES_PER_CELL = 64  # price, signals, and vectorbt's own per-cell work arrays, generously


def _orders(data: SimData, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M1 rows and directions of the signal executions (first M1 bar of the next timeframe bar)."""
    k = np.flatnonzero(signal[:-1])
    return data.m1_start[k + 1], signal[k].astype(np.int8)


def _actions(data: SimData, signal: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For decisions with exits or an `opposite_entry` other than "reverse" (genomes without stops, so the
    position is known between decisions): the M1 rows of vectorbt's orders, their kind (+1 / -1 an entry or
    a reversal that way, +2 close a short, -2 close a long) as rayga's rules resolve each decision: exits
    first, then the entry. An exit and a new entry the same way on one tick has no single vectorbt order."""
    mode = int(data.acct[S.A_OPPOSITE])
    rows, kinds, d = [], [], 0
    for k in np.flatnonzero(signal[:-1]):
        code = int(signal[k])
        entry, exits = (code + 1) % 4 - 1, (code + 1) // 4
        row = int(data.m1_start[k + 1])
        closed = (d > 0 and exits & 1) or (d < 0 and exits & 2)
        if closed:
            if entry == -d:
                d = entry  # closing one way and opening the other on one tick: a reversal
                rows.append(row), kinds.append(d)
                continue
            if entry == d:
                raise ConfigError(f"{where}: the decision at bar {k} exits and re-enters the same way on one tick, "
                                  f"which vectorbt cannot order; use engine = \"numba\"")
            rows.append(row), kinds.append(-2 if d > 0 else 2)
            d = 0
        if entry == 0 or entry == d:
            continue
        if d == 0 or mode == OPPOSITE_REVERSE:
            d = entry
            rows.append(row), kinds.append(d)
        elif mode == OPPOSITE_CLOSE:
            rows.append(row), kinds.append(-2 if d > 0 else 2)
            d = 0
    return np.array(rows, dtype=np.int64), np.array(kinds, dtype=np.int8), np.array([d])


def evaluate_vectorbt(data: SimData, strategy: Strategy, genomes: np.ndarray,
                      memory_budget: int = 1 << 30) -> np.ndarray:
    import vectorbt as vbt

    if getattr(strategy, "writes_orders", lambda: False)():
        raise ConfigError(f"strategy {strategy.name} places pending orders, which the vectorbt engine does not "
                          f"model; use engine = \"numba\"")
    acct = data.acct
    has_stops = np.any(np.array([strategy.stops(g) for g in genomes]) > 0) if len(genomes) else False
    if has_stops and acct[S.A_STOP_MODE] != STOPS_VECTORBT:
        raise ConfigError("the vectorbt engine applies vectorbt's stop rules: set stop_mode = \"vectorbt\" under "
                          "[account] (stops as fractions of the entry price), or use engine = \"numba\"")
    n_rows = len(data.m1_close)
    chunk = max(1, int(memory_budget // (n_rows * BYTES_PER_CELL)))
    out = np.zeros((len(genomes), N_METRICS))
    units = acct[S.A_LOTS] * acct[S.A_CONTRACT]
    last = n_rows - 1
    for lo in range(0, len(genomes), chunk):
        part = genomes[lo:lo + chunk]
        c = len(part)
        long_entries = np.zeros((n_rows, c), dtype=bool)
        short_entries = np.zeros((n_rows, c), dtype=bool)
        exits = np.zeros((n_rows, c), dtype=bool)
        short_exits = np.zeros((n_rows, c), dtype=bool)
        price = np.repeat(data.m1_open[:, None], c, axis=1)
        sl = np.full((1, c), np.nan)
        tp = np.full((1, c), np.nan)
        for col, genome in enumerate(part):
            signal = strategy.signals(data, genome)
            g_sl, g_tp = strategy.stops(genome)
            if any(np.ndim(x) and (np.asarray(x) != g).any() for x, g in zip(strategy.pass_stops(data, genome),
                                                                               (g_sl, g_tp), strict=True)):
                raise ConfigError(f"genome {lo + col} of {strategy.name}: stops per entry (ATR-scaled, or set by "
                                  f"the rule) are not modelled by the vectorbt engine; use engine = \"numba\"")
            if (signal > 1).any() or acct[S.A_OPPOSITE] != OPPOSITE_REVERSE:
                if g_sl > 0 or g_tp > 0:
                    raise ConfigError(f"genome {lo + col} of {strategy.name}: with exits or opposite_entry other than "
                                      f"\"reverse\", the vectorbt engine needs genomes without stops; use engine = "
                                      f"\"numba\"")
                rows, kinds, final = _actions(data, signal, f"genome {lo + col} of {strategy.name}")
                exits[rows[kinds == -2], col] = True
                short_exits[rows[kinds == 2], col] = True
                dirs = np.where(np.abs(kinds) == 2, 0, kinds)
                buys = rows[(kinds == 1) | (kinds == 2)]  # entries long and closes of a short: at Ask
                price[buys, col] += data.spread_price[buys]
            else:
                rows, dirs = _orders(data, signal)
                price[rows[dirs > 0], col] += data.spread_price[rows[dirs > 0]]
                final = dirs[-1:]
            long_entries[rows[dirs > 0], col] = True
            short_entries[rows[dirs < 0], col] = True
            sl[0, col] = g_sl if g_sl > 0 else np.nan
            tp[0, col] = g_tp if g_tp > 0 else np.nan
            # close whatever is open on the last bar's close (Bid for a long, Ask for a short)
            exits[last, col] = True
            short_exits[last, col] = True
            short_at_end = len(final) > 0 and final[0] < 0
            price[last, col] = data.m1_close[last] + (data.spread_price[last] if short_at_end else 0.0)
        long_entries[last] = short_entries[last] = False
        pf = vbt.Portfolio.from_signals(
            close=data.m1_close[:, None], entries=long_entries, exits=exits, short_entries=short_entries,
            short_exits=short_exits, price=price, open=data.m1_open[:, None], high=data.m1_high[:, None],
            low=data.m1_low[:, None], size=units, size_type="amount", init_cash=BIG_CASH, fees=0.0,
            sl_stop=sl, tp_stop=tp, stop_entry_price="fillprice", stop_exit_price="stoplimit",
            upon_opposite_entry="reverse", accumulate=False, freq="1min")
        _fill_metrics(pf, data, out[lo:lo + c])
    return out


def _fill_metrics(pf, data: SimData, out: np.ndarray) -> None:
    """MT5 deal accounting from vectorbt's trade records and value series."""
    acct = data.acct
    deposit = acct[S.A_DEPOSIT]
    comm = acct[S.A_COMM] * acct[S.A_LOTS]
    rec = pf.trades.values  # structured record array
    value = pf.value().to_numpy() - BIG_CASH + deposit
    bar_close_rows = data.m1_stop - 1
    for col in range(out.shape[0]):
        t = rec[rec["col"] == col]
        t = t[np.argsort(t["exit_idx"], kind="stable")]
        short = t["direction"] == 1
        pnl = _deal_profit(t["entry_price"], t["exit_price"], np.where(short, -1.0, 1.0), acct)
        results = np.empty(2 * len(t))
        results[0::2] = -comm
        results[1::2] = pnl - comm
        balance = deposit + np.cumsum(results)
        equity = value[bar_close_rows, col]
        _write(out[col], results, balance, equity, pnl - comm, short, deposit, acct[S.A_BARS_PER_YEAR])


def _deal_profit(entry: np.ndarray, exit_: np.ndarray, direction: np.ndarray, acct: np.ndarray) -> np.ndarray:
    """MT5 money of vectorbt's trades: the kernels' formula and conversion, rounded to cents."""
    units = acct[S.A_LOTS] * acct[S.A_CONTRACT]
    mode = int(acct[S.A_PCONV])
    conv = exit_ if mode == CONV_MUL else (1.0 / exit_ if mode == CONV_DIV else np.ones_like(exit_))
    raw = direction * (exit_ - entry) * units * conv
    return np.sign(raw) * (np.floor(np.abs(raw) * 100.0 + 0.5) / 100.0)


def _write(row, results, balance, equity, trade_results, short, deposit, bars_per_year) -> None:
    n = len(trade_results)
    profit = float(results.sum())
    gp = float(results[results > 0].sum())
    gl = float(results[results < 0].sum())
    row[M["profit"]] = profit
    row[M["gross_profit"]] = gp
    row[M["gross_loss"]] = gl
    row[M["total_trades"]] = n
    row[M["total_deals"]] = 2 * n
    row[M["profit_factor"]] = gp / -gl if gl < 0 else 0.0
    row[M["expected_payoff"]] = profit / n if n else 0.0
    dd = balance_drawdowns(np.concatenate(([deposit], balance)), deposit)
    for name in ("balance_dd_abs", "balance_dd_max", "balance_dd_rel_pct"):
        row[M[name]] = dd[name]
    eq = np.concatenate(([deposit], equity, [deposit + profit]))
    eq_peak = np.maximum.accumulate(eq)
    row[M["equity_dd_abs"]] = deposit - min(deposit, float(eq.min()))
    row[M["equity_dd_max"]] = float((eq_peak - eq).max())
    row[M["equity_dd_rel_pct"]] = float(((eq_peak - eq) / eq_peak).max() * 100)
    row[M["recovery_factor"]] = profit / row[M["equity_dd_max"]] if row[M["equity_dd_max"]] > 0 else 0.0
    r = np.diff(np.log(eq[:-1]))
    r = r[r != 0]
    sharpe = 0.0
    if len(r) >= 2 and r.std() > 0:
        sharpe = max(r.mean() / r.std() * np.sqrt(bars_per_year), -5.0)
    row[M["sharpe_ratio"]] = sharpe
    wins = int((trade_results >= 0).sum())
    row[M["wins"]] = wins
    row[M["win_rate"]] = wins / n * 100 if n else 0.0
    row[M["long_trades"]] = int((~short).sum())
    row[M["short_trades"]] = int(short.sum())
    row[M["final_balance"]] = deposit + profit
