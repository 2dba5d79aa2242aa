"""The bar loop of one pass and its metrics (kernel-only module).

The loop walks timeframe bars with the open position's hot state in local variables (registers) and
descends to M1 ticks (`_nb.descend_nb`) only inside bars where a stop, take-profit or stop-out level
is in reach, or where a new equity high leaves the exact drawdown unknown. Elsewhere a bar is
settled from its extremes: its adverse extreme is its lowest equity, and a new high inside it can
add at most lots x contract x the bar's largest adverse move (precomputed in tick order) to the
money drawdown, and at most that over the old peak to the relative drawdown.
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim import enums as E
from rayga.sim._nb_prefetch import prefetch_bar_nb
from rayga.sim._nb import (
    close_nb,
    conv_nb,
    descend_nb,
    execute_nb,
    fast_descend_nb,
    reset_state_nb,
    rollover_nb,
    vbt_bar_stop_nb,
)
from rayga.sim.enums import CONV_DIV, DEAL_END, STOPS_VECTORBT


@njit(cache=True, inline="always")
def log1p_nb(x):
    """log(1 + x). Per-bar equity changes are small: for |x| < 0.01 a 7-term series has a relative
    error below |x|**7 / 8 < 2e-15 and, unlike a call to log1p, pipelines across bars. Evaluated by
    Estrin's scheme (powers in parallel: a dependency chain half as long as Horner's, ~15 % faster per bar)."""
    if abs(x) < 0.01:
        x2 = x * x
        x3 = x2 * x
        x5 = x3 * x2
        return ((x * (1.0 - 0.5 * x) + x3 * (1.0 / 3.0 - 0.25 * x))
                + (x5 * (0.2 - x * (1.0 / 6.0)) + x5 * x2 * (1.0 / 7.0)))
    return np.log1p(x)


@njit(cache=True, inline="always")
def read_position_nb(st):
    return st[S.DIR], st[S.ENTRY], st[S.SL], st[S.TP], st[S.MARGIN], st[S.BAL] + st[S.SWAP], st[S.BAL]


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


@njit(cache=True, _nrt=False, inline="always")
def bar_return_nb(eq, last, s1, s2, sn):
    """Add the bar's equity log return to the Sharpe sums; unchanged bars skipped as in MT5."""
    if eq != last and eq > 0 and last > 0:
        r = log1p_nb((eq - last) / last)
        s1 += r
        s2 += r * r
        sn += 1
    return s1, s2, sn


CHUNK = 64  # bars per step of the quiet scan (scratch: returns, flags, lowest equities)


@njit(cache=True, _nrt=False, inline="always", error_model="numpy")
def chunk_bar_nb(a, f, sig, p1, p0, d, entry, base, du, sl_d, tp_d, so_margin, peak):
    """One bar of `chunk_nb`: (something happens, lowest equity, equity log return)."""
    e_min = base + (a - entry) * du
    e_max = base + (f - entry) * du
    bad = (sig != 0) | (d * a <= sl_d) | (d * f >= tp_d) | (e_min * 100.0 <= so_margin) | (e_max > peak)
    eq = base + (p1 - entry) * du
    prev = base + (p0 - entry) * du
    x = (eq - prev) / prev
    x2 = x * x
    x3 = x2 * x
    x5 = x3 * x2
    r = ((x * (1.0 - 0.5 * x) + x3 * (1.0 / 3.0 - 0.25 * x))
         + (x5 * (0.2 - x * (1.0 / 6.0)) + x5 * x2 * (1.0 / 7.0)))  # log1p_nb's series
    return bad, e_min, r if abs(x) < 0.01 else np.nan


@njit(cache=True, _nrt=False, error_model="numpy")
def chunk_nb(adv, fav, sig, swap, px, has_swap, d, entry, base, du, sl_d, tp_d, so_margin, peak, ret, flag, low):
    """For each bar t of a chunk (arrays sliced at the chunk's first bar; sig and px from one bar
    earlier): flag[t] = 1 where something happens in it (a decision or rollover on its first tick, a
    stop, take-profit or stop-out level in reach, a possible new equity high: the full loop's tests with
    the same arithmetic), low[t] its lowest equity (at the adverse extreme), ret[t] its equity log return
    (closing price px[t + 1] against px[t]; NaN where |change| >= 1 %, where the series is not
    accurate). No branch and nothing carried from bar to bar: LLVM runs it in SIMD lanes (strict IEEE
    arithmetic, so the figures do not depend on how it is compiled). It reads only the arrays it needs:
    memory traffic, not arithmetic, bounds it."""
    if has_swap:
        for t in range(len(ret)):
            bad, low[t], ret[t] = chunk_bar_nb(adv[t], fav[t], sig[t], px[t + 1], px[t], d, entry, base, du, sl_d,
                                               tp_d, so_margin, peak)
            flag[t] = 1.0 if bad | (swap[t] > 0) else 0.0
    else:
        for t in range(len(ret)):
            bad, low[t], ret[t] = chunk_bar_nb(adv[t], fav[t], sig[t], px[t + 1], px[t], d, entry, base, du, sl_d,
                                               tp_d, so_margin, peak)
            flag[t] = 1.0 if bad else 0.0


@njit(cache=True, _nrt=False, inline="always")
def first_flag_nb(flag):
    t = 0
    while t < len(flag) and flag[t] == 0.0:
        t += 1
    return t


@njit(cache=True, _nrt=False)
def sum_chunk_nb(ret, low, m):
    """(sum r, sum r^2, count of r != 0, lowest equity) over the first m bars of a chunk, in four
    interleaved partial sums (a fixed order). A bar's return is nonzero exactly where its equity changed
    (the count MT5's Sharpe ratio divides by)."""
    a0 = a1 = a2 = a3 = 0.0
    q0 = q1 = q2 = q3 = 0.0
    n0 = n1 = n2 = n3 = 0
    lo = np.inf
    i = 0
    while i + 3 < m:
        r0, r1, r2, r3 = ret[i], ret[i + 1], ret[i + 2], ret[i + 3]
        a0 += r0
        a1 += r1
        a2 += r2
        a3 += r3
        q0 += r0 * r0
        q1 += r1 * r1
        q2 += r2 * r2
        q3 += r3 * r3
        n0 += r0 != 0.0
        n1 += r1 != 0.0
        n2 += r2 != 0.0
        n3 += r3 != 0.0
        lo = min(lo, min(min(low[i], low[i + 1]), min(low[i + 2], low[i + 3])))
        i += 4
    while i < m:
        a0 += ret[i]
        q0 += ret[i] * ret[i]
        n0 += ret[i] != 0.0
        lo = min(lo, low[i])
        i += 1
    return (a0 + a1) + (a2 + a3), (q0 + q1) + (q2 + q3), float((n0 + n1) + (n2 + n3)), lo


@njit(cache=True, _nrt=False, inline="never")
def quiet_nb(k, n, d, entry, base, units, sl_px, tp_px, so_margin, peak, trough, eq_min, last, s1, s2, sn,
             signal, swap_units, has_swap, adverse_arr, favour_arr, close_px, curve, scratch, pf):
    """Bars k, k + 1, ... (k >= 1) of an open position with a linear profit conversion while nothing
    happens in them: no decision or rollover on their first tick, no stop, take-profit or stop-out level
    in reach, no new equity high. Settled as the full loop settles such a bar (the same tests and
    lowest equities: identical figures but for the Sharpe sums' order of addition, ~1e-15 relative),
    CHUNK bars at a time (`chunk_nb`, in SIMD lanes). Returns the first bar that is not quiet."""
    du = d * units  # d = +-1: base + (p - entry) x du == base + d x (p - entry) x units, bit for bit
    sl_d = d * sl_px if sl_px > 0 else -np.inf  # a stop is in reach where d x adverse <= d x sl
    tp_d = d * tp_px if tp_px > 0 else np.inf
    # bar k alone: its return is against `last`, the equity carried in
    e_min = base + (adverse_arr[k] - entry) * du
    e_max = base + (favour_arr[k] - entry) * du
    if ((signal[k - 1] != 0) | (d * adverse_arr[k] <= sl_d) | (d * favour_arr[k] >= tp_d)
            | (e_min * 100.0 <= so_margin) | (e_max > peak) | (has_swap and swap_units[k] > 0)):
        return k, trough, eq_min, last, s1, s2, sn
    lo = e_min
    eq = base + (close_px[k] - entry) * du
    s1, s2, sn = bar_return_nb(eq, last, s1, s2, sn)
    ret, flag, low = scratch[:CHUNK], scratch[CHUNK:2 * CHUNK], scratch[2 * CHUNK:3 * CHUNK]
    t1 = 0.0
    t2 = 0.0
    tn = 0.0
    j = k + 1
    size = CHUNK // 4  # most stretches are short: chunks grow 16, 32, 64 bars (less work past the end)
    while j < n:
        c = min(size, n - j)
        size = min(2 * size, CHUNK)
        chunk_nb(adverse_arr[j:j + c], favour_arr[j:j + c], signal[j - 1:j - 1 + c], swap_units[j:j + c],
                 close_px[j - 1:j + c], has_swap, d, entry, base, du, sl_d, tp_d, so_margin, peak, ret[:c], flag[:c],
                 low[:c])
        m = first_flag_nb(flag[:c])
        if m < c:  # the stretch ends at bar j + m: start loading what the full loop reads there
            prefetch_bar_nb(j + m, pf[0], pf[1], swap_units, pf[2], pf[3], pf[4], pf[5], pf[6], pf[7], pf[8], pf[9],
                            pf[10])
        r1, r2, rn, lc = sum_chunk_nb(ret, low, m)
        t1 += r1
        t2 += r2
        tn += rn
        lo = min(lo, lc)
        j += m
        if m < c:
            break
    trough = min(trough, lo)
    eq_min = min(eq_min, lo)
    if t1 == t1:
        s1 += t1
        s2 += t2
        sn += tn
    else:  # some bar changed the equity by >= 1 %: log1p bar by bar
        for i in range(k + 1, j):
            last = eq
            eq = base + (close_px[i] - entry) * du
            s1, s2, sn = bar_return_nb(eq, last, s1, s2, sn)
    if len(curve) > 0:  # a report's equity curve (the sums above do not depend on it)
        for i in range(k, j):
            curve[i] = base + (close_px[i] - entry) * du
    return j, trough, eq_min, base + (close_px[j - 1] - entry) * du, s1, s2, sn


@njit(cache=True, _nrt=False)
def simulate_nb(m1_open, m1_high, m1_low, m1_close, spread_price, low_first, m1_start, m1_stop,
                tf_open, tf_close, open_spread, close_ask, tf_high, tf_low, ask_high, ask_low,
                long_drop, short_drop, swap_units, signal, sl, tp, sl_bar, tp_bar, acct, st, deals, curve, out):
    """Simulate one pass over all timeframe bars; metrics go to `out`, deals to `deals` (if sized), the
    equity at each bar's close to `curve` (if sized: a report's equity curve; empty in batches).
    SL/TP are `sl`/`tp` points for every entry, or, where `sl_bar`/`tp_bar` are sized, the points given
    for the decision bar of each entry (ATR-scaled stops).
    `st` is a work array of length N_STATE. Compiled without reference counting: it allocates nothing."""
    reset_state_nb(st, acct)
    units = acct[S.A_LOTS] * acct[S.A_CONTRACT]
    so = acct[S.A_STOP_OUT]
    pconv = int(acct[S.A_PCONV])
    lin = pconv == 0  # profit already in the account currency: no conversion per price
    has_swap = acct[S.A_SWAP_LONG] != 0.0 or acct[S.A_SWAP_SHORT] != 0.0
    vbt_stops = acct[S.A_STOP_MODE] == STOPS_VECTORBT
    d, entry, sl_px, tp_px, margin, base, bal = read_position_nb(st)
    peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
    trough = peak  # lowest equity since `peak` whose drawdown is not yet booked into dd/rel
    n = len(m1_start)
    fast = lin and not vbt_stops
    m1 = (m1_start, m1_stop, m1_open, m1_high, m1_low, m1_close, spread_price, low_first)
    pf_long = (tf_open, open_spread, long_drop, *m1)
    pf_short = (tf_open, open_spread, short_drop, *m1)
    k = 0
    while k < n:
        if fast and d != 0.0:
            if d > 0:
                k, trough, eq_min, last, s1, s2, sn = quiet_nb(
                    k, n, d, entry, base, units, sl_px, tp_px, so * margin, peak, trough, eq_min, last, s1, s2, sn,
                    signal, swap_units, has_swap, tf_low, tf_high, tf_close, curve, st[S.SCRATCH:], pf_long)
            else:
                k, trough, eq_min, last, s1, s2, sn = quiet_nb(
                    k, n, d, entry, base, units, sl_px, tp_px, so * margin, peak, trough, eq_min, last, s1, s2, sn,
                    signal, swap_units, has_swap, ask_high, ask_low, close_ask, curve, st[S.SCRATCH:], pf_short)
            if k >= n:
                break
        sig = signal[k - 1] if k > 0 else 0
        if sig != 0 or (has_swap and d != 0.0 and swap_units[k] > 0):  # something happens on the bar's first tick
            dd, rel = settle_nb(peak, trough, dd, rel)
            trough = peak
            write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
            bid0 = tf_open[k]
            ask0 = bid0 + open_spread[k]
            if d != 0.0 and swap_units[k] > 0:
                rollover_nb(st, acct, swap_units[k], bid0, ask0)
            if sig != 0 and vbt_stops and d != 0.0 and m1_start[k] > st[S.ENTRY_M1]:
                # vectorbt checks a position's stops before the bar's signal and drops the signal
                # when a stop fires on that bar
                j0 = m1_start[k]
                if vbt_bar_stop_nb(st, acct, deals, j0, m1_open[j0], m1_high[j0], m1_low[j0]):
                    sig = 0
            if sig != 0:
                sl_k = sl_bar[k - 1] if len(sl_bar) > 0 else sl
                tp_k = tp_bar[k - 1] if len(tp_bar) > 0 else tp
                execute_nb(st, acct, deals, m1_start[k], float(sig), bid0, ask0, sl_k, tp_k)
            d, entry, sl_px, tp_px, margin, base, bal = read_position_nb(st)
            peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
            trough = peak
        if d != 0.0:
            if d > 0:
                adverse, favour, drop = tf_low[k], tf_high[k], long_drop[k]
            else:
                adverse, favour, drop = ask_high[k], ask_low[k], short_drop[k]
            if lin:
                e_min = base + d * (adverse - entry) * units
                e_max = base + d * (favour - entry) * units
            else:
                e_min = base + d * (adverse - entry) * units * conv_nb(pconv, adverse)
                e_max = base + d * (favour - entry) * units * conv_nb(pconv, favour)
            needs = (sl_px > 0 and d * (adverse - sl_px) <= 0) or (tp_px > 0 and d * (favour - tp_px) >= 0)
            needs = needs or e_min * 100.0 <= so * margin
            if vbt_stops and d < 0:  # vectorbt checks a short's stops on Bid bars
                needs = needs or (sl_px > 0 and tf_high[k] >= sl_px) or (tp_px > 0 and tf_low[k] <= tp_px)
            drop_money = drop * units
            if not needs and e_max > peak:
                needs = pconv == CONV_DIV or peak <= 0 or drop_money / peak > rel
            if needs:
                dd, rel = settle_nb(peak, trough, dd, rel)
                write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
                if fast:
                    fast_descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first,
                                    m1_start[k], m1_stop[k])
                else:
                    descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first,
                               m1_start[k], m1_stop[k])
                d, entry, sl_px, tp_px, margin, base, bal = read_position_nb(st)
                peak, dd, rel, eq_min, last, s1, s2, sn = read_hot_nb(st)
                trough = peak
            else:
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
        eq = bal
        if d != 0.0:
            px = tf_close[k] if d > 0 else close_ask[k]
            if lin:
                eq = base + d * (px - entry) * units
            else:
                eq = base + d * (px - entry) * units * conv_nb(pconv, px)
        s1, s2, sn = bar_return_nb(eq, last, s1, s2, sn)
        last = eq
        if k < len(curve):
            curve[k] = eq
        k += 1
        if d == 0.0:  # flat: nothing moves the equity (no floating profit, no swap) until the next decision
            j = k
            while j < n and signal[j - 1] == 0:
                j += 1
            if len(curve) > 0:
                curve[k:j] = bal
            k = j
    dd, rel = settle_nb(peak, trough, dd, rel)
    write_hot_nb(st, peak, dd, rel, eq_min, last, s1, s2, sn)
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

