"""Numba kernels of the M1-OHLC simulation: position, deals and the per-tick walk (kernel-only module).

Model ("1 minute OHLC", as MT5's tester): every M1 bid bar is four ticks, Open, then Low then High for
a bull bar (close > open) or High then Low for a bear bar; a doji (close == open) takes the opposite of
the last non-doji bar's direction (bull when there is none); then Close. Ask = Bid + that M1 bar's
spread. One netting position at a time. The strategy decides on closed timeframe bars; a decision at
bar k executes on the first tick of bar k + 1.

State lives in a float64 work array (slots in `_nb_state`); `_nb_loop` holds the bar loop that calls
these functions when something happens (a signal, a rollover, a bar that needs its ticks).
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim._nb_manage import (
    NEVER,
    allowed_nb,
    day_roll_nb,
    guard_hit_nb,
    lots_nb,
    manage_nb,
    manage_state_nb,
    setup_nb,
)
from rayga.sim.enums import (
    CONV_DIV,
    CONV_MUL,
    DEAL_EXIT,
    DEAL_GUARD,
    DEAL_SIGNAL,
    DEAL_SL,
    DEAL_STOP_OUT,
    DEAL_TP,
    FILL_MARKET,
    OPPOSITE_CLOSE,
    OPPOSITE_IGNORE,
)


@njit(cache=True, inline="always")
def conv_nb(mode, price):
    """Factor converting an amount to the account currency at `price`."""
    if mode == CONV_MUL:
        return price
    if mode == CONV_DIV:
        return 1.0 / price
    return 1.0


@njit(cache=True, inline="always")
def floating_nb(st, acct, bid, ask):
    """Floating profit of the open position, in the account currency."""
    d = st[S.DIR]
    if d == 0.0:
        return 0.0
    units = st[S.LOTS] * acct[S.A_CONTRACT]
    if d > 0:
        return (bid - st[S.ENTRY]) * units * conv_nb(int(acct[S.A_PCONV]), bid)
    return (st[S.ENTRY] - ask) * units * conv_nb(int(acct[S.A_PCONV]), ask)


@njit(cache=True, inline="always")
def equity_nb(st, acct, bid, ask):
    return st[S.BAL] + st[S.SWAP] + floating_nb(st, acct, bid, ask)


@njit(cache=True, inline="always")
def cents_nb(x):
    """Money booked on a deal, rounded to the account currency's cents (half away from zero), as MT5
    books deal profit and swap; floating equity stays unrounded."""
    r = np.floor(abs(x) * 100.0 + 0.5) / 100.0
    return r if x >= 0 else -r


@njit(cache=True, _nrt=False, inline="always")
def record_nb(deals, st, m1_index, direction, entry, reason, lots, price, commission, swap, profit):
    """Write the deal just booked (deal number DEALS - 1) when the deals array has room for it."""
    n = int(st[S.DEALS]) - 1
    if n < len(deals):
        deals[n]["m1_index"] = m1_index
        deals[n]["direction"] = direction
        deals[n]["entry"] = entry
        deals[n]["reason"] = reason
        deals[n]["lots"] = lots
        deals[n]["price"] = price
        deals[n]["commission"] = commission
        deals[n]["swap"] = swap
        deals[n]["profit"] = profit
        deals[n]["balance"] = st[S.BAL]


@njit(cache=True, inline="always")
def deal_result_nb(st, result):
    """Book one deal's result (profit + commission + swap) into balance, gross sums and balance DD."""
    st[S.BAL] += result
    if result > 0:
        st[S.GROSS_PROFIT] += result
    elif result < 0:
        st[S.GROSS_LOSS] += result
    st[S.DEALS] += 1
    drawdown_point_nb(st, st[S.BAL], S.BAL_PEAK, S.BAL_DD, S.BAL_DD_REL, S.BAL_MIN)


@njit(cache=True, inline="always")
def drawdown_point_nb(st, value, peak, dd, rel, low):
    """Drawdown bookkeeping for one value of a curve, in time order (slots of its peak, money and
    relative drawdown, and lowest value)."""
    if value > st[peak]:
        st[peak] = value
    else:
        drop = st[peak] - value
        st[dd] = max(st[dd], drop)
        if st[peak] > 0:
            st[rel] = max(st[rel], drop / st[peak])
    st[low] = min(st[low], value)


@njit(cache=True, inline="always")
def equity_tick_nb(st, eq):
    """Drawdown bookkeeping for one equity value, in time order."""
    drawdown_point_nb(st, eq, S.EQ_PEAK, S.EQ_DD, S.EQ_DD_REL, S.EQ_MIN)


@njit(cache=True, inline="always")
def exit_money_nb(st, acct, raw_profit):
    """(profit, commission, swap) an exit deal books: its profit in the account currency (`raw_profit`)
    and the position's swap rounded to cents, and the commission of its side."""
    return cents_nb(raw_profit), -acct[S.A_COMM] * st[S.LOTS], cents_nb(st[S.SWAP])


@njit(cache=True, _nrt=False)
def close_nb(st, acct, deals, m1_index, price, reason):
    """Close the position at `price` (Bid for a long, Ask for a short) with one exit deal.

    The deal functions (`close_nb`, `open_nb`, `execute_nb`) run once a deal, not once a bar or tick, so
    they are called rather than inlined: one compiled copy each instead of one per call site (a backtest's
    cold compile 29 s -> 22 s). Callers pass `reason` as np.int64: a module constant would be typed as its
    literal value, and Numba would compile a copy per reason."""
    d = st[S.DIR]
    lots = st[S.LOTS]
    units = lots * acct[S.A_CONTRACT]
    profit, commission, swap = exit_money_nb(st, acct, d * (price - st[S.ENTRY]) * units * conv_nb(
        int(acct[S.A_PCONV]), price))
    result = profit + commission + swap
    st[S.SWAP] = 0.0
    st[S.DIR] = 0.0
    deal_result_nb(st, result)
    st[S.TRADES] += 1
    if result >= 0:  # MT5 counts a closing deal with result 0 as a profit trade
        st[S.WINS] += 1
    if d > 0:
        st[S.LONGS] += 1
    else:
        st[S.SHORTS] += 1
    if reason == DEAL_STOP_OUT:
        st[S.STOP_OUTS] += 1
    st[S.LAST_CLOSE_BAR] = st[S.BAR]
    st[S.LAST_RESULT] = result
    st[S.STREAK] = st[S.STREAK] + 1.0 if result < 0 else 0.0
    be = st[S.BE_AT] < 0.0  # what management did to this trade: its break-even moved the stop (`manage_nb`)
    st[S.N_BE] += be
    st[S.N_TRAILED] += st[S.SL] != st[S.INIT_SL] and not (be and st[S.SL] == st[S.BE_SL])
    record_nb(deals, st, m1_index, -int(d), 0, reason, lots, price, commission, swap, profit)
    equity_tick_nb(st, st[S.BAL])


@njit(cache=True, _nrt=False, inline="always")
def cancel_orders_nb(st):
    """No pending order any more (`_nb_orders`)."""
    st[S.O_BUY_STOP] = 0.0
    st[S.O_BUY_LIMIT] = 0.0
    st[S.O_SELL_STOP] = 0.0
    st[S.O_SELL_LIMIT] = 0.0
    st[S.O_EXPIRY] = -1.0
    st[S.O_ANY] = 0.0


@njit(cache=True, _nrt=False)
def open_nb(st, acct, deals, m1_index, direction, bid, ask, sl, tp, reason, mg):
    """Open a position at Ask (buy) or Bid (sell) if free margin allows; else count `no_money`. Its lots and
    levels come from `_nb_manage` (sizing, then stops, trailing, break-even, time exit) when the pass has
    management genes (`mg` not None: the kernel of a batch without any is compiled without that code, and
    Numba drops the branch before typing it). A position opening cancels the pending orders."""
    price = ask if direction > 0 else bid
    lots = acct[S.A_LOTS]
    managed = False
    if mg is not None:
        managed = st[S.MG + S.MG_ON] != 0.0  # else fixed lots and stops, and no call: this runs once a trade
        if managed:
            lots = lots_nb(st, acct, sl * acct[S.A_POINT] if sl > 0 else 0.0, conv_nb(int(acct[S.A_PCONV]), price),
                           conv_nb(int(acct[S.A_MCONV]), price))
            if lots == 0.0:  # its minimum lot would risk more than the limit (counted)
                return
    margin = lots * acct[S.A_CONTRACT] / acct[S.A_LEVERAGE] * conv_nb(int(acct[S.A_MCONV]), price)
    if margin > st[S.BAL] + st[S.SWAP]:
        st[S.NO_MONEY] += 1
        return
    if st[S.O_ANY] != 0.0:
        cancel_orders_nb(st)
    st[S.DIR] = direction
    st[S.ENTRY] = price
    st[S.MARGIN] = margin
    st[S.ENTRY_M1] = m1_index
    st[S.LOTS] = lots
    st[S.SL] = price - direction * sl * acct[S.A_POINT] if sl > 0 else 0.0
    st[S.TP] = price + direction * tp * acct[S.A_POINT] if tp > 0 else 0.0
    if mg is not None:
        if managed:
            setup_nb(st, acct, direction, price, sl, tp)
            if st[S.NOW_DAY] != st[S.DAY]:
                day_roll_nb(st)
            st[S.DAY_TRADES] += 1
    st[S.INIT_SL] = st[S.SL]
    commission = -acct[S.A_COMM] * lots
    deal_result_nb(st, commission)
    record_nb(deals, st, m1_index, direction, 1, reason, lots, price, commission, 0.0, 0.0)


@njit(cache=True, inline="always")
def stop_fill_nb(level, price, is_open, fill_mode):
    """Fill price of a triggered stop: the order price, or with `market` fill the gapped open price."""
    if is_open and fill_mode == FILL_MARKET:
        return price
    return level


@njit(cache=True, _nrt=False)
def account_tick_nb(st, acct, deals, j, bid, ask):
    """One tick of an open position for the account: the stop-out, else the tick's equity. True when it
    closed."""
    eq = equity_nb(st, acct, bid, ask)
    if eq * 100.0 <= acct[S.A_STOP_OUT] * st[S.MARGIN]:
        close_nb(st, acct, deals, j, bid if st[S.DIR] > 0 else ask, np.int64(DEAL_STOP_OUT))
        return True
    equity_tick_nb(st, eq)
    return False


@njit(cache=True, _nrt=False)
def tick_nb(st, acct, deals, j, bid, ask, is_open, mg):
    """One tick inside an open position: SL/TP, then stop-out, then equity, then management (`mg` not None).
    True when it closed. (Flags are never passed as constants: Numba would compile a copy per constant.)"""
    d = st[S.DIR]
    fill_mode = int(acct[S.A_FILL])
    px = bid if d > 0 else ask
    if st[S.SL] > 0 and d * (px - st[S.SL]) <= 0:
        close_nb(st, acct, deals, j, stop_fill_nb(st[S.SL], px, is_open, fill_mode), np.int64(DEAL_SL))
        return True
    if st[S.TP] > 0 and d * (px - st[S.TP]) >= 0:
        close_nb(st, acct, deals, j, stop_fill_nb(st[S.TP], px, is_open, fill_mode), np.int64(DEAL_TP))
        return True
    if account_tick_nb(st, acct, deals, j, bid, ask):
        return True
    if mg is not None:
        if st[S.MG + S.MG_EQ_GUARD] != 0.0 and guard_hit_nb(st, equity_nb(st, acct, bid, ask)):
            close_nb(st, acct, deals, j, px, np.int64(DEAL_GUARD))
            return True
        if st[S.TRIG] > 0 and d * (px - st[S.TRIG]) >= 0 and st[S.MG + S.MG_PER_BAR] == 0.0:
            manage_state_nb(st, px)
    return False


@njit(cache=True, _nrt=False, inline="always")
def tick_price_nb(t, o, first, second, c):
    """The bid of tick t (0..3) of an M1 bar: its open, its first and second extremes, its close."""
    return o if t == 0 else (first if t == 1 else (second if t == 2 else c))


@njit(cache=True, _nrt=False)
def descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j_start, j_stop, mg):
    """Walk the M1 bars j_start..j_stop-1 tick by tick while the position is open."""
    for j in range(j_start, j_stop):
        spr = spread_price[j]
        first = m1_low[j] if low_first[j] else m1_high[j]
        second = m1_high[j] if low_first[j] else m1_low[j]
        for t in range(4):
            if st[S.DIR] == 0.0:
                return
            px = tick_price_nb(t, m1_open[j], first, second, m1_close[j])
            if tick_nb(st, acct, deals, j, px, px + spr, t == 0, mg):
                return


@njit(cache=True, _nrt=False, inline="always")
def fast_tick_nb(px, d, entry, base, units, sl, tp, so_margin, peak, dd, rel, eq_min):
    """`tick_nb` for an MT5-stops position with its profit in the account currency, on values in
    registers: the same tests and arithmetic (identical figures). `px` is Bid for a long, Ask for a
    short. Returns (exit: 0 none, DEAL_SL, DEAL_TP or DEAL_STOP_OUT, peak, dd, rel, eq_min)."""
    if sl > 0 and d * (px - sl) <= 0:
        return DEAL_SL, peak, dd, rel, eq_min
    if tp > 0 and d * (px - tp) >= 0:
        return DEAL_TP, peak, dd, rel, eq_min
    eq = base + d * (px - entry) * units
    if eq * 100.0 <= so_margin:
        return DEAL_STOP_OUT, peak, dd, rel, eq_min
    if eq > peak:  # drawdown_point_nb
        peak = eq
    else:
        drop = peak - eq
        dd = max(dd, drop)
        if peak > 0:
            rel = max(rel, drop / peak)
    eq_min = min(eq_min, eq)
    return 0, peak, dd, rel, eq_min


@njit(cache=True, _nrt=False, inline="always")
def fast_mg_tick_nb(px, d, entry, base, units, sl, tp, so_margin, peak, dd, rel, eq_min, trig, be_at, levels):
    """`fast_tick_nb`, then, on a tick at or past the management trigger (`trig` > 0), `manage_nb` (levels: the
    position's be_sl, t_dist, t_start, t_step). Returns (exit, peak, dd, rel, eq_min, sl, be_at, trig)."""
    why, peak, dd, rel, eq_min = fast_tick_nb(px, d, entry, base, units, sl, tp, so_margin, peak, dd, rel, eq_min)
    if why == 0 and trig > 0 and d * (px - trig) >= 0:
        sl, be_at, trig = manage_nb(d, px, sl, be_at, levels[0], levels[1], levels[2], levels[3])
    return why, peak, dd, rel, eq_min, sl, be_at, trig


@njit(cache=True, _nrt=False)
def fast_descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j_start, j_stop,
                    mg):
    """`descend_nb` for an MT5-stops position whose profit needs no conversion: the position and the
    equity drawdown state stay in registers through the ticks (written back when it ends or exits)."""
    d = st[S.DIR]
    entry = st[S.ENTRY]
    sl = st[S.SL]
    tp = st[S.TP]
    base = st[S.BAL] + st[S.SWAP]
    units = st[S.LOTS] * acct[S.A_CONTRACT]
    so_margin = acct[S.A_STOP_OUT] * st[S.MARGIN]
    peak, dd, rel, eq_min = st[S.EQ_PEAK], st[S.EQ_DD], st[S.EQ_DD_REL], st[S.EQ_MIN]
    trig = 0.0
    if mg is not None:
        trig = st[S.TRIG] if st[S.MG + S.MG_PER_BAR] == 0.0 else 0.0  # management on the ticks
    be_at = st[S.BE_AT]
    levels = (st[S.BE_SL], st[S.T_DIST], st[S.T_START], st[S.T_STEP])
    short = d < 0  # prices seen: Bid for a long, Ask (Bid + spread) for a short
    why = 0
    px = 0.0
    at_open = False
    j = j_start
    while j < j_stop:
        add = spread_price[j] if short else 0.0  # a long sees Bid only: no load of the spread
        adverse = (m1_low[j] if d > 0 else m1_high[j]) + add
        favour = (m1_high[j] if d > 0 else m1_low[j]) + add
        if not ((sl > 0 and d * (adverse - sl) <= 0) or (tp > 0 and d * (favour - tp) >= 0)
                or (trig > 0 and d * (favour - trig) >= 0)):
            e_lo = base + d * (adverse - entry) * units
            if e_lo * 100.0 > so_margin and base + d * (favour - entry) * units <= peak:
                # no tick of this M1 bar exits, manages or makes a new high: its four ticks' drawdown
                # bookkeeping reduces to its adverse extreme's (the same values: max and min over monotone figures)
                drop = peak - e_lo
                dd = max(dd, drop)
                if peak > 0:
                    rel = max(rel, drop / peak)
                eq_min = min(eq_min, e_lo)
                j += 1
                continue
        first = m1_low[j] if low_first[j] else m1_high[j]
        second = m1_high[j] if low_first[j] else m1_low[j]
        for t in range(4):  # a loop, not four inlined copies of the tick: a second of cold compile less
            px = tick_price_nb(t, m1_open[j], first, second, m1_close[j]) + add
            at_open = t == 0
            if mg is not None:
                why, peak, dd, rel, eq_min, sl, be_at, trig = fast_mg_tick_nb(
                    px, d, entry, base, units, sl, tp, so_margin, peak, dd, rel, eq_min, trig, be_at, levels)
            else:
                why, peak, dd, rel, eq_min = fast_tick_nb(px, d, entry, base, units, sl, tp, so_margin, peak, dd, rel,
                                                          eq_min)
            if why != 0:
                break
        if why != 0:
            break
        j += 1
    st[S.EQ_PEAK], st[S.EQ_DD], st[S.EQ_DD_REL], st[S.EQ_MIN] = peak, dd, rel, eq_min
    if mg is not None:
        if st[S.MG + S.MG_PER_BAR] == 0.0:
            st[S.SL], st[S.BE_AT], st[S.TRIG] = sl, be_at, trig
    if why == DEAL_SL or why == DEAL_TP:
        level = sl if why == DEAL_SL else tp
        close_nb(st, acct, deals, j, stop_fill_nb(level, px, at_open, int(acct[S.A_FILL])), why)
    elif why == DEAL_STOP_OUT:
        close_nb(st, acct, deals, j, px, np.int64(DEAL_STOP_OUT))


@njit(cache=True, inline="always")
def reset_state_nb(st, acct, mg):
    """Fresh state of a pass in the work array `st` (length N_STATE; the scratch area is left as is), its
    management genes `mg` copied in (None: all off)."""
    st[:S.SCRATCH] = 0.0
    if mg is not None:
        for i in range(S.N_MG):
            st[S.MG + i] = mg[i]
        st[S.DAY_FLOOR] = -np.inf
        st[S.DAY_CEIL] = np.inf
        st[S.DAY_DUE] = 0.0 if mg[S.MG_EQ_GUARD] != 0.0 else NEVER  # 0: found at the first clock
    dep = acct[S.A_DEPOSIT]
    st[S.BAL] = dep
    st[S.EQ_PEAK] = dep
    st[S.BAL_PEAK] = dep
    st[S.BAL_MIN] = dep
    st[S.EQ_MIN] = dep
    st[S.LAST_EQ] = dep
    st[S.ENTRY_M1] = -1
    st[S.LAST_CLOSE_BAR] = -1
    st[S.DAY] = -1
    st[S.DUE_BAR] = NEVER


@njit(cache=True, _nrt=False, inline="always")
def rollover_nb(st, acct, units, bid, ask):
    """Swap for `units` rollover days (Wednesday's night counts three) on the open position."""
    d = st[S.DIR]
    rate = acct[S.A_SWAP_LONG] if d > 0 else acct[S.A_SWAP_SHORT]
    px = bid if d > 0 else ask
    st[S.SWAP] += units * rate * acct[S.A_POINT] * st[S.LOTS] * acct[S.A_CONTRACT] * conv_nb(
        int(acct[S.A_PCONV]), px)


@njit(cache=True, _nrt=False)
def execute_nb(st, acct, deals, j0, code, bid, ask, sl, tp, mg):
    """The decision taken at the close of the previous bar, on this bar's first tick (`enums`: entry
    + EXIT_LONG / EXIT_SHORT): the exits first, then the entry. An entry along the position changes
    nothing; one against it reverses, closes or is ignored (`acct[A_OPPOSITE]`)."""
    entry = (code + 1) % 4 - 1
    exits = (code + 1) // 4
    d = st[S.DIR]
    if (d > 0 and exits & 1) or (d < 0 and exits & 2):
        close_nb(st, acct, deals, j0, bid if d > 0 else ask, np.int64(DEAL_EXIT))
        d = 0.0
    if entry == 0:
        return
    sgn = float(entry)
    if d != 0.0 and d != sgn:
        mode = acct[S.A_OPPOSITE]
        if mode == OPPOSITE_IGNORE:
            return
        close_nb(st, acct, deals, j0, bid if d > 0 else ask, np.int64(DEAL_SIGNAL))
        if mode == OPPOSITE_CLOSE:
            return
    if st[S.DIR] != 0.0:
        return
    if mg is not None:
        if st[S.MG + S.MG_ON] != 0.0 and not allowed_nb(st, acct, bid, ask):
            return
    open_nb(st, acct, deals, j0, sgn, bid, ask, sl, tp, np.int64(DEAL_SIGNAL), mg)
