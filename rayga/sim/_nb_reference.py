"""A straightforward per-tick simulator of the whole model, compiled (kernel-only module).

No shortcuts: every M1 bar of the test is four ticks (Open, Low/High by the bull/bear/doji rule,
Close), every tick of an open position checks SL, TP and stop-out and books equity, every tick of a flat
account its pending orders. It shares no code with the fast kernels (it imports their slot numbers and
constants only); `rayga bench` re-runs genomes through it to prove the fast loop's figures.
Supports MT5 stop rules with order or market fills (not the vectorbt stop mode), and the management genes
(`rayga.sim.manage`: trailing, break-even, time exits, sizing, entry guards), applied to every tick.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim import enums as E


@njit(cache=True)
def _cents(x):
    r = np.floor(abs(x) * 100.0 + 0.5) / 100.0
    return r if x >= 0 else -r


@njit(cache=True)
def _book(acc, result):
    """Book one deal's money: acc = [balance, peak, dd, rel, min, gross profit, gross loss, deals]."""
    acc[0] += result
    acc[7] += 1
    if result > 0:
        acc[5] += result
    elif result < 0:
        acc[6] += result
    if acc[0] > acc[1]:
        acc[1] = acc[0]
    else:
        acc[2] = max(acc[2], acc[1] - acc[0])
        acc[3] = max(acc[3], (acc[1] - acc[0]) / acc[1])
    acc[4] = min(acc[4], acc[0])


@njit(cache=True)
def _equity_point(eqs, eq):
    """eqs = [peak, dd, rel, min]."""
    if eq > eqs[0]:
        eqs[0] = eq
    else:
        eqs[1] = max(eqs[1], eqs[0] - eq)
        eqs[2] = max(eqs[2], (eqs[0] - eq) / eqs[0])
    eqs[3] = min(eqs[3], eq)


@njit(cache=True)
def reference_nb(m1_open, m1_high, m1_low, m1_close, spread_price, m1_start, m1_stop, signal, sl, tp, sl_bar, tp_bar,
                 orders, acct, out, mg, tod, weekday, day, atr):
    """One pass, every tick of every M1 bar; metrics to `out` (same columns as the fast kernels). A bar's
    decision is an entry (+1 buy, -1 sell) plus 4 to exit a long, 8 to exit a short, 16 to place the bar's
    pending orders (`orders`: buy stop, buy limit, sell stop, sell limit prices, expiry in bars; unsized: none)
    and 32 to cancel them: exits first, then the entry, which an open position in the other direction
    reverses, closes or ignores (acct), then the orders. An entry's SL/TP are `sl`/`tp` points, or its
    decision bar's `sl_bar`/`tp_bar` where sized and not NaN. `mg`: the management genes (`_nb_state.MG_*`),
    `tod`, `weekday`, `day`: each bar's server minute of the day, weekday and day number, `atr` its ATR (the
    clock arrays may be empty when no gene is on)."""
    dep = acct[S.A_DEPOSIT]
    acc = np.array([dep, dep, 0.0, 0.0, dep, 0.0, 0.0, 0.0])
    eqs = np.array([dep, 0.0, 0.0, dep])
    # trades, wins, longs, shorts, no_money, stop_outs, skipped: window, spread, day, cooldown, lot, daily limit,
    # kill switch, losing streak
    cnt = np.zeros(17)  # then break-even trades, trailed trades, sized entries
    s1, s2, sn, last_eq = 0.0, 0.0, 0, dep
    # direction, entry, sl, tp, margin, lots, bar opened, R, break-even level, its stop, trailing distance, start
    # level, step (prices)
    pos = np.zeros(14)  # then its stop at the opening
    # last close bar, its result, entries' day, entries that day, bar, losing streak, the server day's equity floor
    # and ceiling, the day its limits blocked, killed (kill switch), the day of the floor and ceiling
    hist = np.array([-1.0, 0.0, -1.0, 0.0, 0.0, 0.0, -np.inf, np.inf, -1.0, 0.0, -1.0])
    on = mg[S.MG_ON] != 0.0
    guarded = on and (mg[S.MG_DAY_LOSS] > 0 or mg[S.MG_DAY_PROFIT] > 0 or mg[S.MG_KILL] > 0)
    pend = np.zeros(7)  # buy stop, buy limit, sell stop, sell limit (0 = none), expiry bar (-1), sl, tp points
    pend[4] = -1.0
    last_dir = 0
    ticks = np.empty(4)
    now = (0.0, 0.0, 0.0)
    a_k = np.nan
    n = len(m1_start)
    for k in range(n):
        for j in range(m1_start[k], m1_stop[k]):
            c, spr = m1_close[j], spread_price[j]
            last_dir = _ticks(m1_open[j], m1_high[j], m1_low[j], c, last_dir, ticks)
            for t in range(4):
                bid = ticks[t]
                ask = bid + spr
                if t == 0 and j == m1_start[k]:
                    hist[4] = k
                    if pend[4] >= 0 and pend[4] <= k:
                        pend[:4] = 0.0  # expired
                    now = (tod[k], weekday[k], day[k]) if len(tod) > 0 else (0.0, 0.0, 0.0)
                    a_k = atr[k - 1] if k > 0 and len(atr) > 0 else np.nan
                    if guarded and now[2] != hist[10]:
                        _new_day(now[2], acc, mg, hist)
                    flat_now = on and _bar_start(k, bid, ask, pos, pend, mg, now, acct, acc, eqs, cnt, hist)
                    if k > 0 and signal[k - 1] != 0 and not flat_now:
                        _decide(k, int(signal[k - 1]), bid, ask, sl, tp, sl_bar, tp_bar, orders, pos, pend, acct, acc,
                                eqs, cnt, mg, now, a_k, hist)
                if pos[0] == 0.0 and pend[0] + pend[1] + pend[2] + pend[3] > 0:
                    _trigger(bid, ask, pos, pend, acct, acc, cnt, mg, a_k, hist, now)
                if pos[0] != 0.0:
                    eq = _position_tick(bid, ask, t, pos, acct, acc, eqs, cnt, hist)
                    if pos[0] != 0.0 and guarded:
                        _account_guards(eq, bid, ask, pos, mg, acct, acc, eqs, cnt, hist)
                    if pos[0] != 0.0 and on and mg[S.MG_PER_BAR] == 0.0:
                        _manage(pos, bid if pos[0] > 0 else ask)
            if j == m1_stop[k] - 1:
                eq = _equity(acc[0], pos, c, c + spr, acct)
                if eq != last_eq and eq > 0 and last_eq > 0:
                    r = np.log(eq / last_eq)
                    s1 += r
                    s2 += r * r
                    sn += 1
                last_eq = eq
    if pos[0] != 0.0:
        jl = m1_stop[n - 1] - 1
        px = m1_close[jl] if pos[0] > 0 else m1_close[jl] + spread_price[jl]
        _close(pos, px, np.int64(E.DEAL_END), acct, acc, eqs, cnt, hist)
    _write(out, acc, eqs, cnt, dep, _sharpe(s1, s2, sn, acct))


@njit(cache=True)
def _ticks(o, h, lo, c, last_dir, ticks):
    """The four ticks of an M1 bar into `ticks`: O, L, H, C for a bull bar, O, H, L, C for a bear one, a doji
    the opposite of the last non-doji bar's direction (bull when none); returns that direction now."""
    if c > o:
        low_first, last_dir = True, 1
    elif c < o:
        low_first, last_dir = False, -1
    else:
        low_first = last_dir != 1
    ticks[0], ticks[3] = o, c
    ticks[1] = lo if low_first else h
    ticks[2] = h if low_first else lo
    return last_dir


@njit(cache=True)
def _sharpe(s1, s2, sn, acct):
    if sn < 2:
        return 0.0
    mean = s1 / sn
    var = s2 / sn - mean * mean
    return max(mean / np.sqrt(var) * np.sqrt(acct[S.A_BARS_PER_YEAR]), -5.0) if var > 0 else 0.0


@njit(cache=True)
def _equity(balance, pos, bid, ask, acct):
    if pos[0] == 0.0:
        return balance
    px = bid if pos[0] > 0 else ask
    units = pos[5] * acct[S.A_CONTRACT]
    return balance + pos[0] * (px - pos[1]) * units * ((1.0 / px) if acct[S.A_PCONV] == E.CONV_DIV else 1.0)


@njit(cache=True)
def _bar_start(k, bid, ask, pos, pend, mg, now, acct, acc, eqs, cnt, hist):
    """Management on bar k's first tick, before its decision: the time exit after max bars held, the stop's
    move when it acts once a bar, and the daily close time. True when the close time has come: the account is
    flat (orders cancelled) and the bar's decision is dropped."""
    d = pos[0]
    if d != 0.0:
        px = bid if d > 0 else ask
        held = mg[S.MG_MAX_BARS]
        if held > 0 and k - pos[6] >= held and (mg[S.MG_MAX_BARS_LOSING] == 0.0 or d * (px - pos[1]) < 0):
            _close(pos, px, np.int64(E.DEAL_TIME), acct, acc, eqs, cnt, hist)
        elif mg[S.MG_PER_BAR] != 0.0:
            _manage(pos, px)
    at = mg[S.MG_CLOSE_MINUTE]
    if at >= 0 and now[0] >= at and (mg[S.MG_CLOSE_FRIDAY] == 0.0 or now[1] == 5):
        if pos[0] != 0.0:
            _close(pos, bid if pos[0] > 0 else ask, np.int64(E.DEAL_EXIT), acct, acc, eqs, cnt, hist)
        pend[:4] = 0.0
        return True
    return False


@njit(cache=True)
def _manage(pos, px):
    """A tick of the open position at px (Bid for a long, Ask for a short): break-even once its level is
    reached (the stop moves to its lock if that is better and below the price for a long), then the trailing
    stop once the start level is reached (px - distance, if better than the stop by more than the step)."""
    d = pos[0]
    if pos[8] > 0 and d * (px - pos[8]) >= 0:
        moved = (pos[2] == 0.0 or d * (pos[9] - pos[2]) > 0) and d * (px - pos[9]) > 0
        if moved:
            pos[2] = pos[9]
        pos[8] = -1.0 if moved else 0.0
    if pos[10] > 0 and d * (px - pos[11]) >= 0:
        target = px - d * pos[10]
        if pos[2] == 0.0 or d * (target - pos[2]) > pos[12]:
            pos[2] = target


@njit(cache=True)
def _new_day(day, acc, mg, hist):
    """A new server day: its loss limit's floor and profit lock's ceiling from its starting balance."""
    hist[10] = day
    hist[6] = acc[0] * (1 - mg[S.MG_DAY_LOSS] / 100) if mg[S.MG_DAY_LOSS] > 0 else -np.inf
    hist[7] = acc[0] * (1 + mg[S.MG_DAY_PROFIT] / 100) if mg[S.MG_DAY_PROFIT] > 0 else np.inf


@njit(cache=True)
def _account_guards(eq, bid, ask, pos, mg, acct, acc, eqs, cnt, hist):
    """A tick's equity against the kill switch (% below the equity peak: flat for good) and the day's loss
    limit and profit lock (flat until the next server day)."""
    px = bid if pos[0] > 0 else ask
    if mg[S.MG_KILL] > 0 and eq <= eqs[0] * (1 - mg[S.MG_KILL] / 100):
        hist[9] = 1.0
        _close(pos, px, np.int64(E.DEAL_GUARD), acct, acc, eqs, cnt, hist)
    elif eq <= hist[6] or eq >= hist[7]:
        hist[8] = hist[10]
        _close(pos, px, np.int64(E.DEAL_GUARD), acct, acc, eqs, cnt, hist)


@njit(cache=True)
def _guards(bid, ask, mg, now, acct, cnt, hist, acc, eqs):
    """Whether an entry (or the placing of orders) may happen now; a refusal counted under its guard."""
    if mg[S.MG_ON] == 0.0:
        return True
    hour = now[0] // 60
    a, b = mg[S.MG_WINDOW_START], mg[S.MG_WINDOW_END]
    if a < b:
        inside = a <= hour < b
    elif a > b:
        inside = hour >= a or hour < b
    else:
        inside = True
    if not inside or (int(mg[S.MG_WEEKDAYS]) & (1 << int(now[1]))) == 0:
        cnt[6] += 1
        return False
    if mg[S.MG_MAX_SPREAD] > 0 and (ask - bid) / acct[S.A_POINT] > mg[S.MG_MAX_SPREAD] + 1e-6:
        cnt[7] += 1
        return False
    kill = mg[S.MG_KILL]
    if hist[9] != 0.0 or (kill > 0 and acc[0] <= eqs[0] * (1 - kill / 100)):
        hist[9] = 1.0
        cnt[12] += 1
        return False
    if hist[8] == now[2] or acc[0] <= hist[6] or acc[0] >= hist[7]:
        cnt[11] += 1
        return False
    if mg[S.MG_MAX_DAY_TRADES] > 0 and hist[2] == now[2] and hist[3] >= mg[S.MG_MAX_DAY_TRADES]:
        cnt[8] += 1
        return False
    if (mg[S.MG_COOLDOWN] > 0 and hist[0] >= 0 and hist[4] - hist[0] <= mg[S.MG_COOLDOWN]
            and (mg[S.MG_COOLDOWN_LOSS] == 0.0 or hist[1] < 0)):
        cnt[9] += 1
        return False
    if mg[S.MG_PAUSE_LOSSES] > 0 and hist[5] >= mg[S.MG_PAUSE_LOSSES]:
        if hist[4] - hist[0] <= mg[S.MG_PAUSE_BARS]:
            cnt[13] += 1
            return False
        hist[5] = 0.0
    return True


@njit(cache=True)
def _decide(k, code, bid, ask, sl, tp, sl_bar, tp_bar, orders, pos, pend, acct, acc, eqs, cnt, mg, now, a_k, hist):
    """Bar k - 1's decision on bar k's first tick, decoded bit by bit: exits, the entry, the stop's move to
    the rule's trailing level, then the orders."""
    trail = code >= E.TRAIL - 1
    code = code - E.TRAIL if trail else code
    cancel = code >= E.CANCEL - 1
    rest = code - E.CANCEL if cancel else code
    place = rest >= E.ORDERS - 1
    rest = rest - E.ORDERS if place else rest
    exit_short = rest >= E.EXIT_SHORT - 1
    rest = rest - E.EXIT_SHORT if exit_short else rest
    exit_long = rest >= E.EXIT_LONG - 1
    entry = rest - E.EXIT_LONG if exit_long else rest
    if (pos[0] > 0 and exit_long) or (pos[0] < 0 and exit_short):
        _close(pos, bid if pos[0] > 0 else ask, np.int64(E.DEAL_EXIT), acct, acc, eqs, cnt, hist)
    if entry != 0 and pos[0] == -entry and acct[S.A_OPPOSITE] != E.OPPOSITE_IGNORE:
        _close(pos, bid if pos[0] > 0 else ask, np.int64(E.DEAL_SIGNAL), acct, acc, eqs, cnt, hist)
        if acct[S.A_OPPOSITE] == E.OPPOSITE_CLOSE:
            entry = 0
    sl_k = sl_bar[k - 1] if len(sl_bar) > 0 and not np.isnan(sl_bar[k - 1]) else sl
    tp_k = tp_bar[k - 1] if len(tp_bar) > 0 and not np.isnan(tp_bar[k - 1]) else tp
    if entry != 0 and pos[0] == 0.0 and _guards(bid, ask, mg, now, acct, cnt, hist, acc, eqs):
        _open(pos, pend, float(entry), ask if entry > 0 else bid, sl_k, tp_k, acct, acc, cnt, mg, a_k, hist, now)
    if trail and pos[0] != 0.0:
        level, d = orders[5][k - 1], pos[0]
        px = bid if d > 0 else ask
        if level > 0 and d * (px - level) > 0 and (pos[2] == 0.0 or d * (level - pos[2]) > 0):
            pos[2] = level
    if cancel or place:
        pend[:4] = 0.0
    if place and pos[0] == 0.0 and _guards(bid, ask, mg, now, acct, cnt, hist, acc, eqs):
        i = k - 1
        for slot, valid in ((0, orders[0][i] > ask), (1, orders[1][i] < ask), (2, orders[2][i] < bid),
                            (3, orders[3][i] > bid)):
            price = orders[slot][i]
            pend[slot] = price if valid and price > 0 and not np.isnan(price) else 0.0
        life = orders[4][i]
        pend[4] = k + max(1.0, np.floor(life)) if not np.isnan(life) else -1.0
        pend[5], pend[6] = sl_k, tp_k


@njit(cache=True)
def _trigger(bid, ask, pos, pend, acct, acc, cnt, mg, a_k, hist, now):
    """A flat tick against the pending orders: the first triggered (buy stop, buy limit, sell stop, sell
    limit) opens at its price and cancels them all."""
    for slot in range(4):
        price = pend[slot]
        hit = price > 0 and ((slot == 0 and ask >= price) or (slot == 1 and ask <= price) or
                             (slot == 2 and bid <= price) or (slot == 3 and bid >= price))
        if hit:
            pend[:4] = 0.0
            _open(pos, pend, 1.0 if slot < 2 else -1.0, price, pend[5], pend[6], acct, acc, cnt, mg, a_k, hist, now)
            return


@njit(cache=True)
def _position_tick(bid, ask, t, pos, acct, acc, eqs, cnt, hist):
    """SL, then TP (on Bid for a long, Ask for a short), then the stop-out, else the tick's equity (returned)."""
    d = pos[0]
    px = bid if d > 0 else ask
    market = acct[S.A_FILL] == E.FILL_MARKET and t == 0
    if pos[2] > 0 and d * (px - pos[2]) <= 0:
        _close(pos, px if market else pos[2], np.int64(E.DEAL_SL), acct, acc, eqs, cnt, hist)
    elif pos[3] > 0 and d * (px - pos[3]) >= 0:
        _close(pos, px if market else pos[3], np.int64(E.DEAL_TP), acct, acc, eqs, cnt, hist)
    else:
        eq = _equity(acc[0], pos, bid, ask, acct)
        if eq * 100.0 <= acct[S.A_STOP_OUT] * pos[4]:
            _close(pos, px, np.int64(E.DEAL_STOP_OUT), acct, acc, eqs, cnt, hist)
        else:
            _equity_point(eqs, eq)
        return eq
    return np.nan


@njit(cache=True)
def _close(pos, price, reason, acct, acc, eqs, cnt, hist):
    d = pos[0]
    units = pos[5] * acct[S.A_CONTRACT]
    div = acct[S.A_PCONV] == E.CONV_DIV
    result = _cents(d * (price - pos[1]) * units * ((1.0 / price) if div else 1.0)) - acct[S.A_COMM] * pos[5]
    _book(acc, result)
    cnt[0] += 1
    cnt[1] += result >= 0
    cnt[2 if d > 0 else 3] += 1
    cnt[5] += reason == E.DEAL_STOP_OUT
    pos[0] = 0.0
    be = pos[8] < 0.0  # what management did to the trade: its break-even's move (-1: `_manage`), a trailing move
    cnt[14] += be
    cnt[15] += pos[2] != pos[13] and not (be and pos[2] == pos[9])
    hist[0], hist[1] = hist[4], result
    hist[5] = hist[5] + 1 if result < 0 else 0.0
    _equity_point(eqs, acc[0])


@njit(cache=True)
def _size(price, r, acct, acc, mg, cnt):
    """Lots of an entry at `price` with stop distance r: risk %, per 10,000 of balance, % of free margin or
    fixed; down to the volume step, within the symbol's limits; 0 when a risk-sized entry's minimum lot would
    risk more."""
    fixed = mg[S.MG_LOTS] if mg[S.MG_ON] != 0.0 and mg[S.MG_LOTS] > 0 else acct[S.A_LOTS]
    if mg[S.MG_ON] == 0.0:
        return fixed
    bal = mg[S.MG_BASE_BALANCE] if mg[S.MG_BASE_BALANCE] > 0 else acc[0]
    contract = acct[S.A_CONTRACT]
    by_risk = mg[S.MG_RISK_PCT] > 0 and r > 0
    if by_risk:
        profit_per_price = contract / price if acct[S.A_PCONV] == E.CONV_DIV else (
            contract * price if acct[S.A_PCONV] == E.CONV_MUL else contract)
        want = bal * mg[S.MG_RISK_PCT] / 100.0 / (r * profit_per_price)
    elif mg[S.MG_LOTS_PER_10K] > 0:
        want = bal / 10_000.0 * mg[S.MG_LOTS_PER_10K]
    elif mg[S.MG_MARGIN_PCT] > 0:
        per_lot = contract / acct[S.A_LEVERAGE] * (price if acct[S.A_MCONV] == E.CONV_MUL else (
            1.0 / price if acct[S.A_MCONV] == E.CONV_DIV else 1.0))
        want = bal * mg[S.MG_MARGIN_PCT] / 100.0 / per_lot
    else:
        return fixed
    steps = np.floor(want / acct[S.A_VOL_STEP] + 1e-9)
    lots = np.round(min(steps * acct[S.A_VOL_STEP], acct[S.A_VOL_MAX]), 8)
    if lots < acct[S.A_VOL_MIN] - 1e-12:
        if by_risk:
            cnt[10] += 1
            return 0.0
        lots = acct[S.A_VOL_MIN]
    cnt[16] += 1
    return lots


@njit(cache=True)
def _open(pos, pend, sg, price, sl, tp, acct, acc, cnt, mg, a_k, hist, now):
    """A position at `price` if the balance covers its margin (else `no_money`), sized and managed by the
    genes; it cancels pending orders."""
    pt = acct[S.A_POINT]
    r = sl * pt if sl > 0 else 0.0
    lots = _size(price, r, acct, acc, mg, cnt)
    if lots == 0.0:
        return
    need = lots * acct[S.A_CONTRACT] / acct[S.A_LEVERAGE] * (price if acct[S.A_MCONV] == E.CONV_MUL else 1.0)
    if need > acc[0]:
        cnt[4] += 1
        return
    pend[:4] = 0.0
    pos[0], pos[1], pos[4], pos[5], pos[6], pos[7] = sg, price, need, lots, hist[4], r
    pos[2] = price - sg * r if sl > 0 else 0.0
    if mg[S.MG_TP_R] > 0 and r > 0:
        pos[3] = price + sg * mg[S.MG_TP_R] * r
    else:
        pos[3] = price + sg * tp * pt if tp > 0 else 0.0
    pos[8] = pos[10] = 0.0
    if mg[S.MG_ON] != 0.0:
        be = mg[S.MG_BE_POINTS] * pt + mg[S.MG_BE_R] * r
        if be > 0:
            pos[8], pos[9] = price + sg * be, price + sg * mg[S.MG_BE_LOCK] * pt
        dist = mg[S.MG_TRAIL_POINTS] * pt + mg[S.MG_TRAIL_R] * r
        if mg[S.MG_TRAIL_ATR] > 0 and not np.isnan(a_k):
            dist += mg[S.MG_TRAIL_ATR] * a_k
        if dist > 0:
            pos[10] = dist
            pos[11] = price + sg * (mg[S.MG_TRAIL_START] * pt + mg[S.MG_TRAIL_START_R] * r)
            pos[12] = mg[S.MG_TRAIL_STEP] * pt
    pos[13] = pos[2]
    if hist[2] != now[2]:
        hist[2], hist[3] = now[2], 0.0
    hist[3] += 1
    _book(acc, -acct[S.A_COMM] * lots)


@njit(cache=True)
def _write(out, acc, eqs, cnt, dep, sharpe):
    out[:] = 0.0
    profit = acc[0] - dep
    trades = cnt[0]
    out[E.M_PROFIT] = profit
    out[E.M_GROSS_PROFIT] = acc[5]
    out[E.M_GROSS_LOSS] = acc[6]
    out[E.M_TOTAL_TRADES] = trades
    out[E.M_TOTAL_DEALS] = acc[7]
    out[E.M_PROFIT_FACTOR] = acc[5] / -acc[6] if acc[6] < 0 else 0.0
    out[E.M_EXPECTED_PAYOFF] = profit / trades if trades > 0 else 0.0
    out[E.M_BALANCE_DD_ABS] = max(dep - acc[4], 0.0)
    out[E.M_BALANCE_DD_MAX] = acc[2]
    out[E.M_BALANCE_DD_REL_PCT] = acc[3] * 100.0
    out[E.M_EQUITY_DD_ABS] = max(dep - eqs[3], 0.0)
    out[E.M_EQUITY_DD_MAX] = eqs[1]
    out[E.M_EQUITY_DD_REL_PCT] = eqs[2] * 100.0
    out[E.M_RECOVERY_FACTOR] = profit / eqs[1] if eqs[1] > 0 else 0.0
    out[E.M_SHARPE_RATIO] = sharpe
    out[E.M_WIN_RATE] = cnt[1] / trades * 100.0 if trades > 0 else 0.0
    out[E.M_WINS] = cnt[1]
    out[E.M_LONG_TRADES] = cnt[2]
    out[E.M_SHORT_TRADES] = cnt[3]
    out[E.M_NO_MONEY] = cnt[4]
    out[E.M_STOP_OUTS] = cnt[5]
    out[E.M_FINAL_BALANCE] = acc[0]
    out[E.M_SKIPPED_WINDOW] = cnt[6]
    out[E.M_SKIPPED_SPREAD] = cnt[7]
    out[E.M_SKIPPED_DAY_TRADES] = cnt[8]
    out[E.M_SKIPPED_COOLDOWN] = cnt[9]
    out[E.M_SKIPPED_MIN_LOT] = cnt[10]
    out[E.M_SKIPPED_DAILY_LIMIT] = cnt[11]
    out[E.M_SKIPPED_KILL_SWITCH] = cnt[12]
    out[E.M_SKIPPED_LOSING_STREAK] = cnt[13]
    out[E.M_BREAK_EVEN_TRADES] = cnt[14]
    out[E.M_TRAILED_TRADES] = cnt[15]
    out[E.M_SIZED_ENTRIES] = cnt[16]
