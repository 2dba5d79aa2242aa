"""Trade management, sizing and entry guards of one pass (kernel-only module).

The genes (`rayga.sim.manage`) sit in the state vector from slot `MG` on. When a position opens,
`setup_nb` turns them into price levels of that position: its stop distance at entry (R), its trailing
distance, activation level and step, its break-even trigger and stop. `trigger_nb` then gives the one
favourable price at which management may act next (`TRIG`, lowered by far less than a point so that every
tick where it acts is at or past it): the quiet stretches take it as a bound, the bar paths and the M1 walks
test it, and only a tick at or past it runs `manage_nb` (break-even, then trailing: the stop moves only
towards profit and never to or past the current price). Management acts after the tick's stop, stop-out
and equity checks, as an EA's OnTick runs after the tester's checks (every M1 tick, or each bar's first
tick only: MG_PER_BAR).

Sizing (`lots_nb`) and the guards (`allowed_nb`) run once per entry; the clock of the bar being decided on
(server minute of the day, weekday, day number, the ATR of the last closed bar) is written to the state by
`clock_nb` before a decision or a bar of pending orders.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim.enums import CANCEL, EXIT_ALL

NEVER = 1e18  # a bar number no pass reaches


@njit(cache=True, _nrt=False, inline="always")
def gene_nb(st, i):
    return st[S.MG + i]


@njit(cache=True, _nrt=False, inline="always")
def clock_nb(st, k, clock):
    """The clock of bar k (its open in server time) and the ATR of bar k - 1, for the entry checks and sizing."""
    tod, weekday, day, atr = clock
    st[S.BAR] = k
    if len(tod) > 0:
        st[S.NOW_MINUTE] = tod[k]
        st[S.NOW_WEEKDAY] = weekday[k]
        st[S.NOW_DAY] = day[k]
    st[S.NOW_ATR] = atr[k - 1] if k > 0 and len(atr) > 0 else np.nan
    if k >= st[S.DAY_DUE] and len(tod) > 0:  # the first bar of the next server day (account guards only)
        j = k + 1
        while j < len(day) and day[j] == day[k]:
            j += 1
        st[S.DAY_DUE] = j if j < len(day) else NEVER


@njit(cache=True, _nrt=False, inline="always")
def day_roll_nb(st):
    """A new server day (the clock's) for the entry checks: its entries so far, and the equity floor and
    ceiling of its loss limit and profit lock, from the balance at its start."""
    st[S.DAY] = st[S.NOW_DAY]
    st[S.DAY_TRADES] = 0.0
    loss, gain = gene_nb(st, S.MG_DAY_LOSS), gene_nb(st, S.MG_DAY_PROFIT)
    st[S.DAY_FLOOR] = st[S.BAL] * (1.0 - loss / 100.0) if loss > 0 else -np.inf
    st[S.DAY_CEIL] = st[S.BAL] * (1.0 + gain / 100.0) if gain > 0 else np.inf


@njit(cache=True, _nrt=False)
def guard_hit_nb(st, eq):
    """Whether equity `eq` (a tick of the open position, after its stops and stop-out) trips an account guard:
    the kill switch (then no entry for the rest of the test) or the day's loss limit or profit lock (then none
    until the next server day). The caller closes the position."""
    kill = gene_nb(st, S.MG_KILL)
    if kill > 0 and eq <= st[S.EQ_PEAK] * (1.0 - kill / 100.0):
        st[S.KILLED] = 1.0
        return True
    if eq <= st[S.DAY_FLOOR] or eq >= st[S.DAY_CEIL]:
        st[S.BLOCK_DAY] = st[S.DAY]
        return True
    return False


@njit(cache=True, _nrt=False)
def allowed_nb(st, acct, bid, ask):
    """Whether the guards let an entry (or the placing of pending orders) happen on this tick of a flat
    account; a refusal is counted under the first guard that refuses (window, weekday, spread, kill switch,
    daily limit, trades per day, cooldown, losing streak)."""
    if gene_nb(st, S.MG_ON) == 0.0:
        return True
    h = st[S.NOW_MINUTE] // 60
    start, end = gene_nb(st, S.MG_WINDOW_START), gene_nb(st, S.MG_WINDOW_END)
    inside = (start <= h < end) if start < end else (h >= start or h < end or start == end)
    days = int(gene_nb(st, S.MG_WEEKDAYS))
    if not inside or not (days >> int(st[S.NOW_WEEKDAY])) & 1:
        st[S.SKIP_WINDOW] += 1
        return False
    cap = gene_nb(st, S.MG_MAX_SPREAD)
    if cap > 0 and (ask - bid) / acct[S.A_POINT] > cap + 1e-6:
        st[S.SKIP_SPREAD] += 1
        return False
    if gene_nb(st, S.MG_EQ_GUARD) != 0.0 and not balance_allowed_nb(st):
        return False
    per_day = gene_nb(st, S.MG_MAX_DAY_TRADES)
    if per_day > 0 and st[S.NOW_DAY] == st[S.DAY] and st[S.DAY_TRADES] >= per_day:
        st[S.SKIP_DAY] += 1
        return False
    wait = gene_nb(st, S.MG_COOLDOWN)
    if (wait > 0 and st[S.LAST_CLOSE_BAR] >= 0 and st[S.BAR] - st[S.LAST_CLOSE_BAR] <= wait
            and (gene_nb(st, S.MG_COOLDOWN_LOSS) == 0.0 or st[S.LAST_RESULT] < 0)):
        st[S.SKIP_COOLDOWN] += 1
        return False
    losses = gene_nb(st, S.MG_PAUSE_LOSSES)
    if losses > 0 and st[S.STREAK] >= losses:
        if st[S.BAR] - st[S.LAST_CLOSE_BAR] <= gene_nb(st, S.MG_PAUSE_BARS):
            st[S.SKIP_STREAK] += 1
            return False
        st[S.STREAK] = 0.0  # the pause is over: a new streak
    return True


@njit(cache=True, _nrt=False)
def balance_allowed_nb(st):
    """The account guards of a flat account (its equity is its balance): the kill switch, then the day's
    loss limit and profit lock (an entry on a new server day is checked against that day's, set when it
    opens). A refusal is counted."""
    bal = st[S.BAL]
    kill = gene_nb(st, S.MG_KILL)
    if st[S.KILLED] != 0.0 or (kill > 0 and bal <= st[S.EQ_PEAK] * (1.0 - kill / 100.0)):
        st[S.KILLED] = 1.0
        st[S.SKIP_KILL] += 1
        return False
    if st[S.NOW_DAY] == st[S.DAY] and (st[S.BLOCK_DAY] == st[S.DAY] or bal <= st[S.DAY_FLOOR]
                                         or bal >= st[S.DAY_CEIL]):
        st[S.SKIP_DAILY] += 1
        return False
    return True


@njit(cache=True, _nrt=False)
def lots_nb(st, acct, r_dist, pconv, mconv):
    """The lots of an entry with stop distance `r_dist` (price; 0: none), `pconv` / `mconv` the factors
    converting its profit and margin to the account currency at its price (`_nb.conv_nb`): risk % over the
    stop distance, lots per 10,000 of balance, % of free margin, else the fixed lots; rounded down to the
    volume step and clamped to the symbol's limits. 0: refused (its minimum lot would risk more than the limit)."""
    fixed = acct[S.A_LOTS]
    if gene_nb(st, S.MG_ON) == 0.0:
        return fixed
    if gene_nb(st, S.MG_LOTS) > 0:
        fixed = gene_nb(st, S.MG_LOTS)
    base = gene_nb(st, S.MG_BASE_BALANCE)
    balance = base if base > 0 else st[S.BAL]
    risk, per_10k, margin_pct = gene_nb(st, S.MG_RISK_PCT), gene_nb(st, S.MG_LOTS_PER_10K), gene_nb(st, S.MG_MARGIN_PCT)
    contract = acct[S.A_CONTRACT]
    if risk > 0 and r_dist > 0:
        raw = balance * risk / 100.0 / (r_dist * contract * pconv)
    elif per_10k > 0:
        raw = balance / 10_000.0 * per_10k
    elif margin_pct > 0:
        free = base if base > 0 else st[S.BAL] + st[S.SWAP]
        raw = free * margin_pct / 100.0 / (contract / acct[S.A_LEVERAGE] * mconv)
    else:
        return fixed
    step = acct[S.A_VOL_STEP]
    lots = min(np.floor(raw / step + 1e-9) * step, acct[S.A_VOL_MAX])
    lots = np.round(lots, 8)
    if lots < acct[S.A_VOL_MIN] - 1e-12:
        if risk > 0 and r_dist > 0:
            st[S.SKIP_MINLOT] += 1
            return 0.0
        lots = acct[S.A_VOL_MIN]
    st[S.N_SIZED] += 1  # an entry sized from the balance or margin (its margin is checked next)
    return lots


@njit(cache=True, _nrt=False)
def setup_nb(st, acct, d, price, sl, tp):
    """The levels of a position just opened at `price` (direction d) with stops of `sl` / `tp` points (0:
    none): SL, TP (MG_TP_R: that multiple of the stop distance), trailing, break-even, its time exit."""
    pt = acct[S.A_POINT]
    r = sl * pt if sl > 0 else 0.0
    st[S.R_DIST] = r
    st[S.SL] = price - d * r if sl > 0 else 0.0
    tp_r = gene_nb(st, S.MG_TP_R)
    if tp_r > 0 and r > 0:
        st[S.TP] = price + d * tp_r * r
    else:
        st[S.TP] = price + d * tp * pt if tp > 0 else 0.0
    st[S.ENTRY_BAR] = st[S.BAR]
    st[S.T_DIST] = 0.0
    st[S.BE_AT] = 0.0
    st[S.TRIG] = 0.0
    st[S.DUE_BAR] = NEVER
    if gene_nb(st, S.MG_ON) == 0.0:
        return
    atr = st[S.NOW_ATR]
    dist = gene_nb(st, S.MG_TRAIL_POINTS) * pt + gene_nb(st, S.MG_TRAIL_R) * r
    if gene_nb(st, S.MG_TRAIL_ATR) > 0 and atr == atr:
        dist += gene_nb(st, S.MG_TRAIL_ATR) * atr
    if dist > 0:
        st[S.T_DIST] = dist
        st[S.T_START] = price + d * (gene_nb(st, S.MG_TRAIL_START) * pt + gene_nb(st, S.MG_TRAIL_START_R) * r)
        st[S.T_STEP] = gene_nb(st, S.MG_TRAIL_STEP) * pt
    be = gene_nb(st, S.MG_BE_POINTS) * pt + gene_nb(st, S.MG_BE_R) * r
    if be > 0:
        st[S.BE_AT] = price + d * be
        st[S.BE_SL] = price + d * gene_nb(st, S.MG_BE_LOCK) * pt
    bars = gene_nb(st, S.MG_MAX_BARS)
    if bars > 0:
        st[S.DUE_BAR] = st[S.BAR] + bars
    st[S.TRIG] = trigger_nb(d, st[S.SL], st[S.BE_AT], st[S.BE_SL], st[S.T_DIST], st[S.T_START], st[S.T_STEP])


@njit(cache=True, _nrt=False, inline="always")
def trigger_nb(d, sl, be_at, be_sl, t_dist, t_start, t_step):
    """The favourable price at which management may next act (0: never), lowered (for a long; raised for a
    short) by 1e-9 of the price: far below a point, far above the rounding of the levels it is made of."""
    lvl = np.inf
    if be_at > 0 and (sl == 0.0 or d * (be_sl - sl) > 0):
        lvl = d * be_at
    if t_dist > 0:
        move = d * t_start
        if sl != 0.0:
            move = max(move, d * sl + t_dist + t_step)
        lvl = min(lvl, move)
    if lvl == np.inf:
        return 0.0
    return d * lvl - d * 1e-9 * (1.0 + abs(lvl))


@njit(cache=True, _nrt=False)
def manage_nb(d, px, sl, be_at, be_sl, t_dist, t_start, t_step):
    """A tick at price px (Bid for a long, Ask for a short) at or past the trigger: break-even (once), then
    the trailing stop. Returns (stop, break-even level: 0 or -1 once done, the next trigger). Called, not inlined: it
runs only on ticks past the trigger, and each inlined copy (four in the register walk) cost compile time."""
    if be_at > 0 and d * (px - be_at) >= 0:
        moved = (sl == 0.0 or d * (be_sl - sl) > 0) and d * (px - be_sl) > 0
        if moved:
            sl = be_sl
        be_at = -1.0 if moved else 0.0  # done (-1: it moved the stop, counted at the close)
    if t_dist > 0 and d * (px - t_start) >= 0:
        new = px - d * t_dist
        if sl == 0.0 or d * (new - sl) > t_step:
            sl = new
    return sl, be_at, trigger_nb(d, sl, be_at, be_sl, t_dist, t_start, t_step)


@njit(cache=True, _nrt=False, inline="always")
def manage_state_nb(st, px):
    """`manage_nb` on the position in the state vector."""
    sl, be_at, trig = manage_nb(st[S.DIR], px, st[S.SL], st[S.BE_AT], st[S.BE_SL], st[S.T_DIST], st[S.T_START],
                                st[S.T_STEP])
    st[S.SL] = sl
    st[S.BE_AT] = be_at
    st[S.TRIG] = trig


@njit(cache=True, _nrt=False, inline="always")
def time_exit_due_nb(st, k, px):
    """Whether the position's time exit is due on bar k's first tick (price px: Bid for a long, Ask for a
    short): held MG_MAX_BARS bars, and losing there when MG_MAX_BARS_LOSING."""
    if k < st[S.DUE_BAR]:
        return False
    return gene_nb(st, S.MG_MAX_BARS_LOSING) == 0.0 or st[S.DIR] * (px - st[S.ENTRY]) < 0


@njit(cache=True, _nrt=False)
def mark_closes_nb(signal, tod, weekday, mg):
    """From the server minute MG_CLOSE_MINUTE of each day (Fridays only with MG_CLOSE_FRIDAY) to the day's
    end, the account is flat: every decision executed on such a bar's first tick becomes EXIT_ALL + CANCEL
    (its entry and orders dropped). signal[k - 1] executes on bar k's first tick."""
    at = mg[S.MG_CLOSE_MINUTE]
    if at < 0 or len(tod) == 0:
        return
    friday = mg[S.MG_CLOSE_FRIDAY] != 0.0
    for k in range(1, signal.shape[0]):
        if tod[k] >= at and (not friday or weekday[k] == 5):
            signal[k - 1] = EXIT_ALL + CANCEL
