"""Slow, obviously correct indicator definitions (MT5's, written from its indicator sources' rules)."""

from __future__ import annotations

import math

import numpy as np

NAN = math.nan


def sma(x, p):
    return [NAN if i < p - 1 else sum(x[i - p + 1:i + 1]) / p for i in range(len(x))]


def ema(x, p):
    a = 2 / (p + 1)
    out, prev = [], None
    for i, v in enumerate(x):
        prev = v if prev is None else v * a + prev * (1 - a)
        out.append(prev if i >= p - 1 else NAN)
    return out


def smma(x, p):
    out, prev = [], None
    for i in range(len(x)):
        if i < p - 1:
            out.append(NAN)
            continue
        prev = sum(x[:p]) / p if prev is None else (prev * (p - 1) + x[i]) / p
        out.append(prev)
    return out


def lwma(x, p):
    w = list(range(1, p + 1))
    return [NAN if i < p - 1 else sum(a * b for a, b in zip(w, x[i - p + 1:i + 1], strict=True)) / sum(w)
            for i in range(len(x))]


def rsi(x, p):
    out = [NAN] * len(x)
    if len(x) <= p:
        return out
    ch = [x[i] - x[i - 1] for i in range(1, len(x))]
    g = sum(max(c, 0) for c in ch[:p]) / p
    lo = sum(max(-c, 0) for c in ch[:p]) / p
    for i in range(p, len(x)):
        if i > p:
            c = ch[i - 1]
            g = (g * (p - 1) + max(c, 0)) / p
            lo = (lo * (p - 1) + max(-c, 0)) / p
        out[i] = (50.0 if g == 0 else 100.0) if lo == 0 else 100 - 100 / (1 + g / lo)
    return out


def true_range(h, lo, c):
    return [h[0] - lo[0]] + [max(h[i], c[i - 1]) - min(lo[i], c[i - 1]) for i in range(1, len(c))]


def atr(h, lo, c, p):
    tr = true_range(h, lo, c)
    return [NAN if i < p else sum(tr[i - p + 1:i + 1]) / p for i in range(len(c))]


def stddev(x, p):
    out = []
    for i in range(len(x)):
        if i < p - 1:
            out.append(NAN)
            continue
        w = x[i - p + 1:i + 1]
        m = sum(w) / p
        out.append(math.sqrt(sum((v - m) ** 2 for v in w) / p))
    return out


def macd(x, f, s, sig):
    main = [a - b for a, b in zip(ema(x, f), ema(x, s), strict=True)]
    first = next(i for i, v in enumerate(main) if not math.isnan(v))
    signal = [NAN] * first + sma(main[first:], sig)
    return main, signal


def stochastic(h, lo, c, k, d, slowing):
    n = len(c)
    hh = [NAN if i < k - 1 else max(h[i - k + 1:i + 1]) for i in range(n)]
    ll = [NAN if i < k - 1 else min(lo[i - k + 1:i + 1]) for i in range(n)]
    first = k - 1 + slowing - 1
    kk = [NAN] * n
    for i in range(first, n):
        num = sum(c[j] - ll[j] for j in range(i - slowing + 1, i + 1))
        den = sum(hh[j] - ll[j] for j in range(i - slowing + 1, i + 1))
        kk[i] = 100.0 if den == 0 else 100 * num / den
    dd = [NAN] * first + sma(kk[first:], d)
    return kk, dd


def cci(h, lo, c, p):
    tp = [(a + b + e) / 3 for a, b, e in zip(h, lo, c, strict=True)]
    out = []
    for i in range(len(tp)):
        if i < p - 1:
            out.append(NAN)
            continue
        w = tp[i - p + 1:i + 1]
        m = sum(w) / p
        dev = sum(abs(v - m) for v in w) * 0.015 / p
        out.append(0.0 if dev == 0 else (tp[i] - m) / dev)
    return out


def adx(h, lo, c, p):
    a = 2 / (p + 1)
    n = len(c)
    pe = me = xe = 0.0
    adx_, pdi, mdi = [NAN] * n, [NAN] * n, [NAN] * n
    for i in range(1, n):
        up, down = max(h[i] - h[i - 1], 0.0), max(lo[i - 1] - lo[i], 0.0)
        if up == down:
            up = down = 0.0
        elif up > down:
            down = 0.0
        else:
            up = 0.0
        tr = max(abs(h[i] - lo[i]), abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1]))
        pe = (100 * up / tr if tr else 0.0) * a + pe * (1 - a)
        me = (100 * down / tr if tr else 0.0) * a + me * (1 - a)
        dx = 100 * abs((pe - me) / (pe + me)) if pe + me else 0.0
        xe = dx * a + xe * (1 - a)
        if i >= p:
            pdi[i], mdi[i] = pe, me
        if i >= 2 * p:
            adx_[i] = xe
    return adx_, pdi, mdi


def momentum(x, p):
    return [NAN if i < p else 100 * x[i] / x[i - p] for i in range(len(x))]


def roc(x, p):
    return [NAN if i < p else 100 * (x[i] - x[i - p]) / x[i - p] for i in range(len(x))]


def donchian(h, lo, p):
    return ([NAN if i < p - 1 else max(h[i - p + 1:i + 1]) for i in range(len(h))],
            [NAN if i < p - 1 else min(lo[i - p + 1:i + 1]) for i in range(len(h))])


def as_array(x):  # noqa: ANN001, ANN201
    return np.asarray(x, dtype=np.float64)
