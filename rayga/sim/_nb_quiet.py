"""Quiet stretches of an open position, settled in SIMD chunks (kernel-only module).

Most bars of a pass are quiet: a position is open and nothing happens in them (no decision or rollover
on their first tick, no stop, take-profit or stop-out level in reach, no new equity high). `quiet_nb`
settles them in chunks: one branch-free pass per chunk compares every bar's extremes with two price
bounds that stand for all the full loop's tests (`reach_nb`, `chunk_test_nb`), a second takes the equity
log returns of the bars before the first where something may happen (`chunk_returns_nb`), both in SIMD
lanes, then fixed-order sums. Strict IEEE arithmetic: the
figures do not depend on how or where the kernel was compiled. The bar that ends a stretch is known a
little before the full loop reaches it, so its data is prefetched (`_nb_prefetch`).
"""

import numpy as np
from numba import njit

from rayga.sim import _nb_state as S
from rayga.sim._nb_prefetch import prefetch_bar_nb, prefetch_turn_nb
from rayga.sim._nb_ptr import address_nb, view_nb


@njit(cache=True, _nrt=False, inline="always")
def log1p_series_nb(x):
    """log(1 + x) for |x| < 0.01 by a 7-term series: relative error below |x|**7 / 8 < 2e-15 and, unlike
    a call to log1p, it pipelines across bars and runs in SIMD lanes. Estrin's scheme (powers in
    parallel: a dependency chain half as long as Horner's)."""
    x2 = x * x
    x3 = x2 * x
    x5 = x3 * x2
    return ((x * (1.0 - 0.5 * x) + x3 * (1.0 / 3.0 - 0.25 * x))
            + (x5 * (0.2 - x * (1.0 / 6.0)) + x5 * x2 * (1.0 / 7.0)))


@njit(cache=True, inline="always")
def log1p_nb(x):
    """log(1 + x): the series where per-bar equity changes are small (|x| < 0.01), else log1p."""
    if abs(x) < 0.01:
        return log1p_series_nb(x)
    return np.log1p(x)


@njit(cache=True, _nrt=False, inline="always")
def bar_return_nb(eq, last, s1, s2, sn):
    """Add the bar's equity log return to the Sharpe sums; unchanged bars skipped as in MT5."""
    if eq != last and eq > 0 and last > 0:
        r = log1p_nb((eq - last) / last)
        s1 += r
        s2 += r * r
        sn += 1
    return s1, s2, sn


CHUNK = 64  # bars per step of the quiet scan (scratch: returns, lowest equities)
assert 2 * CHUNK <= S.N_SCRATCH, "the state's scratch area holds a chunk's returns and lowest equities"


@njit(cache=True, _nrt=False, inline="always")
def reach_nb(d, entry, base, units, sl_px, tp_px, so_margin, peak):
    """Price bounds of a quiet bar of an open position, in d x price: a bar may hold an event where
    d x its adverse extreme <= lo (a stop loss in reach, or a stop-out: equity x 100 <= so_margin) or
    d x its favourable extreme >= hi (a take-profit in reach, or a new equity high). The equity is
    monotone in d x price, so the stop-out and new-high bounds are the levels where the loop's own
    equity expression crosses them, widened far beyond the rounding of that expression and of solving
    for them (1e-9 of the price, and 1e-12 of the money amounts in price terms) and far below a price
    step: a bar near a bound ends the stretch and is settled by the full loop with the exact tests, so a
    wide bound costs a little time and never a figure."""
    tol = 1e-9 * (1.0 + abs(entry)) + 1e-12 * (abs(base) + abs(peak) + abs(so_margin) / 100.0) / units
    so_at = d * entry + (so_margin / 100.0 - base) / units
    hi_at = d * entry + (peak - base) / units
    lo = so_at + tol + 1e-9 * abs(so_at)
    hi = hi_at - tol - 1e-9 * abs(hi_at)
    if sl_px > 0:
        lo = max(lo, d * sl_px)  # a stop is in reach where d x adverse <= d x sl
    if tp_px > 0:
        hi = min(hi, d * tp_px)
    return lo, hi


@njit(cache=True, _nrt=False, inline="always", error_model="numpy")
def chunk_test_nb(adv, fav, sig, swap, has_swap, d, lo, hi):
    """The first bar t of a chunk (arrays sliced at its first bar, sig from one bar earlier) where
    something may happen (a decision on its first tick, an extreme past the bounds of `reach_nb`, or a
    rollover), or the chunk's length. Branch-free, nothing carried from bar to bar but an integer
    minimum: LLVM runs it in SIMD lanes, cheap enough that the bars a chunk tests past the stretch's
    end cost little."""
    c = len(adv)
    first = c
    if has_swap:
        for t in range(c):
            bad = (sig[t] != 0) | (d * adv[t] <= lo) | (d * fav[t] >= hi) | (swap[t] > 0)
            first = min(first, t if bad else c)
    else:
        for t in range(c):
            bad = (sig[t] != 0) | (d * adv[t] <= lo) | (d * fav[t] >= hi)
            first = min(first, t if bad else c)
    return first


@njit(cache=True, _nrt=False, inline="always", error_model="numpy")
def chunk_returns_nb(adv, px, m, entry, base, du, ret, low):
    """For each bar t of a quiet run (arrays sliced at its first bar, px from one bar earlier): low[t]
    its lowest equity (at its adverse extreme), ret[t] its equity log return (closing price px[t + 1]
    against px[t]; NaN where |change| >= 1 %, where the series is not accurate). Branch-free, in SIMD
    lanes, strict IEEE arithmetic: the figures do not depend on how or where it was compiled."""
    for t in range(len(ret)):
        eq = base + (px[t + 1] - entry) * du
        prev = base + (px[t] - entry) * du
        x = (eq - prev) / prev
        low[t] = base + (adv[t] - entry) * du if t < m else np.inf
        ret[t] = (log1p_series_nb(x) if abs(x) < 0.01 else np.nan) if t < m else 0.0


@njit(cache=True, _nrt=False, inline="always")
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


@njit(cache=True, _nrt=False, error_model="numpy")
def chunk_step_nb(c, p_adv, p_fav, p_sig, p_swap, p_px, has_swap, d, entry, base, du, lo, hi, p_scratch):
    """One chunk of c bars of a quiet stretch: the first bar where something happens (`chunk_test_nb`
    over all c bars), then the returns and lowest equities of the bars before it, rounded up to whole
    SIMD vectors (`chunk_returns_nb`), and their sums (`sum_chunk_nb`). The arrays come as pointers
    (`_nb_ptr.address_nb`): a call passes 16 values instead of ~60. Returns (that first bar or c,
    sum r, sum r^2, count of r != 0, lowest equity)."""
    ret = view_nb(p_scratch, 2 * CHUNK)
    adv = view_nb(p_adv, c)
    m = chunk_test_nb(adv, view_nb(p_fav, c), view_nb(p_sig, c), view_nb(p_swap, c), has_swap, d, lo, hi)
    mm = min(c, (m + 7) // 8 * 8)
    chunk_returns_nb(adv[:mm], view_nb(p_px, mm + 1), m, entry, base, du, ret[:mm], ret[CHUNK:CHUNK + mm])
    r1, r2, rn, lc = sum_chunk_nb(ret, ret[CHUNK:], mm)  # bars m.. add 0 and +inf: no change
    return m, r1, r2, rn, lc


@njit(cache=True, _nrt=False, inline="always")
def quiet_nb(k, n, d, entry, base, units, sl_px, tp_px, so_margin, peak, trough, eq_min, last, s1, s2, sn,
             signal, swap_units, has_swap, adverse_arr, favour_arr, close_px, curve, scratch, pf):
    """Bars k, k + 1, ... (k >= 1) of an open position with a linear profit conversion while nothing
    happens in them: no decision or rollover on their first tick, no stop, take-profit or stop-out level
    in reach, no new equity high. Settled as the full loop settles such a bar (the same lowest
    equities; a bar near a bound is left to the full loop: identical figures but for the Sharpe sums'
    order of addition, ~1e-15 relative),
    up to CHUNK bars at a time (`chunk_step_nb`, in SIMD lanes). The equity carried in (`last`) is the
    same expression at bar k - 1's close, so bar k's return is taken in the chunk like the others.
    Returns the first bar that is not quiet."""
    du = d * units  # d = +-1: base + (p - entry) x du == base + d x (p - entry) x units, bit for bit
    adv_bound, fav_bound = reach_nb(d, entry, base, units, sl_px, tp_px, so_margin, peak)
    lo = np.inf
    t1 = 0.0
    t2 = 0.0
    tn = 0.0
    j = k
    size = CHUNK // 2  # most stretches are short: chunks of 32 bars, then 64
    while j < n:
        c = min(size, n - j)
        size = min(2 * size, CHUNK)
        m, r1, r2, rn, lc = chunk_step_nb(
            c, address_nb(adverse_arr, j), address_nb(favour_arr, j), address_nb(signal, j - 1),
            address_nb(swap_units, j), address_nb(close_px, j - 1), has_swap, d, entry, base, du, adv_bound,
            fav_bound, address_nb(scratch, 0))
        if m < c:  # the stretch ends at bar j + m: start loading what the full loop reads there
            prefetch_bar_nb(j + m, pf[0], pf[1], swap_units, pf[2], pf[3])
            if signal[j + m - 1] != 0:
                prefetch_turn_nb(j + m, pf[4], pf[5], pf[6], pf[7])
        t1 += r1
        t2 += r2
        tn += rn
        lo = min(lo, lc)
        j += m
        if m < c:
            break
    if j == k:
        return k, trough, eq_min, last, s1, s2, sn
    trough = min(trough, lo)
    eq_min = min(eq_min, lo)
    if t1 == t1:
        s1 += t1
        s2 += t2
        sn += tn
    else:  # some bar changed the equity by >= 1 %: log1p bar by bar
        eq = last
        for i in range(k, j):
            prev = eq
            eq = base + (close_px[i] - entry) * du
            s1, s2, sn = bar_return_nb(eq, prev, s1, s2, sn)
    if len(curve) > 0:  # a report's equity curve (the sums above do not depend on it)
        for i in range(k, j):
            curve[i] = base + (close_px[i] - entry) * du
    return j, trough, eq_min, base + (close_px[j - 1] - entry) * du, s1, s2, sn
