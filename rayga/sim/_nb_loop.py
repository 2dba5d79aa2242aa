"""The bar loop of one pass and its metrics (kernel-only module).

The loop walks timeframe bars with the open position's hot state in local variables (registers) and
descends to M1 ticks (`_nb.fast_descend_nb`, `_nb.descend_nb`) only inside bars where a stop,
take-profit or stop-out level is in reach, or where a new equity high leaves the exact drawdown unknown;
in batches (no deals kept) not even there when the bar's only event is one stop level filled at its
price that no tick before it can add to the drawdown.
Elsewhere a bar is settled from its extremes: its adverse extreme is its lowest equity, and a new high
inside it can add at most lots x contract x the bar's largest adverse move (precomputed in tick order) to
the money drawdown, and at most that over the old peak to the relative drawdown.
Most bars of a pass are quiet stretches of an open position: `_nb_quiet.quiet_nb` settles them in SIMD
chunks and prefetches what the full loop reads at the bar that ends them.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim import enums as E
from rayga.sim._nb import (
    cancel_orders_nb,
    close_nb,
    conv_nb,
    descend_nb,
    execute_nb,
    exit_money_nb,
    fast_descend_nb,
    reset_state_nb,
    rollover_nb,
)
from rayga.sim._nb_manage import NEVER, clock_nb, day_roll_nb, manage_state_nb, time_exit_due_nb, trigger_nb
from rayga.sim._nb_orders import next_flat_event_nb, orders_bar_nb, orders_due_nb, place_orders_nb
from rayga.sim._nb_quiet import bar_return_nb, quiet_nb
from rayga.sim.enums import CONV_DIV, DEAL_END, FILL_MARKET


@njit(cache=True, inline="always")
def read_position_nb(st, contract, mg):
    """(direction, entry, SL, TP, margin, balance + swap, balance, units, management trigger, time-exit bar);
    the last two constants (none) in a pass without management genes (`mg` None)."""
    trig, due = 0.0, NEVER
    if mg is not None:
        trig, due = st[S.TRIG], min(st[S.DUE_BAR], st[S.DAY_DUE])
    return (st[S.DIR], st[S.ENTRY], st[S.SL], st[S.TP], st[S.MARGIN], st[S.BAL] + st[S.SWAP], st[S.BAL],
            st[S.LOTS] * contract, trig, due)


@njit(cache=True, inline="always")
def read_hot_nb(st):
    return (st[S.EQ_PEAK], st[S.EQ_DD], st[S.EQ_DD_REL], st[S.EQ_MIN], st[S.LAST_EQ], st[S.SH_SUM],
            st[S.SH_SUMSQ], st[S.SH_N])


@njit(cache=True, inline="always")
def settle_nb(peak, trough, dd, rel):
    """Book the pending drawdown candidate (peak - lowest equity since that peak)."""
    dd = max(dd, peak - trough)
    if peak > 0:
        rel = max(rel, (peak - trough) / peak)
    return dd, rel


@njit(cache=True, inline="always")
def write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn):
    st[S.EQ_PEAK] = peak
    st[S.EQ_DD] = dd
    st[S.EQ_DD_REL] = rel
    st[S.EQ_MIN] = eq_min
    st[S.LAST_EQ] = last
    st[S.SH_SUM] = s1
    st[S.SH_SUMSQ] = s2
    st[S.SH_N] = sn


@njit(cache=True, _nrt=False, inline="always", error_model="numpy")
def next_decision_nb(signal, k, n):
    """The first bar j >= k (k >= 1) with a decision on its first tick (signal[j - 1] != 0), or n: by
    blocks of 32 bars, each tested branch-free (SIMD lanes) for its first nonzero."""
    j = k
    while j < n:
        c = min(32, n - j)
        block = signal[j - 1:j - 1 + c]
        first = c
        for t in range(c):
            first = min(first, t if block[t] != 0 else c)
        j += first
        if first < c:
            break
    return j


@njit(cache=True, _nrt=False, inline="always")
def lone_exit_nb(st, acct, sl_hit, d, entry, base, units, sl_px, e_min, trough):
    """Whether a bar of an open position whose only event is one stop level (SL or TP in reach, the
    other not, no stop-out, no new equity high: the caller's tests) books nothing but its exit at that
    level (order fill), so that its ticks need no walk. The ticks before the exit lie between the bar's
    lowest equity e_min (for a stop loss: the equity at the stop) and the peak: they change no drawdown
    figure when none is below the lowest equity since the peak (trough), or, for a stop loss, when the
    balance after the exit (`exit_money_nb`, as `close_nb` books it) is at most the equity at the stop
    (its drawdown then covers theirs)."""
    if e_min >= trough:
        return True
    if not sl_hit:
        return False
    profit = d * (sl_px - entry) * units
    at_stop = base + profit
    if at_stop >= trough:
        return True
    booked, commission, swap = exit_money_nb(st, acct, profit)  # what `close_nb` books
    return st[S.BAL] + (booked + commission + swap) <= at_stop


@njit(cache=True, _nrt=False, inline="always")
def quiet_run_nb(k, n, d, entry, base, units, sl_px, tp_px, so_margin, peak, trough, eq_min, last, s1, s2, sn,
                 signal, swap_units, has_swap, sim, curve, scratch):
    """`_nb_quiet.quiet_nb` over the arrays of the position's side (a long's Bid extremes and closes, a short's
    Ask ones), with the prefetch list of what the full loop reads at the bar that ends the stretch. `tp_px` is
    the nearer of the take profit and the management trigger (in d x price), `n` the stretch's last bar + 1."""
    (m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop, tf_open, tf_close,
     open_spread, close_ask, tf_high, tf_low, ask_high, ask_low, long_drop, short_drop, _) = sim
    if d > 0:  # the side's arrays chosen first: one inlined copy of the stretch
        adv, fav, px, pre = tf_low, tf_high, tf_close, (tf_open, open_spread, long_drop, m1_start, ask_high, ask_low,
                                                       close_ask, short_drop)
    else:
        adv, fav, px, pre = ask_high, ask_low, close_ask, (tf_open, open_spread, short_drop, m1_start, tf_low,
                                                          tf_high, tf_close, long_drop)
    return quiet_nb(k, n, d, entry, base, units, sl_px, tp_px, so_margin, peak, trough, eq_min, last, s1, s2, sn,
                    signal, swap_units, has_swap, adv, fav, px, curve, scratch, pre)


@njit(cache=True, _nrt=False, inline="always")
def first_tick_nb(st, acct, deals, k, sig, sim, sl, tp, sl_bar, tp_bar, orders, mg, clock):
    """What happens on bar k's first tick: the rollover swap of an open position, its time exit, its
    management when it acts once a bar, then the decision of bar k - 1 (`execute_nb`: exits, then the entry;
    then the stop's move to its trailing level; then its pending orders: cancelled, or placed)."""
    tf_open, open_spread, m1_start, swap_units = sim[8], sim[10], sim[6], sim[18]
    bid0 = tf_open[k]
    ask0 = bid0 + open_spread[k]
    if mg is not None:
        if st[S.MG + S.MG_ON] != 0.0:
            clock_nb(st, k, clock)
            if st[S.MG + S.MG_EQ_GUARD] != 0.0 and st[S.NOW_DAY] != st[S.DAY]:
                day_roll_nb(st)  # the day's limits from its starting balance (a position may be open)
    d = st[S.DIR]
    if d != 0.0:
        if swap_units[k] > 0:
            rollover_nb(st, acct, swap_units[k], bid0, ask0)
        if mg is not None:
            px = bid0 if d > 0 else ask0
            if time_exit_due_nb(st, k, px):
                close_nb(st, acct, deals, m1_start[k], px, np.int64(E.DEAL_TIME))
            elif st[S.TRIG] > 0 and st[S.MG + S.MG_PER_BAR] != 0.0 and d * (px - st[S.TRIG]) >= 0:
                manage_state_nb(st, px)
    if sig == 0:
        return
    sl_k = sl_bar[k - 1] if len(sl_bar) > 0 else sl
    tp_k = tp_bar[k - 1] if len(tp_bar) > 0 else tp
    execute_nb(st, acct, deals, m1_start[k], np.int64(sig), bid0, ask0, sl if np.isnan(sl_k) else sl_k,
               tp if np.isnan(tp_k) else tp_k, mg)
    flags = (sig + 1) // 4
    if flags & (E.CANCEL // 4):
        cancel_orders_nb(st)
    if orders is not None:  # None: a rule that places no orders and supplies no trailing level
        if flags & (E.TRAIL // 4) and st[S.DIR] != 0.0:
            trail_to_nb(st, orders[5][k - 1], bid0, ask0, mg)
        if flags & (E.ORDERS // 4):
            place_orders_nb(st, acct, k, bid0, ask0, orders, sl, tp, sl_bar, tp_bar, mg)


@njit(cache=True, _nrt=False)
def trail_to_nb(st, level, bid, ask, mg):
    """The open position's stop to a level of the rule (`rayga.rules.Decisions.trail`) if that improves it and
    lies below Bid (a long) / above Ask (a short); then its management trigger again (`mg`: genes)."""
    d = st[S.DIR]
    px = bid if d > 0 else ask
    sl = st[S.SL]
    if level > 0 and d * (px - level) > 0 and (sl == 0.0 or d * (level - sl) > 0):
        st[S.SL] = level
        if mg is not None:
            st[S.TRIG] = trigger_nb(d, level, st[S.BE_AT], st[S.BE_SL], st[S.T_DIST], st[S.T_START], st[S.T_STEP])


@njit(cache=True, _nrt=False, inline="always")
def bar_extremes_nb(k, d, entry, base, units, pconv, sim):
    """(lowest equity, highest equity, adverse extreme, favourable extreme, largest adverse move in price) of
    bar k for the open position (its prices: Bid for a long, Ask for a short)."""
    if d > 0:
        adverse, favour, drop = sim[13][k], sim[12][k], sim[16][k]
    else:
        adverse, favour, drop = sim[14][k], sim[15][k], sim[17][k]
    if pconv == 0:
        return base + d * (adverse - entry) * units, base + d * (favour - entry) * units, adverse, favour, drop
    return (base + d * (adverse - entry) * units * conv_nb(pconv, adverse),
            base + d * (favour - entry) * units * conv_nb(pconv, favour), adverse, favour, drop)


@njit(cache=True, _nrt=False, inline="always")
def position_bar_nb(st, acct, deals, k, sim, settled, pconv, so, d, entry, sl_px, tp_px, trig, margin, base, units,
                    peak, dd, rel, eq_min, trough, last, s1, s2, sn, mg, guarded, g_kill):
    """Bar k of an open position: settled from its extremes when nothing can happen in it, else its ticks
    walked (or its lone stop exit booked without them: `lone_exit_nb`); `trig`: the price at which its
    management acts on the ticks (0: not on the ticks); with account guards (`guarded`), the equity floor and
    ceiling of the day (in the state) and the kill switch's fraction of the peak (0: off), which a bar's
    extremes may reach: its ticks are then walked one by one (`descend_nb`). Returns (walked: the state vector
    holds the position and the hot figures now, peak, dd, rel, eq_min, trough)."""
    e_min, e_max, adverse, favour, drop = bar_extremes_nb(k, d, entry, base, units, pconv, sim)
    sl_hit = sl_px > 0 and d * (adverse - sl_px) <= 0
    tp_hit = tp_px > 0 and d * (favour - tp_px) >= 0
    so_hit = e_min * 100.0 <= so * margin
    mg_hit = trig > 0 and d * (favour - trig) >= 0
    if guarded:  # a new high inside the bar raises the kill switch's floor at most to that of its highest equity
        mg_hit = mg_hit or e_min <= max(st[S.DAY_FLOOR], g_kill * max(peak, e_max)) or e_max >= st[S.DAY_CEIL]
    needs = sl_hit or tp_hit or so_hit or mg_hit
    drop_money = drop * units
    if not needs and e_max > peak:
        needs = pconv == CONV_DIV or peak <= 0 or drop_money / peak > rel
    if not needs:
        if e_min > peak:  # the whole bar is above the old peak
            dd, rel = settle_nb(peak, trough, dd, rel)
            peak = e_min
            trough = e_min
        trough = min(trough, e_min)
        eq_min = min(eq_min, e_min)
        if e_max > peak:
            dd, rel = settle_nb(peak, trough, dd, rel)
            dd = max(dd, drop_money)
            peak = e_max
            trough = e_max
        return False, peak, dd, rel, eq_min, trough
    dd, rel = settle_nb(peak, trough, dd, rel)
    write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
    st[S.BAR] = k
    j0, j1 = sim[6][k], sim[7][k]
    if settled and sl_hit != tp_hit and not so_hit and not mg_hit and e_max <= peak and lone_exit_nb(
            st, acct, sl_hit, d, entry, base, units, sl_px, e_min, trough):
        close_nb(st, acct, deals, j0, sl_px if sl_hit else tp_px, np.int64(E.DEAL_SL if sl_hit else E.DEAL_TP))
    elif pconv == 0 and not guarded:
        fast_descend_nb(st, acct, deals, sim[0], sim[1], sim[2], sim[3], sim[4], sim[5], j0, j1, mg)
    else:
        descend_nb(st, acct, deals, sim[0], sim[1], sim[2], sim[3], sim[4], sim[5], j0, j1, mg)
    return True, peak, dd, rel, eq_min, trough


@njit(cache=True, _nrt=False, inline="always")
def close_equity_nb(k, d, entry, base, bal, units, pconv, sim):
    """The equity at bar k's close: the balance when flat, else with the position's floating profit at the
    closing Bid (long) or Ask (short)."""
    if d == 0.0:
        return bal
    px = sim[9][k] if d > 0 else sim[11][k]
    if pconv == 0:
        return base + d * (px - entry) * units
    return base + d * (px - entry) * units * conv_nb(pconv, px)


@njit(cache=True, _nrt=False, inline="always")
def open_due_nb(k, d, due, trig, per_bar, sim):
    """Whether the open position's time exit or its once-a-bar management may act on bar k's first tick."""
    if d == 0.0:
        return False
    if k >= due:
        return True
    if trig == 0.0 or not per_bar:
        return False
    px = sim[8][k] if d > 0 else sim[8][k] + sim[10][k]
    return d * (px - trig) >= 0


@njit(cache=True, _nrt=False, inline="always")
def pass_flags_nb(mg):
    """(management once a bar, account guards: every bar of a position settled or walked on its own, no quiet
    stretches; the kill switch's fraction of the equity peak, 0: off) of a pass."""
    per_bar, guarded, g_kill = False, False, 0.0
    if mg is not None:
        per_bar = mg[S.MG_PER_BAR] != 0.0
        guarded = mg[S.MG_EQ_GUARD] != 0.0
        g_kill = 1.0 - mg[S.MG_KILL] / 100.0 if mg[S.MG_KILL] > 0 else 0.0
    return per_bar, guarded, g_kill


@njit(cache=True, _nrt=False)
def orders_walk_nb(st, acct, deals, k, sim, mg, clock):
    """Bar k of a flat account whose pending orders it may expire or trigger (`_nb_orders.orders_bar_nb`).
    Called, not inlined (as `end_of_test_nb`): a rare path, compiled once outside the bar loop."""
    if mg is not None:
        if mg[S.MG_ON] != 0.0:
            clock_nb(st, k, clock)
    orders_bar_nb(st, acct, deals, k, sim[0], sim[1], sim[2], sim[3], sim[4], sim[5], sim[6][k], sim[7][k], mg)


@njit(cache=True, _nrt=False)
def end_of_test_nb(st, acct, deals, sim):
    """The position still open closed at the last M1 bar's close (Bid for a long, Ask for a short)."""
    n = len(sim[6])
    if st[S.DIR] != 0.0 and n > 0:
        jl = sim[7][n - 1] - 1
        px = sim[3][jl] if st[S.DIR] > 0 else sim[3][jl] + sim[4][jl]
        close_nb(st, acct, deals, jl, px, np.int64(DEAL_END))


@njit(cache=True, _nrt=False)
def simulate_nb(sim, signal, sl, tp, sl_bar, tp_bar, orders, acct, st, deals, curve, out, mg, clock):
    """Simulate one pass over all timeframe bars of `sim` (`SimData.kernel_args()`); metrics go to `out`,
    deals to `deals` (if sized), the equity at each bar's close to `curve` (if sized: a report's equity curve;
    empty in batches). `signal` holds each bar's decision (`enums`: +1 / -1 entries plus EXIT_LONG / EXIT_SHORT
    exits, ORDERS and CANCEL for pending orders, whose prices and expiry are the arrays of `orders`, sized
    only where a rule places them; `orders` None for a rule that never places one nor trails to its own level:
    compiled without that code). SL/TP are `sl`/`tp` points for every entry, or, where `sl_bar`/`tp_bar`
    are sized, the points given for the decision bar of each entry (NaN there: `sl`/`tp`). `mg`: the pass's
    management genes (`_nb_state.MG_*`), `clock`: (server minute of the day, weekday, day number, ATR) per bar
    (empty arrays when no gene is on; the closes at a time of day are marked in `signal` by the caller:
    `_nb_manage.mark_closes_nb`). `mg` and `clock` None: a pass without management genes, compiled without
    their code (Numba drops each `if mg is not None:` branch before typing it: a plain batch's cold compile
    is that much shorter).
    `st` is a work array of length N_STATE. Compiled without reference counting: it allocates nothing."""
    m1_start, swap_units = sim[6], sim[18]
    reset_state_nb(st, acct, mg)
    contract = acct[S.A_CONTRACT]
    so = acct[S.A_STOP_OUT]
    pconv = int(acct[S.A_PCONV])
    per_bar, guarded, g_kill = pass_flags_nb(mg)
    has_swap = acct[S.A_SWAP_LONG] != 0.0 or acct[S.A_SWAP_SHORT] != 0.0
    d, entry, sl_px, tp_px, margin, base, bal, units, trig, due = read_position_nb(st, contract, mg)
    peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
    trough = peak  # lowest equity since `peak` whose drawdown is not yet booked into dd/rel
    n = len(m1_start)
    # a bar's stop exit may be booked without its ticks where no deal is recorded (its tick is not needed)
    # and the exit fills at the level (order fill; a market fill depends on the tick)
    settled = pconv == 0 and len(deals) == 0 and acct[S.A_FILL] != FILL_MARKET
    k = 0
    while k < n:
        if pconv == 0 and d != 0.0 and not guarded:
            near = tp_px if trig == 0.0 or (tp_px > 0 and d * (tp_px - trig) <= 0) else trig
            k, trough, eq_min, last, s1, s2, sn = quiet_run_nb(
                k, min(n, int(due)), d, entry, base, units, sl_px, near, so * margin, peak, trough, eq_min, last,
                s1, s2, sn, signal, swap_units, has_swap, sim, curve, st[S.SCRATCH:])
            if k >= n:
                break
        sig = signal[k - 1] if k > 0 else 0
        if sig != 0 or (has_swap and d != 0.0 and swap_units[k] > 0) or open_due_nb(k, d, due, trig, per_bar, sim):
            dd, rel = settle_nb(peak, trough, dd, rel)
            write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
            first_tick_nb(st, acct, deals, k, sig, sim, sl, tp, sl_bar, tp_bar, orders, mg, clock)
            d, entry, sl_px, tp_px, margin, base, bal, units, trig, due = read_position_nb(st, contract, mg)
            peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
            trough = peak
        walked = False
        if d != 0.0:
            walked, peak, dd, rel, eq_min, trough = position_bar_nb(
                st, acct, deals, k, sim, settled, pconv, so, d, entry, sl_px, tp_px, 0.0 if per_bar else trig,
                margin, base, units, peak, dd, rel, eq_min, trough, last, s1, s2, sn, mg, guarded, g_kill)
        elif orders is not None:
            if st[S.O_ANY] != 0.0 and orders_due_nb(st, k, sim[14], sim[15], sim[13], sim[12]):
                dd, rel = settle_nb(peak, trough, dd, rel)
                write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
                orders_walk_nb(st, acct, deals, k, sim, mg, clock)
                walked = True
        if walked:
            d, entry, sl_px, tp_px, margin, base, bal, units, trig, due = read_position_nb(st, contract, mg)
            peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
            trough = peak
        eq = close_equity_nb(k, d, entry, base, bal, units, pconv, sim)
        s1, s2, sn = bar_return_nb(eq, last, s1, s2, sn)
        last = eq
        if k < len(curve):
            curve[k] = eq
        k += 1
        if d == 0.0:  # flat: nothing moves the equity (no floating profit, no swap) until the next event
            if orders is None:
                j = next_decision_nb(signal, k, n)
            else:
                j = next_decision_nb(signal, k, n) if st[S.O_ANY] == 0.0 else next_flat_event_nb(
                    st, signal, k, n, sim[14], sim[15], sim[13], sim[12])
            if len(curve) > 0:
                curve[k:j] = bal
            k = j
    dd, rel = settle_nb(peak, trough, dd, rel)
    write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
    end_of_test_nb(st, acct, deals, sim)
    metrics_nb(st, acct, out)


@njit(cache=True)
def metrics_nb(st, acct, out):
    """MT5 report figures from the final state (defined values where a ratio is undefined)."""
    dep = acct[S.A_DEPOSIT]
    profit = st[S.BAL] - dep
    trades = st[S.TRADES]
    out[:] = 0.0
    out[E.M_PROFIT] = profit
    out[E.M_GROSS_PROFIT] = st[S.GROSS_PROFIT]
    out[E.M_GROSS_LOSS] = st[S.GROSS_LOSS]
    out[E.M_TOTAL_TRADES] = trades
    out[E.M_TOTAL_DEALS] = st[S.DEALS]
    out[E.M_PROFIT_FACTOR] = st[S.GROSS_PROFIT] / -st[S.GROSS_LOSS] if st[S.GROSS_LOSS] < 0 else 0.0
    out[E.M_EXPECTED_PAYOFF] = profit / trades if trades > 0 else 0.0
    out[E.M_BALANCE_DD_ABS] = max(dep - st[S.BAL_MIN], 0.0)
    out[E.M_BALANCE_DD_MAX] = st[S.BAL_DD]
    out[E.M_BALANCE_DD_REL_PCT] = st[S.BAL_DD_REL] * 100.0
    out[E.M_EQUITY_DD_ABS] = max(dep - st[S.EQ_MIN], 0.0)
    out[E.M_EQUITY_DD_MAX] = st[S.EQ_DD]
    out[E.M_EQUITY_DD_REL_PCT] = st[S.EQ_DD_REL] * 100.0
    out[E.M_RECOVERY_FACTOR] = profit / st[S.EQ_DD] if st[S.EQ_DD] > 0 else 0.0
    sharpe = 0.0
    n = st[S.SH_N]
    if n >= 2:
        mean = st[S.SH_SUM] / n
        var = st[S.SH_SUMSQ] / n - mean * mean
        if var > 0:
            sharpe = max(mean / np.sqrt(var) * np.sqrt(acct[S.A_BARS_PER_YEAR]), -5.0)
    out[E.M_SHARPE_RATIO] = sharpe
    out[E.M_WIN_RATE] = st[S.WINS] / trades * 100.0 if trades > 0 else 0.0
    out[E.M_WINS] = st[S.WINS]
    out[E.M_LONG_TRADES] = st[S.LONGS]
    out[E.M_SHORT_TRADES] = st[S.SHORTS]
    out[E.M_NO_MONEY] = st[S.NO_MONEY]
    out[E.M_STOP_OUTS] = st[S.STOP_OUTS]
    out[E.M_FINAL_BALANCE] = st[S.BAL]
    out[E.M_SKIPPED_WINDOW] = st[S.SKIP_WINDOW]
    out[E.M_SKIPPED_SPREAD] = st[S.SKIP_SPREAD]
    out[E.M_SKIPPED_DAY_TRADES] = st[S.SKIP_DAY]
    out[E.M_SKIPPED_COOLDOWN] = st[S.SKIP_COOLDOWN]
    out[E.M_SKIPPED_MIN_LOT] = st[S.SKIP_MINLOT]
    out[E.M_SKIPPED_DAILY_LIMIT] = st[S.SKIP_DAILY]
    out[E.M_SKIPPED_KILL_SWITCH] = st[S.SKIP_KILL]
    out[E.M_SKIPPED_LOSING_STREAK] = st[S.SKIP_STREAK]
    out[E.M_BREAK_EVEN_TRADES] = st[S.N_BE]
    out[E.M_TRAILED_TRADES] = st[S.N_TRAILED]
    out[E.M_SIZED_ENTRIES] = st[S.N_SIZED]

