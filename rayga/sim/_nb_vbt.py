"""vectorbt's stop rules (`stop_mode = "vectorbt"`), kept out of the production bar loop (kernel-only module).

SL/TP are fractions of the entry price, checked from the M1 bar after the entry on each M1 bar's open, low
and high (SL before TP; a gap through a level fills at the open), before the decision of a bar's first
tick, which a stop firing there drops: what `vectorbt.Portfolio.from_signals` does on M1 bars. The pass
walks every M1 bar of an open position (no quiet stretches, no shortcuts): it exists so the vectorbt
engine's semantics can be reproduced with MT5's accounting, margin and stop-out, not for speed.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim._nb import (
    account_tick_nb,
    close_nb,
    equity_nb,
    execute_nb,
    reset_state_nb,
    rollover_nb,
    tick_price_nb,
)
from rayga.sim._nb_loop import metrics_nb
from rayga.sim._nb_quiet import bar_return_nb
from rayga.sim.enums import DEAL_END, DEAL_SL, DEAL_TP


@njit(cache=True, _nrt=False, inline="always")
def vbt_levels_nb(st, sl, tp):
    """SL/TP levels of the position just opened from fractions of its entry price, vectorbt's arithmetic."""
    d = st[S.DIR]
    price = st[S.ENTRY]
    st[S.SL] = price * (1.0 - d * sl) if sl > 0 else 0.0
    st[S.TP] = price * (1.0 + d * tp) if tp > 0 else 0.0


@njit(cache=True, _nrt=False)
def vbt_bar_stop_nb(st, acct, deals, j, o, h, lo):
    """vectorbt's stop rule on one M1 bar: SL before TP, a gap through the level fills at the open."""
    d = st[S.DIR]
    sl = st[S.SL]
    tp = st[S.TP]
    if sl > 0:
        if d * (o - sl) <= 0:
            close_nb(st, acct, deals, j, o, np.int64(DEAL_SL))
            return True
        if (d > 0 and lo <= sl) or (d < 0 and h >= sl):
            close_nb(st, acct, deals, j, sl, np.int64(DEAL_SL))
            return True
    if tp > 0:
        if d * (o - tp) >= 0:
            close_nb(st, acct, deals, j, o, np.int64(DEAL_TP))
            return True
        if (d > 0 and h >= tp) or (d < 0 and lo <= tp):
            close_nb(st, acct, deals, j, tp, np.int64(DEAL_TP))
            return True
    return False


@njit(cache=True, _nrt=False)
def vbt_descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j_start, j_stop):
    """M1 bars j_start..j_stop-1 of an open position: vectorbt's stop rule on each bar after the entry's,
    then its four ticks for the stop-out and the equity."""
    for j in range(j_start, j_stop):
        if st[S.DIR] == 0.0:
            return
        if j > st[S.ENTRY_M1] and vbt_bar_stop_nb(st, acct, deals, j, m1_open[j], m1_high[j], m1_low[j]):
            return
        spr = spread_price[j]
        first = m1_low[j] if low_first[j] else m1_high[j]
        second = m1_high[j] if low_first[j] else m1_low[j]
        for t in range(4):
            px = tick_price_nb(t, m1_open[j], first, second, m1_close[j])
            if account_tick_nb(st, acct, deals, j, px, px + spr):
                return


@njit(cache=True, _nrt=False)
def simulate_vbt_nb(sim, signal, sl, tp, sl_bar, tp_bar, orders, acct, st, deals, curve, out, mg, clock):
    """`_nb_loop.simulate_nb`'s contract (the same arguments and outputs) under vectorbt's stop rules, without
    pending orders or management (`orders` and `clock` are not read, `mg` is all off: the engines refuse
    rules that place orders and management genes in this mode)."""
    (m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop, tf_open, tf_close, open_spread,
     close_ask, _, _, _, _, _, _, swap_units) = sim
    reset_state_nb(st, acct, mg)
    n = len(m1_start)
    for k in range(n):
        sig = signal[k - 1] if k > 0 else 0
        j0 = m1_start[k]
        bid0 = tf_open[k]
        ask0 = bid0 + open_spread[k]
        if st[S.DIR] != 0.0 and swap_units[k] > 0:
            rollover_nb(st, acct, swap_units[k], bid0, ask0)
        if sig != 0 and st[S.DIR] != 0.0 and j0 > st[S.ENTRY_M1]:
            # vectorbt checks a position's stops before the bar's signal and drops it when one fires
            if vbt_bar_stop_nb(st, acct, deals, j0, m1_open[j0], m1_high[j0], m1_low[j0]):
                sig = 0
        if sig != 0:
            sl_k = sl_bar[k - 1] if len(sl_bar) > 0 else sl
            tp_k = tp_bar[k - 1] if len(tp_bar) > 0 else tp
            sl_k = sl if np.isnan(sl_k) else sl_k
            tp_k = tp if np.isnan(tp_k) else tp_k
            execute_nb(st, acct, deals, j0, np.int64(sig), bid0, ask0, sl_k, tp_k, mg)
            if st[S.DIR] != 0.0 and st[S.ENTRY_M1] == j0:  # opened on this tick: its levels by vectorbt's rule
                vbt_levels_nb(st, sl_k, tp_k)
        if st[S.DIR] != 0.0:
            vbt_descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j0,
                           m1_stop[k])
        eq = st[S.BAL]
        if st[S.DIR] != 0.0:
            eq = equity_nb(st, acct, tf_close[k], close_ask[k])
        st[S.SH_SUM], st[S.SH_SUMSQ], st[S.SH_N] = bar_return_nb(eq, st[S.LAST_EQ], st[S.SH_SUM], st[S.SH_SUMSQ],
                                                                 st[S.SH_N])
        st[S.LAST_EQ] = eq
        if k < len(curve):
            curve[k] = eq
    if st[S.DIR] != 0.0 and n > 0:
        jl = m1_stop[n - 1] - 1
        px = m1_close[jl] if st[S.DIR] > 0 else m1_close[jl] + spread_price[jl]
        close_nb(st, acct, deals, jl, px, np.int64(DEAL_END))
    metrics_nb(st, acct, out)
