"""A straightforward per-tick simulator of the whole model, compiled (kernel-only module).

No shortcuts: every M1 bar of the test is four ticks (Open, Low/High by the bull/bear/doji rule,
Close), every tick of an open position checks SL, TP and stop-out and books equity. It shares no code
with the fast kernels; `rayga bench` re-runs genomes through it to prove the fast loop's figures.
Supports MT5 stop rules with order or market fills (not the vectorbt stop mode).
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
                 acct, out):
    """One pass, every tick of every M1 bar; metrics to `out` (same columns as the fast kernels). A bar's
    decision is an entry (+1 buy, -1 sell) plus 4 to exit a long and 8 to exit a short: exits first, then
    the entry, which an open position in the other direction reverses, closes or ignores (acct). An entry's
    SL/TP are `sl`/`tp` points, or its decision bar's `sl_bar`/`tp_bar` where sized and not NaN."""
    dep = acct[S.A_DEPOSIT]
    units = acct[S.A_LOTS] * acct[S.A_CONTRACT]
    comm = acct[S.A_COMM] * acct[S.A_LOTS]
    div = acct[S.A_PCONV] == E.CONV_DIV
    market_fill = acct[S.A_FILL] == E.FILL_MARKET
    acc = np.array([dep, dep, 0.0, 0.0, dep, 0.0, 0.0, 0.0])
    eqs = np.array([dep, 0.0, 0.0, dep])
    cnt = np.zeros(6)  # trades, wins, longs, shorts, no_money, stop_outs
    s1, s2, sn, last_eq = 0.0, 0.0, 0, dep
    pos = np.zeros(5)  # direction, entry, sl, tp, margin
    last_dir = 0
    ticks = np.empty(4)
    n = len(m1_start)
    for k in range(n):
        for j in range(m1_start[k], m1_stop[k]):
            o, h, lo, c, spr = m1_open[j], m1_high[j], m1_low[j], m1_close[j], spread_price[j]
            if c > o:
                low_first, last_dir = True, 1
            elif c < o:
                low_first, last_dir = False, -1
            else:
                low_first = last_dir != 1  # doji: opposite of the last non-doji bar, bull if none
            ticks[0], ticks[3] = o, c
            ticks[1] = lo if low_first else h
            ticks[2] = h if low_first else lo
            for t in range(4):
                bid = ticks[t]
                ask = bid + spr
                if t == 0 and j == m1_start[k] and k > 0 and signal[k - 1] != 0:
                    code = int(signal[k - 1])
                    rest = code - E.EXIT_SHORT if code >= E.EXIT_SHORT - 1 else code  # the short exit's 8
                    exit_short = rest != code
                    entry = rest - E.EXIT_LONG if rest >= E.EXIT_LONG - 1 else rest  # the long exit's 4
                    exit_long = entry != rest
                    if (pos[0] > 0 and exit_long) or (pos[0] < 0 and exit_short):
                        _close(pos, bid if pos[0] > 0 else ask, E.DEAL_EXIT, units, comm, div, acc, eqs, cnt)
                    if entry != 0 and pos[0] == -entry and acct[S.A_OPPOSITE] != E.OPPOSITE_IGNORE:
                        _close(pos, bid if pos[0] > 0 else ask, E.DEAL_SIGNAL, units, comm, div, acc, eqs, cnt)
                        if acct[S.A_OPPOSITE] == E.OPPOSITE_CLOSE:
                            entry = 0
                    if entry != 0 and pos[0] == 0.0:
                        sl_k = sl_bar[k - 1] if len(sl_bar) > 0 and not np.isnan(sl_bar[k - 1]) else sl
                        tp_k = tp_bar[k - 1] if len(tp_bar) > 0 and not np.isnan(tp_bar[k - 1]) else tp
                        _open(pos, float(entry), bid, ask, sl_k, tp_k, units, comm, acct, acc, cnt)
                if pos[0] != 0.0:
                    d = pos[0]
                    px = bid if d > 0 else ask
                    if pos[2] > 0 and d * (px - pos[2]) <= 0:
                        _close(pos, px if (market_fill and t == 0) else pos[2], E.DEAL_SL, units, comm, div, acc, eqs, cnt)
                    elif pos[3] > 0 and d * (px - pos[3]) >= 0:
                        _close(pos, px if (market_fill and t == 0) else pos[3], E.DEAL_TP, units, comm, div, acc, eqs, cnt)
                    else:
                        eq = acc[0] + d * (px - pos[1]) * units * ((1.0 / px) if div else 1.0)
                        if eq * 100.0 <= acct[S.A_STOP_OUT] * pos[4]:
                            _close(pos, px, E.DEAL_STOP_OUT, units, comm, div, acc, eqs, cnt)
                        else:
                            _equity_point(eqs, eq)
            eq = acc[0]
            if pos[0] != 0.0:
                px = c if pos[0] > 0 else c + spr
                eq = acc[0] + pos[0] * (px - pos[1]) * units * ((1.0 / px) if div else 1.0)
            if j == m1_stop[k] - 1:
                if eq != last_eq and eq > 0 and last_eq > 0:
                    r = np.log(eq / last_eq)
                    s1 += r
                    s2 += r * r
                    sn += 1
                last_eq = eq
    if pos[0] != 0.0:
        jl = m1_stop[n - 1] - 1
        _close(pos, m1_close[jl] if pos[0] > 0 else m1_close[jl] + spread_price[jl], E.DEAL_END, units, comm, div,
               acc, eqs, cnt)
    sharpe = 0.0
    if sn >= 2:
        mean = s1 / sn
        var = s2 / sn - mean * mean
        if var > 0:
            sharpe = max(mean / np.sqrt(var) * np.sqrt(acct[S.A_BARS_PER_YEAR]), -5.0)
    _write(out, acc, eqs, cnt, dep, sharpe)


@njit(cache=True)
def _close(pos, price, reason, units, comm, div, acc, eqs, cnt):
    d = pos[0]
    result = _cents(d * (price - pos[1]) * units * ((1.0 / price) if div else 1.0)) - comm
    _book(acc, result)
    cnt[0] += 1
    cnt[1] += result >= 0
    cnt[2 if d > 0 else 3] += 1
    cnt[5] += reason == E.DEAL_STOP_OUT
    pos[0] = 0.0
    _equity_point(eqs, acc[0])


@njit(cache=True)
def _open(pos, sg, bid, ask, sl, tp, units, comm, acct, acc, cnt):
    price = ask if sg > 0 else bid
    need = units / acct[S.A_LEVERAGE] * (price if acct[S.A_MCONV] == E.CONV_MUL else 1.0)
    if need > acc[0]:
        cnt[4] += 1
        return
    pt = acct[S.A_POINT]
    pos[0], pos[1], pos[4] = sg, price, need
    pos[2] = price - sg * sl * pt if sl > 0 else 0.0
    pos[3] = price + sg * tp * pt if tp > 0 else 0.0
    _book(acc, -comm)


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
