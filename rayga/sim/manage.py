"""Trade management, position sizing and entry guards: genes any strategy can use.

Each is a parameter by name, fixed or optimized like the strategy's own: a strategy may declare it in its
`params`, or a config names it under [strategy.params] (`Strategy.with_management` adds it to the strategy's
parameters). A gene at its default is off and costs nothing. The kernels read them per pass
(`_nb_manage`, slots `_nb_state.MG_*`):

- trailing stop: `trail_points` + `trail_atr` (ATRs of the bar before the entry, ATR(`atr_period`)) +
  `trail_r` (multiples of the entry's stop distance, R) is the distance behind Bid (long) or Ask (short);
  it starts once the profit reaches `trail_start` points + `trail_start_r` R, and moves only when the stop
  improves by more than `trail_step` points; on every M1 tick, or each bar's first tick with
  `manage_per_bar` = 1; `use_trailing` = 0 switches it off (an EA's UseTrailingStop);
- break-even: once the profit reaches `be_points` + `be_r` R, the stop moves to the entry + `be_lock` points
  (if that improves it and lies on the safe side of the price);
- time exits: close after `max_bars` bars held (on the first tick of bar entry + max_bars; while losing only
  with `max_bars_losing` = 1); from `close_hour`:`close_minute` server time to the day's end the account is
  flat (the position closed, orders cancelled, entries dropped; Fridays only with `close_friday` = 1);
  `tp_r`: take profit at that multiple of the stop distance;
- sizing: `risk_pct` of the balance over the stop distance (with the symbol's profit currency converted at
  the entry price; an entry without a stop gets the fixed lots), else `lots_per_10k` per 10,000 of balance,
  else `margin_pct` of the free margin, else `lots` (0: the account's lots); `base_balance` > 0 sizes from that
  balance instead of the current one; rounded down to the symbol's volume step and clamped to its limits (a
  risk-sized entry whose minimum lot would risk more is skipped and counted: `skipped_min_lot`);
- guards, at the entry tick (a market entry, or the placing of pending orders): `window_start` <=
  server hour < `window_end` (wrapping midnight when start > end; equal: always; `use_window` = 0: no
  window, as an EA's UseSessionFilter; MT5's tester keeps GMT equal to server time), `trade_sunday` ..
  `trade_saturday`, spread <= `max_spread` points, at most `max_day_trades` entries per server day,
  `cooldown_bars` bars after a close (after a loss only with `cooldown_loss_only` = 1), no entry for
  `pause_bars` bars after `pause_losses` losing trades in a row (the streak then starts again);
- account guards, on every tick of an open position (after its stops and the stop-out, before its
  management, as an EA's OnTick): once the equity is `day_loss_pct` % below the server day's starting
  balance (daily loss limit) or `day_profit_pct` % above it (daily profit lock) the position is closed
  (reason "guard") and no entry happens until the next server day; once it is `kill_dd_pct` % below its peak
  (kill switch), none for the rest of the test. A flat account whose balance is past a limit is blocked the
  same way. Each refusal is counted in the pass's metrics (`skipped_window`, `skipped_spread`,
  `skipped_day_trades`, `skipped_cooldown`, `skipped_losing_streak`, `skipped_daily_limit`,
  `skipped_kill_switch`).

The management genes run under MT5's stop rules (not `stop_mode = "vectorbt"`).
"""

from __future__ import annotations

import weakref

import numpy as np

from rayga.data.bars import M1_NS
from rayga.data.timezones import to_local
from rayga.errors import ConfigError
from rayga.sim import _nb_state as S
from rayga.sim.prepared import SimData
from rayga.strategies.base import Param

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

MANAGE_PARAMS: tuple[Param, ...] = (
    Param("use_trailing", "int", 1, 0, 1, 1, "0: no trailing stop (the trail_* genes ignored)"),
    Param("trail_points", "float", 0, 0, 50, 1000, "trailing distance in points (0: none)"),
    Param("trail_atr", "float", 0, 0, 0.5, 5, "trailing distance in ATRs at entry (added to trail_points)"),
    Param("trail_r", "float", 0, 0, 0.5, 5, "trailing distance in multiples of the entry's stop distance"),
    Param("trail_start", "float", 0, 0, 50, 1000, "profit in points before trailing starts"),
    Param("trail_start_r", "float", 0, 0, 0.5, 5, "profit in R before trailing starts (added to trail_start)"),
    Param("trail_step", "float", 0, 0, 10, 200, "points the stop must improve by to move"),
    Param("manage_per_bar", "int", 0, 0, 1, 1, "1: trailing and break-even act on each bar's first tick only"),
    Param("be_points", "float", 0, 0, 50, 1000, "profit in points that moves the stop to break-even (0: off)"),
    Param("be_r", "float", 0, 0, 0.5, 5, "profit in R that moves the stop to break-even (added to be_points)"),
    Param("be_lock", "float", 0, 0, 5, 100, "points beyond the entry the break-even stop locks in"),
    Param("max_bars", "int", 0, 0, 10, 500, "close after this many bars held (0: off)"),
    Param("max_bars_losing", "int", 0, 0, 1, 1, "1: the max_bars exit only while the position is losing"),
    Param("close_hour", "int", -1, -1, 1, 23, "server hour from which the account is flat each day (-1: off)"),
    Param("close_minute", "int", 0, 0, 15, 45, "minute of close_hour"),
    Param("close_friday", "int", 0, 0, 1, 1, "1: close_hour applies on Fridays only"),
    Param("tp_r", "float", 0, 0, 0.5, 5, "take profit at this multiple of the stop distance (0: off)"),
    Param("lots", "float", 0, 0, 0.1, 10, "fixed lots of an entry not sized otherwise (0: the account's lots)"),
    Param("risk_pct", "float", 0, 0, 0.5, 5, "lots risking this % of the balance at the stop (0: off)"),
    Param("risk_equity", "int", 0, 0, 1, 1, "1: risk_pct of the equity rather than the balance"),
    Param("lots_per_10k", "float", 0, 0, 0.1, 2, "lots per 10,000 of balance (0: off)"),
    Param("margin_pct", "float", 0, 0, 5, 50, "lots using this % of the free margin (0: off)"),
    Param("base_balance", "float", 0, 0, 1000, 100_000, "the balance sizing uses (0: the current one)"),
    Param("max_spread", "float", 0, 0, 5, 100, "refuse entries above this spread in points (0: off)"),
    Param("use_window", "int", 1, 0, 1, 1, "0: no entry window (window_start and window_end ignored)"),
    Param("window_start", "int", 0, 0, 1, 23, "entries from this server hour"),
    Param("window_end", "int", 24, 1, 1, 24, "entries before this server hour (wraps midnight if below start)"),
    *(Param(f"trade_{d}", "int", 1, 0, 1, 1, f"1: entries on {d.capitalize()}s") for d in WEEKDAYS),
    Param("max_day_trades", "int", 0, 0, 1, 10, "entries per server day (0: no limit)"),
    Param("cooldown_bars", "int", 0, 0, 1, 50, "bars after a close without entries"),
    Param("cooldown_loss_only", "int", 0, 0, 1, 1, "1: the cooldown after a losing close only"),
    Param("pause_losses", "int", 0, 0, 1, 10, "losing trades in a row after which entries pause (0: off)"),
    Param("pause_bars", "int", 1, 1, 1, 500, "bars the pause after pause_losses losses lasts, from the last close"),
    Param("day_loss_pct", "float", 0, 0, 0.5, 10,
          "daily loss limit: flat, no entry until the next server day, at this % below the day's start (0: off)"),
    Param("day_profit_pct", "float", 0, 0, 0.5, 10,
          "daily profit lock: flat, no entry until the next server day, at this % above the day's start (0: off)"),
    Param("kill_dd_pct", "float", 0, 0, 1, 50,
          "kill switch: flat and no entry for the rest of the test at this % below the equity peak (0: off)"),
    Param("atr_period", "int", 14, 7, 7, 28, "ATR period of trail_atr"),
)
BY_NAME = {p.name: p for p in MANAGE_PARAMS}
NAMES = tuple(BY_NAME)
_SLOTS = {"trail_points": S.MG_TRAIL_POINTS, "trail_atr": S.MG_TRAIL_ATR, "trail_r": S.MG_TRAIL_R,
          "trail_start": S.MG_TRAIL_START, "trail_start_r": S.MG_TRAIL_START_R, "trail_step": S.MG_TRAIL_STEP,
          "manage_per_bar": S.MG_PER_BAR, "be_points": S.MG_BE_POINTS, "be_r": S.MG_BE_R, "be_lock": S.MG_BE_LOCK,
          "max_bars": S.MG_MAX_BARS, "max_bars_losing": S.MG_MAX_BARS_LOSING, "close_friday": S.MG_CLOSE_FRIDAY,
          "tp_r": S.MG_TP_R, "risk_pct": S.MG_RISK_PCT, "risk_equity": S.MG_RISK_EQUITY,
          "lots_per_10k": S.MG_LOTS_PER_10K, "margin_pct": S.MG_MARGIN_PCT, "base_balance": S.MG_BASE_BALANCE,
          "max_spread": S.MG_MAX_SPREAD, "window_start": S.MG_WINDOW_START, "window_end": S.MG_WINDOW_END,
          "max_day_trades": S.MG_MAX_DAY_TRADES, "cooldown_bars": S.MG_COOLDOWN,
          "cooldown_loss_only": S.MG_COOLDOWN_LOSS, "pause_losses": S.MG_PAUSE_LOSSES, "pause_bars": S.MG_PAUSE_BARS,
          "day_loss_pct": S.MG_DAY_LOSS, "day_profit_pct": S.MG_DAY_PROFIT, "kill_dd_pct": S.MG_KILL, "lots": S.MG_LOTS}
_BOOLS = ("use_window", "use_trailing", "manage_per_bar", "max_bars_losing", "close_friday", "risk_equity",
          "cooldown_loss_only", *(f"trade_{d}" for d in WEEKDAYS))
_LIMITS = {"window_start": (0, 23), "window_end": (0, 24), "close_hour": (-1, 23), "close_minute": (0, 59),
           "atr_period": (1, 10_000), "pause_bars": (1, np.inf), "day_loss_pct": (0, 100), "kill_dd_pct": (0, 100)}


def management_params(names) -> tuple[Param, ...]:  # noqa: ANN001 - an iterable of names
    """The management genes among `names`, in the order of MANAGE_PARAMS."""
    wanted = set(names)
    return tuple(p for p in MANAGE_PARAMS if p.name in wanted)


def values(param_names: tuple[str, ...], genomes: np.ndarray) -> dict[str, np.ndarray]:
    """Each management gene's column for the genomes (its default where the strategy has no such gene)."""
    index = {n: i for i, n in enumerate(param_names)}
    n = len(genomes)
    return {name: genomes[:, index[name]] if name in index else np.full(n, float(p.default))
            for name, p in BY_NAME.items()}


def check(param_names: tuple[str, ...], genomes: np.ndarray, where: str = "") -> None:
    """A one-line ConfigError naming the first genome whose management gene is out of its range."""
    present = [n for n in param_names if n in BY_NAME]
    if not present:
        return
    cols = values(param_names, genomes)
    for name in present:
        col = cols[name]
        lo, hi = _LIMITS.get(name, (0, 1 if name in _BOOLS else np.inf))
        bad = (col < lo) | (col > hi) | ((col != np.floor(col)) if BY_NAME[name].kind == "int" else False)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            kind = "a whole number" if BY_NAME[name].kind == "int" else "a number"
            what = "0 or 1" if name in _BOOLS else (f"{kind} from {lo} to {hi}" if hi < np.inf else f"{kind} >= {lo}")
            raise ConfigError(f"`{name}` must be {what} (genome {i}: {name}={col[i]:g}){'; ' + where if where else ''}")


def pack(param_names: tuple[str, ...], genomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(management vectors: one row of N_MG per genome, the distinct ATR periods they read)."""
    cols = values(param_names, genomes)
    n = len(genomes)
    mg = np.zeros((n, S.N_MG))
    for name, slot in _SLOTS.items():
        mg[:, slot] = cols[name]
    mg[:, S.MG_CLOSE_MINUTE] = np.where(cols["close_hour"] >= 0, cols["close_hour"] * 60 + cols["close_minute"], -1)
    mg[:, S.MG_WINDOW_START] = np.where(cols["use_window"] != 0, cols["window_start"], 0)  # off: 0-24, always inside
    mg[:, S.MG_WINDOW_END] = np.where(cols["use_window"] != 0, cols["window_end"], 24)
    for name in ("trail_points", "trail_atr", "trail_r"):  # no distance: no trailing
        mg[:, _SLOTS[name]] = np.where(cols["use_trailing"] != 0, cols[name], 0)
    mg[:, S.MG_WEEKDAYS] = sum((cols[f"trade_{d}"] != 0) * (1 << i) for i, d in enumerate(WEEKDAYS))
    on = np.zeros(n, dtype=bool)
    for name, p in BY_NAME.items():
        if name not in ("atr_period", "close_minute", "pause_bars", "use_window", "use_trailing"):  # alone: nothing
            on |= cols[name] != p.default
    mg[:, S.MG_ON] = on
    mg[:, S.MG_EQ_GUARD] = on & ((cols["day_loss_pct"] > 0) | (cols["day_profit_pct"] > 0) | (cols["kill_dd_pct"] > 0))
    uses_atr = on & (mg[:, S.MG_TRAIL_ATR] > 0)
    periods = np.unique(cols["atr_period"][uses_atr]).astype(np.int64)
    mg[:, S.MG_ATR_ROW] = np.where(uses_atr, np.searchsorted(periods, cols["atr_period"]), 0)
    return np.ascontiguousarray(mg), periods


def any_on(mg: np.ndarray) -> bool:
    return bool(mg[:, S.MG_ON].any()) if len(mg) else False


_CLOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ATRS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NONE = (np.empty(0), np.empty(0), np.empty(0))


def clock(data: SimData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(server minute of the day, weekday 0 = Sunday, day number) of each timeframe bar's open, float64."""
    got = _CLOCKS.get(data)
    if got is None:
        local = to_local(data.m1_time[data.m1_start], data.server_tz)
        day = local // (1440 * M1_NS)
        got = _CLOCKS[data] = tuple(np.ascontiguousarray(a, dtype=np.float64) for a in (
            (local % (1440 * M1_NS)) // M1_NS, (day + 4) % 7, day))
    return got


def atr_rows(data: SimData, periods: np.ndarray) -> np.ndarray:
    """MT5's ATR of the timeframe bars for each period (one row each; one empty row when none)."""
    if not len(periods):
        return np.empty((1, 0))
    from rayga.indicators._nb import atr_nb

    cache = _ATRS.setdefault(data, {})
    for p in periods:
        if int(p) not in cache:
            cache[int(p)] = atr_nb(data.tf_high, data.tf_low, data.tf_close, int(p))
    return np.ascontiguousarray(np.stack([cache[int(p)] for p in periods]))


def kernel_inputs(data: SimData, param_names: tuple[str, ...], genomes: np.ndarray) -> tuple:
    """(mg, clock, atr rows) of a batch as the kernels take them: the clock only where a gene is on."""
    mg, periods = pack(param_names, genomes)
    if any_on(mg):
        from rayga.sim.enums import STOPS_VECTORBT

        if data.acct[S.A_STOP_MODE] == STOPS_VECTORBT:
            names = [n for n in param_names if n in BY_NAME]
            raise ConfigError(f"trade management, sizing and guards (`{names[0]}`) run under MT5's stop rules only; "
                              f"set stop_mode = \"mt5\" under [account]")
        return mg, clock(data), atr_rows(data, periods)
    return mg, _NONE, atr_rows(data, periods)


def batch_inputs(manage: tuple) -> tuple:
    """`kernel_inputs` as a batch kernel takes them: None, None, None when no genome has a gene on (the kernel
    is then compiled and run without the management code: `_nb_loop.simulate_nb`)."""
    return manage if any_on(manage[0]) else (None, None, None)
