"""The quiet scan's price bounds (`reach_nb`) never let an event through: wherever the full loop's exact
tests find a stop, a take-profit, a stop-out or a new equity high in reach, the bounds flag the bar."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.sim._nb_quiet import reach_nb


@pytest.mark.parametrize("seed", range(6))
def test_bounds_flag_every_bar_the_exact_tests_flag(seed):
    rng = np.random.default_rng(seed)
    scale = [1.1, 110.0, 30_000.0][seed % 3]  # EURUSD-, USDJPY- and BTC-like prices
    point = scale * 1e-5
    for _ in range(300):
        d = float(rng.choice([-1.0, 1.0]))
        entry = scale * (1 + rng.normal(0, 0.01))
        units = float(rng.choice([1_000.0, 100_000.0, 1.0]))
        base = float(rng.choice([rng.uniform(1_000, 200_000), rng.uniform(1e9, 1e10)]))  # and huge accounts
        peak = base + float(rng.choice([0.0, rng.uniform(0, 5_000)]))
        so_margin = 50.0 * float(rng.uniform(10, 1.5 * base))  # stop-outs in reach for some positions
        sl = entry - d * point * float(rng.integers(0, 500)) if rng.random() < 0.7 else 0.0
        tp = entry + d * point * float(rng.integers(0, 500)) if rng.random() < 0.7 else 0.0
        lo, hi = reach_nb(d, entry, base, units, sl, tp, so_margin, peak)
        # prices on a fine grid around every level the bounds stand for (half a point apart)
        levels = [entry, sl or entry, tp or entry, entry + d * ((so_margin / 100 - base) / units),
                  entry + d * (peak - base) / units]
        steps = np.concatenate([point * np.arange(-40, 41) / 2,  # and in steps of the equity's rounding
                                np.spacing(max(base, peak)) / units * np.arange(-40, 41)])
        prices = np.concatenate([lv + steps for lv in levels])
        prices = np.concatenate([prices, np.nextafter(prices, np.inf), np.nextafter(prices, -np.inf)])
        for p in prices:
            eq = base + d * (p - entry) * units  # the full loop's equity at a bar extreme
            adverse_event = (sl > 0 and d * (p - sl) <= 0) or eq * 100.0 <= so_margin
            favour_event = (tp > 0 and d * (p - tp) >= 0) or eq > peak
            assert not adverse_event or d * p <= lo, (d, entry, p, lo)
            assert not favour_event or d * p >= hi, (d, entry, p, hi)
        # and the bounds are tight: a price a point inside them holds no event
        inside = d * (lo + point) if np.isfinite(lo) else None
        if inside is not None and d * inside < hi - point:
            eq = base + d * (inside - entry) * units
            assert eq * 100.0 > so_margin and not (sl > 0 and d * (inside - sl) <= 0)
