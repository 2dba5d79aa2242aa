"""The built-in strategies' rules, `rule(bars, p, out)` on the public rule API (`rayga.rules`), and the
signal helpers they share (kernel-only module).

Each rule reads the indicator rows its class declares (`p.<row>`: computed once per batch and shared by
its genomes), writes one decision per timeframe bar into `out.signal` (+1 buy, -1 sell, 0 nothing) and
never decides on a bar where an indicator it reads is still NaN (MT5's warm-up). Every built-in runs in
the one batch kernel of `rayga.sim.rule_kernel`, like a user's rule."""

import numpy as np
from numba import njit

from rayga.indicators._nb import sma_nb


@njit(cache=True)
def level_cross_nb(x, lower, upper, out):
    """RSI-style mean reversion: buy when `x` crosses up through `lower`, sell when it crosses down
    through `upper`."""
    for k in range(1, len(x)):
        a, b = x[k - 1], x[k]
        if np.isnan(a) or np.isnan(b):
            continue
        if a <= lower < b:
            out[k] = 1
        elif a >= upper > b:
            out[k] = -1


@njit(cache=True)
def band_breakout_nb(close, mid, sd, deviation, out):
    """Bollinger breakout: buy when the close crosses above mid + deviation x sd, sell when it crosses
    below mid - deviation x sd."""
    for k in range(1, len(close)):
        if np.isnan(mid[k - 1]) or np.isnan(sd[k - 1]):
            continue
        up0, up1 = mid[k - 1] + deviation * sd[k - 1], mid[k] + deviation * sd[k]
        dn0, dn1 = mid[k - 1] - deviation * sd[k - 1], mid[k] - deviation * sd[k]
        if close[k - 1] <= up0 and close[k] > up1:
            out[k] = 1
        elif close[k - 1] >= dn0 and close[k] < dn1:
            out[k] = -1


@njit(cache=True)
def channel_breakout_nb(close, upper, lower, out):
    """Donchian breakout: buy when the close rises above the highest high of the `period` bars before
    it, sell when it falls below their lowest low."""
    for k in range(1, len(close)):
        if np.isnan(upper[k - 1]) or np.isnan(lower[k - 1]):
            continue
        if close[k] > upper[k - 1]:
            out[k] = 1
        elif close[k] < lower[k - 1]:
            out[k] = -1


@njit(cache=True)
def line_cross_nb(a, b, out):
    """Buy when `a` crosses above `b`, sell when it crosses below (MACD main vs signal)."""
    for k in range(1, len(a)):
        if np.isnan(a[k - 1]) or np.isnan(b[k - 1]) or np.isnan(a[k]) or np.isnan(b[k]):
            continue
        if a[k - 1] <= b[k - 1] and a[k] > b[k]:
            out[k] = 1
        elif a[k - 1] >= b[k - 1] and a[k] < b[k]:
            out[k] = -1


@njit(cache=True)
def transitions_nb(state, out):
    """Decisions from a per-bar state (+1 want long, -1 want short, 0 neither): decide when the state
    turns to +1 or -1."""
    for k in range(1, len(state)):
        if state[k] != state[k - 1] and state[k] != 0:
            out[k] = state[k]


@njit(cache=True)
def momentum_state_nb(roc_fast, roc_slow, rsi, adx, rsi_band, adx_min):
    """Multi-momentum: long while both rates of change are positive, the RSI is above 50 + band and the
    ADX at least `adx_min`; short for the mirror image; 0 otherwise and during any warm-up."""
    n = len(rsi)
    state = np.zeros(n, dtype=np.int8)
    for k in range(n):
        if np.isnan(roc_fast[k]) or np.isnan(roc_slow[k]) or np.isnan(rsi[k]) or np.isnan(adx[k]):
            continue
        if adx[k] < adx_min:
            continue
        if roc_fast[k] > 0 and roc_slow[k] > 0 and rsi[k] > 50.0 + rsi_band:
            state[k] = 1
        elif roc_fast[k] < 0 and roc_slow[k] < 0 and rsi[k] < 50.0 - rsi_band:
            state[k] = -1
    return state


@njit(cache=True)
def reversion_state_nb(close, ma, atr, atr_avg, rsi, band_mult, rsi_band, vol_ratio_max):
    """Adaptive mean reversion: long while the close is more than `band_mult` ATRs below its MA and the
    RSI below 50 - band, short for the mirror image; no position wanted while the ATR runs above
    `vol_ratio_max` times its own average (a volatility regime the bands do not describe)."""
    n = len(close)
    state = np.zeros(n, dtype=np.int8)
    for k in range(n):
        if np.isnan(ma[k]) or np.isnan(atr[k]) or np.isnan(atr_avg[k]) or np.isnan(rsi[k]):
            continue
        if atr_avg[k] > 0 and atr[k] > vol_ratio_max * atr_avg[k]:
            continue
        if close[k] < ma[k] - band_mult * atr[k] and rsi[k] < 50.0 - rsi_band:
            state[k] = 1
        elif close[k] > ma[k] + band_mult * atr[k] and rsi[k] > 50.0 + rsi_band:
            state[k] = -1
    return state


@njit(cache=True)
def composite_state_nb(close, fast, slow, rsi, mid, sd, macd_main, macd_signal, use, rsi_band, bb_dev, combine):
    """Votes of the chosen components per bar (MA trend, RSI extremes, Bollinger breakout, MACD vs its
    signal), combined by AND (all chosen agree), OR (any, none against) or majority (more for than
    against). `use` holds four 0/1 genes; a component still warming up votes 0."""
    n = len(close)
    state = np.zeros(n, dtype=np.int8)
    chosen = use[0] + use[1] + use[2] + use[3]
    for k in range(n):
        up = 0
        down = 0
        if use[0] > 0 and not (np.isnan(fast[k]) or np.isnan(slow[k])):
            up += fast[k] > slow[k]
            down += fast[k] < slow[k]
        if use[1] > 0 and not np.isnan(rsi[k]):
            up += rsi[k] < 50.0 - rsi_band
            down += rsi[k] > 50.0 + rsi_band
        if use[2] > 0 and not (np.isnan(mid[k]) or np.isnan(sd[k])):
            up += close[k] > mid[k] + bb_dev * sd[k]
            down += close[k] < mid[k] - bb_dev * sd[k]
        if use[3] > 0 and not (np.isnan(macd_main[k]) or np.isnan(macd_signal[k])):
            up += macd_main[k] > macd_signal[k]
            down += macd_main[k] < macd_signal[k]
        if combine == 0:  # AND
            if up == chosen:
                state[k] = 1
            elif down == chosen:
                state[k] = -1
        elif combine == 1:  # OR
            if up > 0 and down == 0:
                state[k] = 1
            elif down > 0 and up == 0:
                state[k] = -1
        else:  # majority
            if up > down:
                state[k] = 1
            elif down > up:
                state[k] = -1
    return state


@njit(cache=True)
def cross_nb(fast, slow, out):
    """out[k] = +1 where `fast` closes above `slow` after closing at or below it, -1 for the opposite cross,
    nothing wherever either is not yet defined (warm-up)."""
    n = len(fast)
    start = 1
    while start < n and (np.isnan(fast[start - 1]) or np.isnan(slow[start - 1])):
        start += 1  # averages stay defined once they are (no NaN in the bars)
    if start >= n:
        return
    # branch-free over slices (indices from 0): LLVM runs it in SIMD lanes
    f0, s0, f1, s1, o = fast[start - 1:n - 1], slow[start - 1:n - 1], fast[start:], slow[start:], out[start:]
    for i in range(n - start):
        up = (f1[i] > s1[i]) & (f0[i] <= s0[i])  # no NaN past the warm-up: <= is "not above"
        down = (f1[i] < s1[i]) & (f0[i] >= s0[i])
        o[i] = np.int8(up) - np.int8(down)


@njit(cache=True)
def atr_stops_nb(out, atr, sl_atr, tp_atr, point):
    """Stops in ATRs of the decision bar for every entry decided (`sl_atr` / `tp_atr` > 0; else the genes'
    points): 0 (no stop) where the ATR is still warming up."""
    if sl_atr <= 0 and tp_atr <= 0:
        return
    for k in range(len(out.signal)):
        if out.signal[k] != 0:
            if sl_atr > 0:
                out.sl[k] = 0.0 if np.isnan(atr[k]) else atr[k] * sl_atr / point
            if tp_atr > 0:
                out.tp[k] = 0.0 if np.isnan(atr[k]) else atr[k] * tp_atr / point


@njit(cache=True)
def ma_cross_rule(bars, p, out):
    """Buy when the fast SMA crosses above the slow one, sell on the opposite cross."""
    cross_nb(p.fast_ma, p.slow_ma, out.signal)


@njit(cache=True)
def rsi_reversion_rule(bars, p, out):
    """Buy when the RSI crosses up through `lower`, sell when it crosses down through `upper`."""
    level_cross_nb(p.rsi, p.lower, p.upper, out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def bollinger_breakout_rule(bars, p, out):
    """Buy when the close crosses above the upper band, sell when it crosses below the lower one."""
    band_breakout_nb(bars.close, p.mid, p.sd, p.deviation, out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def donchian_breakout_rule(bars, p, out):
    """Buy when the close rises above the previous `period` bars' highest high, sell below their lowest low."""
    channel_breakout_nb(bars.close, p.upper, p.lower, out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def macd_cross_rule(bars, p, out):
    """MACD main (fast EMA - slow EMA) crossing its signal line (the SMA of the main line, as MT5)."""
    n = bars.close.shape[0]
    main = p.fast_ema - p.slow_ema
    sig = np.full(n, np.nan)
    start = 0
    while start < n and np.isnan(main[start]):
        start += 1
    if start < n:
        sig[start:] = sma_nb(main[start:], int(p.signal))
    line_cross_nb(main, sig, out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def multi_momentum_rule(bars, p, out):
    """Long while both rates of change, the RSI and the ADX agree on up, short for down: decide on a change."""
    transitions_nb(momentum_state_nb(p.roc_f, p.roc_s, p.rsi, p.adx, p.rsi_band, p.adx_min), out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def adaptive_reversion_rule(bars, p, out):
    """Close beyond the MA +- band_mult ATRs with RSI confirmation, outside high-volatility regimes."""
    transitions_nb(reversion_state_nb(bars.close, p.ma, p.atr, p.atr_avg, p.rsi, p.band_mult, p.rsi_band,
                                      p.vol_ratio_max), out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)


@njit(cache=True)
def composite_rule(bars, p, out):
    """The chosen votes (MA trend, RSI extremes, Bollinger breakout, MACD) combined by AND, OR or majority."""
    use = np.array([int(p.use_ma), int(p.use_rsi), int(p.use_bb), int(p.use_macd)], dtype=np.int64)
    transitions_nb(composite_state_nb(bars.close, p.fast_ma, p.slow_ma, p.rsi, p.bb_mid, p.bb_sd, p.macd_main,
                                      p.macd_signal, use, p.rsi_band, p.bb_dev, int(p.combine)), out.signal)
    atr_stops_nb(out, p.stop_atr, p.sl_atr, p.tp_atr, bars.point)
