"""Numba kernels of the M1-OHLC simulation (kernel-only module).

Model ("1 minute OHLC", as MT5's tester): every M1 bid bar is four ticks, Open, then Low then High for
a bull bar (close > open) or High then Low for a bear bar; a doji (close == open) takes the opposite of
the last non-doji bar's direction (bull when there is none); then Close. Ask = Bid + that M1 bar's
spread. One netting position at a time. The strategy decides on closed timeframe bars; a decision at
bar k executes on the first tick of bar k + 1.

The loop walks timeframe bars and descends to M1 ticks only inside bars where a stop, take-profit or
stop-out level is in reach, or where equity makes a new high (needed for the exact drawdown). Outside
those bars the bar's adverse extreme is the lowest equity of the bar and the running equity peak is
unchanged, so drawdown and the stop checks need no per-tick work.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim import enums as E
from rayga.sim.enums import (
    CONV_DIV, CONV_MUL, DEAL_END, DEAL_SIGNAL, DEAL_SL, DEAL_STOP_OUT, DEAL_TP, FILL_MARKET,
    STOPS_VECTORBT,
)


@njit(cache=True)
def low_first_nb(open_, close):
    """Tick order of each M1 bar: True for O-L-H-C, False for O-H-L-C (the doji rule above)."""
    n = len(open_)
    out = np.empty(n, dtype=np.bool_)
    last_bull = False  # direction of the last non-doji bar; a doji takes its opposite
    seen = False
    for i in range(n):
        if close[i] > open_[i]:
            out[i] = True
            last_bull = True
            seen = True
        elif close[i] < open_[i]:
            out[i] = False
            last_bull = False
            seen = True
        else:
            out[i] = (not last_bull) if seen else True
    return out


@njit(cache=True)
def tf_extremes_nb(m1_high, m1_low, spread_price, m1_start, m1_stop):
    """Ask high and ask low of every timeframe bar (bid extremes plus each M1 bar's own spread)."""
    n = len(m1_start)
    ask_high = np.empty(n)
    ask_low = np.empty(n)
    for k in range(n):
        hi = -np.inf
        lo = np.inf
        for j in range(m1_start[k], m1_stop[k]):
            hi = max(hi, m1_high[j] + spread_price[j])
            lo = min(lo, m1_low[j] + spread_price[j])
        ask_high[k] = hi
        ask_low[k] = lo
    return ask_high, ask_low


@njit(cache=True)
def tf_drops_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop):
    """Largest adverse move inside each timeframe bar, in tick order: for a long, the largest fall of
    Bid from an earlier tick; for a short, the largest rise of Ask. With a linear profit conversion,
    the money drawdown a bar can add from its own new highs is lots x contract x this move."""
    n = len(m1_start)
    long_drop = np.zeros(n)
    short_drop = np.zeros(n)
    for k in range(n):
        bid_peak = -np.inf
        ask_trough = np.inf
        ld = 0.0
        sd = 0.0
        for j in range(m1_start[k], m1_stop[k]):
            spr = spread_price[j]
            first = m1_low[j] if low_first[j] else m1_high[j]
            second = m1_high[j] if low_first[j] else m1_low[j]
            for p in (m1_open[j], first, second, m1_close[j]):
                bid_peak = max(bid_peak, p)
                ld = max(ld, bid_peak - p)
                ask_trough = min(ask_trough, p + spr)
                sd = max(sd, p + spr - ask_trough)
        long_drop[k] = ld
        short_drop[k] = sd
    return long_drop, short_drop


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
    units = acct[S.A_LOTS] * acct[S.A_CONTRACT]
    if d > 0:
        return (bid - st[S.ENTRY]) * units * conv_nb(int(acct[S.A_PCONV]), bid)
    return (st[S.ENTRY] - ask) * units * conv_nb(int(acct[S.A_PCONV]), ask)


@njit(cache=True, inline="always")
def equity_nb(st, acct, bid, ask):
    return st[S.BAL] + st[S.SWAP] + floating_nb(st, acct, bid, ask)


@njit(cache=True)
def record_nb(deals, st, m1_index, direction, entry, reason, lots, price, commission, swap, profit):
    n = int(st[S.N_DEALS])
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
    st[S.N_DEALS] = n + 1


@njit(cache=True, inline="always")
def deal_result_nb(st, result):
    """Book one deal's result (profit + commission + swap) into balance, gross sums and balance DD."""
    st[S.BAL] += result
    if result > 0:
        st[S.GROSS_PROFIT] += result
    elif result < 0:
        st[S.GROSS_LOSS] += result
    st[S.DEALS] += 1
    bal = st[S.BAL]
    if bal > st[S.BAL_PEAK]:
        st[S.BAL_PEAK] = bal
    else:
        dd = st[S.BAL_PEAK] - bal
        st[S.BAL_DD] = max(st[S.BAL_DD], dd)
        if st[S.BAL_PEAK] > 0:
            st[S.BAL_DD_REL] = max(st[S.BAL_DD_REL], dd / st[S.BAL_PEAK])
    st[S.BAL_MIN] = min(st[S.BAL_MIN], bal)


@njit(cache=True, inline="always")
def equity_tick_nb(st, eq):
    """Drawdown bookkeeping for one equity value, in time order."""
    if eq > st[S.EQ_PEAK]:
        st[S.EQ_PEAK] = eq
    else:
        dd = st[S.EQ_PEAK] - eq
        st[S.EQ_DD] = max(st[S.EQ_DD], dd)
        if st[S.EQ_PEAK] > 0:
            st[S.EQ_DD_REL] = max(st[S.EQ_DD_REL], dd / st[S.EQ_PEAK])
    st[S.EQ_MIN] = min(st[S.EQ_MIN], eq)


@njit(cache=True)
def close_nb(st, acct, deals, m1_index, price, reason):
    """Close the position at `price` (Bid for a long, Ask for a short) with one exit deal."""
    d = st[S.DIR]
    lots = acct[S.A_LOTS]
    units = lots * acct[S.A_CONTRACT]
    profit = d * (price - st[S.ENTRY]) * units * conv_nb(int(acct[S.A_PCONV]), price)
    commission = -acct[S.A_COMM] * lots
    swap = st[S.SWAP]
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
    record_nb(deals, st, m1_index, -int(d), 0, reason, lots, price, commission, swap, profit)
    equity_tick_nb(st, st[S.BAL])


@njit(cache=True)
def open_nb(st, acct, deals, m1_index, direction, bid, ask, sl, tp):
    """Open a position at Ask (buy) or Bid (sell) if free margin allows; else count `no_money`."""
    lots = acct[S.A_LOTS]
    price = ask if direction > 0 else bid
    margin = lots * acct[S.A_CONTRACT] / acct[S.A_LEVERAGE] * conv_nb(int(acct[S.A_MCONV]), price)
    if margin > st[S.BAL] + st[S.SWAP]:
        st[S.NO_MONEY] += 1
        return
    st[S.DIR] = direction
    st[S.ENTRY] = price
    st[S.MARGIN] = margin
    st[S.ENTRY_M1] = m1_index
    if acct[S.A_STOP_MODE] == STOPS_VECTORBT:
        sl_dist = sl * price
        tp_dist = tp * price
    else:
        sl_dist = sl * acct[S.A_POINT]
        tp_dist = tp * acct[S.A_POINT]
    st[S.SL] = price - direction * sl_dist if sl > 0 else 0.0
    st[S.TP] = price + direction * tp_dist if tp > 0 else 0.0
    commission = -acct[S.A_COMM] * lots
    deal_result_nb(st, commission)
    record_nb(deals, st, m1_index, direction, 1, DEAL_SIGNAL, lots, price, commission, 0.0, 0.0)


@njit(cache=True, inline="always")
def stop_fill_nb(level, price, is_open, fill_mode):
    """Fill price of a triggered stop: the order price, or with `market` fill the gapped open price."""
    if is_open and fill_mode == FILL_MARKET:
        return price
    return level


@njit(cache=True)
def tick_nb(st, acct, deals, j, bid, ask, is_open, check_stops):
    """One tick inside an open position: SL/TP, then stop-out, then equity. True when it closed."""
    d = st[S.DIR]
    fill_mode = int(acct[S.A_FILL])
    if check_stops:
        px = bid if d > 0 else ask
        if st[S.SL] > 0 and d * (px - st[S.SL]) <= 0:
            close_nb(st, acct, deals, j, stop_fill_nb(st[S.SL], px, is_open, fill_mode), DEAL_SL)
            return True
        if st[S.TP] > 0 and d * (px - st[S.TP]) >= 0:
            close_nb(st, acct, deals, j, stop_fill_nb(st[S.TP], px, is_open, fill_mode), DEAL_TP)
            return True
    eq = equity_nb(st, acct, bid, ask)
    if eq * 100.0 <= acct[S.A_STOP_OUT] * st[S.MARGIN]:
        close_nb(st, acct, deals, j, bid if d > 0 else ask, DEAL_STOP_OUT)
        return True
    equity_tick_nb(st, eq)
    return False


@njit(cache=True)
def vbt_bar_stop_nb(st, acct, deals, j, o, h, lo):
    """vectorbt's stop rule on one M1 bar: SL before TP, a gap through the level fills at the open."""
    d = st[S.DIR]
    sl = st[S.SL]
    tp = st[S.TP]
    if sl > 0:
        if d * (o - sl) <= 0:
            close_nb(st, acct, deals, j, o, DEAL_SL)
            return True
        if (d > 0 and lo <= sl) or (d < 0 and h >= sl):
            close_nb(st, acct, deals, j, sl, DEAL_SL)
            return True
    if tp > 0:
        if d * (o - tp) >= 0:
            close_nb(st, acct, deals, j, o, DEAL_TP)
            return True
        if (d > 0 and h >= tp) or (d < 0 and lo <= tp):
            close_nb(st, acct, deals, j, tp, DEAL_TP)
            return True
    return False


@njit(cache=True)
def descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j_start, j_stop):
    """Walk the M1 bars j_start..j_stop-1 tick by tick while the position is open."""
    mt5_stops = acct[S.A_STOP_MODE] != STOPS_VECTORBT
    for j in range(j_start, j_stop):
        if st[S.DIR] == 0.0:
            return
        spr = spread_price[j]
        if not mt5_stops and j > st[S.ENTRY_M1]:
            if vbt_bar_stop_nb(st, acct, deals, j, m1_open[j], m1_high[j], m1_low[j]):
                return
        first = m1_low[j] if low_first[j] else m1_high[j]
        second = m1_high[j] if low_first[j] else m1_low[j]
        if tick_nb(st, acct, deals, j, m1_open[j], m1_open[j] + spr, True, mt5_stops):
            return
        if tick_nb(st, acct, deals, j, first, first + spr, False, mt5_stops):
            return
        if tick_nb(st, acct, deals, j, second, second + spr, False, mt5_stops):
            return
        if tick_nb(st, acct, deals, j, m1_close[j], m1_close[j] + spr, False, mt5_stops):
            return


@njit(cache=True, inline="always")
def bar_needs_ticks_nb(st, acct, adverse, favour, drop):
    """False when a bar can be settled from its extremes: no stop level in reach, no stop-out, and
    either no new equity high or one whose drawdown is known without ticks (see below). Then the
    bar's lowest equity (at its adverse extreme) is booked as its drawdown candidate.

    `adverse`/`favour` are the bar's worst and best price for the position (Bid low/high for a long,
    Ask high/low for a short) and `drop` its largest adverse move in tick order. Only scalars and the
    two state arrays are passed: every array argument costs reference counting on each call.
    """
    d = st[S.DIR]
    e_min = equity_nb(st, acct, adverse, adverse)
    e_max = equity_nb(st, acct, favour, favour)
    peak = st[S.EQ_PEAK]
    needs = (st[S.SL] > 0 and d * (adverse - st[S.SL]) <= 0) or (st[S.TP] > 0 and d * (favour - st[S.TP]) >= 0)
    needs = needs or e_min * 100.0 <= acct[S.A_STOP_OUT] * st[S.MARGIN]
    drop_money = drop * acct[S.A_LOTS] * acct[S.A_CONTRACT]
    if not needs and e_max > peak:
        # A new high inside the bar. Exact without ticks when profit converts linearly: the bar's own
        # worst drop (from its running high) is lots x contract x its largest adverse move, and its
        # relative drawdown cannot exceed that drop over the old peak.
        needs = acct[S.A_PCONV] == CONV_DIV or peak <= 0 or drop_money / peak > st[S.EQ_DD_REL]
    if not needs:
        equity_tick_nb(st, e_min)
        if e_max > peak:
            st[S.EQ_DD] = max(st[S.EQ_DD], drop_money)
            st[S.EQ_PEAK] = e_max
    return needs


@njit(cache=True, inline="always")
def init_state_nb(acct):
    st = np.zeros(S.N_STATE)
    dep = acct[S.A_DEPOSIT]
    st[S.BAL] = dep
    st[S.EQ_PEAK] = dep
    st[S.BAL_PEAK] = dep
    st[S.BAL_MIN] = dep
    st[S.EQ_MIN] = dep
    st[S.LAST_EQ] = dep
    st[S.ENTRY_M1] = -1
    return st


@njit(cache=True)
def rollover_nb(st, acct, units, bid, ask):
    """Swap for `units` rollover days (Wednesday's night counts three) on the open position."""
    d = st[S.DIR]
    rate = acct[S.A_SWAP_LONG] if d > 0 else acct[S.A_SWAP_SHORT]
    px = bid if d > 0 else ask
    st[S.SWAP] += units * rate * acct[S.A_POINT] * acct[S.A_LOTS] * acct[S.A_CONTRACT] * conv_nb(
        int(acct[S.A_PCONV]), px)


@njit(cache=True)
def execute_nb(st, acct, deals, j0, sgn, bid, ask, sl, tp):
    """The decision taken at the close of the previous bar, on this bar's first tick: a signal
    against the position closes it and opens the other way; one along it changes nothing."""
    d = st[S.DIR]
    if d != 0.0 and d != sgn:
        close_nb(st, acct, deals, j0, bid if d > 0 else ask, DEAL_SIGNAL)
    if st[S.DIR] == 0.0:
        open_nb(st, acct, deals, j0, sgn, bid, ask, sl, tp)


@njit(cache=True, inline="always")
def sharpe_bar_nb(st, acct, eq):
    """Per-bar equity log return (bars where equity did not change are skipped, as MT5 does)."""
    last = st[S.LAST_EQ]
    if eq != last and eq > 0 and last > 0:
        r = np.log(eq / last)
        st[S.SH_SUM] += r
        st[S.SH_SUMSQ] += r * r
        st[S.SH_N] += 1
    st[S.LAST_EQ] = eq


@njit(cache=True)
def simulate_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                tf_open, tf_close, open_spread, close_spread, tf_high, tf_low, ask_high, ask_low,
                long_drop, short_drop, swap_units, signal, sl, tp, acct, deals, out):
    """Simulate one pass over all timeframe bars; metrics go to `out`, deals to `deals` (if sized).

    The bar loop reads only per-timeframe-bar arrays (open/close with their M1 bar's spread), which
    stay in cache; the M1 arrays are touched only when a bar needs its ticks.
    """
    st = init_state_nb(acct)
    n = len(m1_start)
    for k in range(n):
        j0 = m1_start[k]
        bid0 = tf_open[k]
        if st[S.DIR] != 0.0 and swap_units[k] > 0:
            rollover_nb(st, acct, swap_units[k], bid0, bid0 + open_spread[k])
        if k > 0 and signal[k - 1] != 0:
            execute_nb(st, acct, deals, j0, float(signal[k - 1]), bid0, bid0 + open_spread[k], sl, tp)
        if st[S.DIR] != 0.0:
            if st[S.DIR] > 0:
                needs = bar_needs_ticks_nb(st, acct, tf_low[k], tf_high[k], long_drop[k])
            else:
                needs = bar_needs_ticks_nb(st, acct, ask_high[k], ask_low[k], short_drop[k])
            if needs:
                st[S.DESCENTS] += 1
                descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first,
                           j0, m1_stop[k])
        sharpe_bar_nb(st, acct, equity_nb(st, acct, tf_close[k], tf_close[k] + close_spread[k]))
    if st[S.DIR] != 0.0 and n > 0:
        jl = m1_stop[n - 1] - 1
        close_nb(st, acct, deals, jl, m1_close[jl] if st[S.DIR] > 0 else m1_close[jl] + spread_price[jl], DEAL_END)
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

