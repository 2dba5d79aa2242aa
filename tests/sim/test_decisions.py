"""A rule's decisions beyond "+1 / -1, reverse": exits to flat, the three opposite-entry modes and stops per
entry, in the fused kernel, the compiled per-tick reference and the slow Python reference (deals and every
metric), on random data, hand-built M1 scenarios and real EURUSD through a user's rule in batches."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.data.bars import M1Bars
from rayga.data.market import MarketData
from rayga.data.symbols import symbol_spec
from rayga.sim import _nb_state as S
from rayga.sim._nb_loop import simulate_nb
from rayga.sim._nb_reference import reference_nb
from rayga.sim.account import AccountConfig
from rayga.sim.engine import flat_manage, no_orders, pass_manage
from rayga.sim.enums import (
    BUY,
    CANCEL,
    DEAL_DTYPE,
    DEAL_REASONS,
    DECISIONS,
    EXIT_LONG,
    EXIT_SHORT,
    METRICS,
    N_METRICS,
    SELL,
)
from rayga.sim.prepared import prepare
from tests.data.test_market import random_m1
from tests.sim.reference import simulate

MODES = ("reverse", "close", "ignore")


def kernel(data, signal, sl, tp, sl_bar, tp_bar, keep_deals=True):  # noqa: ANN001, ANN201
    deals = np.zeros(2 * int(np.count_nonzero(signal)) + 4 if keep_deals else 0, DEAL_DTYPE)
    out = np.zeros(N_METRICS)
    simulate_nb(data.kernel_args(), signal, float(sl), float(tp), sl_bar, tp_bar, no_orders(), data.acct,
                np.empty(S.N_STATE), deals, np.empty(0), out, *pass_manage(data))
    got = dict(zip(METRICS, out, strict=True))
    rows = [(int(d["m1_index"]), int(d["direction"]), "in" if d["entry"] else "out", DEAL_REASONS[d["reason"]],
             float(d["price"])) for d in deals[: int(got["total_deals"])]] if keep_deals else None
    return got, rows


def python_reference(data, account, signal, sl, tp, sl_bar, tp_bar):  # noqa: ANN001, ANN201
    a = data.acct
    return simulate(
        data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start, data.m1_stop,
        signal, sl, tp, deposit=a[S.A_DEPOSIT], lots=a[S.A_LOTS], contract=a[S.A_CONTRACT],
        leverage=a[S.A_LEVERAGE], commission=a[S.A_COMM], stop_out_pct=a[S.A_STOP_OUT], point=a[S.A_POINT],
        bars_per_year=a[S.A_BARS_PER_YEAR], profit_div=a[S.A_PCONV] == 2, margin_mul=a[S.A_MCONV] == 1,
        fill=account.stop_fill, swap_units=data.swap_units, swap_long=a[S.A_SWAP_LONG], swap_short=a[S.A_SWAP_SHORT],
        opposite=account.opposite_entry, sl_bar=sl_bar if len(sl_bar) else None,
        tp_bar=tp_bar if len(tp_bar) else None)


def compiled_reference(data, signal, sl, tp, sl_bar, tp_bar):  # noqa: ANN001, ANN201
    out = np.zeros(N_METRICS)
    reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                 data.m1_stop, signal, float(sl), float(tp), sl_bar, tp_bar, no_orders(), data.acct, out,
                 *flat_manage(data))
    return {m: out[j] for j, m in enumerate(METRICS) if m != "complex_criterion"}


def assert_same(got, ref, what=""):  # noqa: ANN001
    for name, value in ref.items():
        if name != "complex_criterion":
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-7), (what, name)


def test_the_decision_codes():
    plain = [-1, 0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13]
    assert sorted(DECISIONS) == plain + [c + CANCEL for c in plain]
    assert BUY + EXIT_SHORT == 9 and SELL + EXIT_LONG == 3


@pytest.mark.parametrize("seed", range(18))
def test_random_decisions_equal_both_references(seed):
    rng = np.random.default_rng(500 + seed)
    m1 = random_m1(5000, 500 + seed)
    m1 = M1Bars(time=m1.time, open=m1.open, high=m1.high, low=m1.low, close=m1.close,
                spread=rng.integers(0, 25, len(m1)).astype(float), tick_volume=m1.tick_volume, volume=m1.volume)
    swaps = {"swap_long": -6.5, "swap_short": 1.8} if seed % 2 else None
    md = MarketData(symbol_spec("EURUSD", swaps), m1, ["M5", "M15", "H1"][seed % 3])
    n = len(md.bars())
    codes = np.array([c for c in DECISIONS if c < CANCEL - 1], dtype=np.int8)  # pending orders: test_orders.py
    weights = np.where(codes == 0, 12.0, 1.0)
    signal = rng.choice(codes, n, p=weights / weights.sum()).astype(np.int8)
    account = AccountConfig(deposit=[100_000.0, 4_000.0][seed % 2], commission_per_lot=[0, 7, 3.5][seed % 3],
                            stop_fill="market" if seed % 4 == 1 else "order", opposite_entry=MODES[seed % 3])
    sl, tp = [(0, 0), (150, 300), (60, 0)][seed % 3]
    sl_bar = tp_bar = np.empty(0)
    if seed % 2:  # stops per entry, NaN where the rule leaves the genes' values
        sl_bar = np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 40, n) * 10.0)
        tp_bar = np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 40, n) * 10.0)
    data = prepare(md, account)
    got, deals = kernel(data, signal, sl, tp, sl_bar, tp_bar)
    batch, _ = kernel(data, signal, sl, tp, sl_bar, tp_bar, keep_deals=False)
    ref, ref_deals = python_reference(data, account, signal, sl, tp, sl_bar, tp_bar)
    assert deals == ref_deals
    assert_same(got, ref, "kernel")
    assert_same(batch, ref, "batch")
    if swaps is None:  # the compiled reference has no swaps
        assert_same(compiled_reference(data, signal, sl, tp, sl_bar, tp_bar), ref, "compiled reference")
    reasons = {d[3] for d in deals}
    assert "exit" in reasons and ref["total_trades"] >= 5


# --- hand-built scenarios: one M15 bar = 15 M1 bars, prices in points of EURUSD -------------------------------

def flat_bars(closes: list[float], spread: float = 10.0) -> MarketData:
    """M1 bars that each open and close at the given price (no range), from Monday 2022-01-03 00:00."""
    c = np.array(closes, dtype=float)
    t = np.datetime64("2022-01-03T00:00", "ns").astype(np.int64) + np.arange(len(c)) * 60_000_000_000
    m1 = M1Bars(time=t, open=c, high=c, low=c, close=c, spread=np.full(len(c), spread),
                tick_volume=np.ones(len(c)), volume=np.zeros(len(c)))
    return MarketData(symbol_spec("EURUSD"), m1, "M1")


def approx_deals(rows):  # noqa: ANN001, ANN201
    return [(*r[:4], pytest.approx(r[4], abs=1e-9)) for r in rows]


def run(md, signal, **account):  # noqa: ANN001, ANN003, ANN201
    acc = AccountConfig(**account)
    data = prepare(md, acc)
    got, deals = kernel(data, np.array(signal, dtype=np.int8), 0, 0, np.empty(0), np.empty(0))
    ref, ref_deals = python_reference(data, acc, np.array(signal, dtype=np.int8), 0, 0, np.empty(0), np.empty(0))
    assert deals == ref_deals
    assert_same(got, ref)
    return got, deals


def test_exit_to_flat_then_re_entry():
    prices = [1.1000, 1.1010, 1.1020, 1.1030, 1.1040, 1.1050, 1.1060]
    md = flat_bars(prices)
    got, deals = run(md, [BUY, 0, EXIT_LONG, 0, BUY, EXIT_LONG + SELL, 0])
    assert deals == approx_deals([(1, 1, "in", "signal", 1.1011), (3, -1, "out", "exit", 1.1030),
                                  (5, 1, "in", "signal", 1.1051), (6, -1, "out", "exit", 1.1060),
                                  (6, -1, "in", "signal", 1.1060),  # the exit, then the sell on the same tick
                                  (6, 1, "out", "end_of_test", 1.1061)])
    assert got["total_trades"] == 3 and got["profit"] == pytest.approx(190 + 90 - 10, abs=1e-6)


@pytest.mark.parametrize("mode, expected", [
    ("reverse", [(1, 1, "in", "signal", 1.1011), (3, -1, "out", "signal", 1.1030), (3, -1, "in", "signal", 1.1030)]),
    ("close", [(1, 1, "in", "signal", 1.1011), (3, -1, "out", "signal", 1.1030), (4, -1, "in", "signal", 1.1040)]),
    ("ignore", [(1, 1, "in", "signal", 1.1011)]),
])
def test_the_three_opposite_entry_modes(mode, expected):
    """The second sell: along the reversed short (nothing), an entry once flat (close), ignored again (ignore)."""
    md = flat_bars([1.1000, 1.1010, 1.1020, 1.1030, 1.1040])
    got, deals = run(md, [BUY, 0, SELL, SELL, 0], opposite_entry=mode)
    assert deals[:-1] == approx_deals(expected) and deals[-1][3] == "end_of_test"


def test_exits_against_no_position_or_the_other_side_do_nothing():
    md = flat_bars([1.1000, 1.1010, 1.1020, 1.1030])
    got, deals = run(md, [EXIT_LONG, SELL, EXIT_LONG, 0])
    assert deals == approx_deals([(2, -1, "in", "signal", 1.1020), (3, 1, "out", "end_of_test", 1.1031)])


def test_an_opposite_entry_mode_is_a_one_line_config_error(tmp_path):
    from rayga.errors import ConfigError

    with pytest.raises(ConfigError, match=r'^`opposite_entry` must be "reverse", "close" or "ignore" \(got '
                                          r"'flip'\); set it under \[account\] in "):
        AccountConfig(opposite_entry="flip")


RULE = """
import numpy as np
from numba import njit

from rayga.rules import BUY, EXIT_ALL, SELL, sma_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def cross_with_exits(open_, high, low, close, p):
    fast, slow = sma_nb(close, int(p[0])), sma_nb(close, int(p[1]))
    out = np.zeros(close.shape[0], np.int8)
    for k in range(1, close.shape[0]):
        if np.isnan(slow[k - 1]):
            continue
        if fast[k] > slow[k] and fast[k - 1] <= slow[k - 1]:
            out[k] = BUY
        elif fast[k] < slow[k] and fast[k - 1] >= slow[k - 1]:
            out[k] = SELL
        if k % int(p[4]) == 0:
            out[k] += EXIT_ALL  # to flat every `every` bars (then the bar's entry, if any)
    return out


class CrossWithExits(UserStrategy):
    name = "cross_with_exits"
    params = (Param("fast", "int", 10, 5, 1, 40), Param("slow", "int", 40, 10, 5, 200),
              Param("sl_points", "float", 0, 0, 100, 1000), Param("tp_points", "float", 0, 0, 100, 2000),
              Param("every", "int", 20, 5, 1, 60))
    signal = cross_with_exits
"""


@pytest.mark.shared
@pytest.mark.parametrize("mode", MODES)
def test_a_users_rule_with_exits_equals_the_reference_on_real_eurusd_in_any_batch_split(tmp_path, eurusd_dir, mode):
    from rayga.data.load import load_market_data
    from rayga.sim.engine import evaluate
    from rayga.strategies.registry import get_strategy

    (tmp_path / "rule.py").write_text(RULE)
    strategy = get_strategy(f"{tmp_path / 'rule.py'}:CrossWithExits")
    md = load_market_data(eurusd_dir, "EURUSD", "2022-01-01", "2023-01-01", "M15")
    data = prepare(md, AccountConfig(commission_per_lot=3.0, opposite_entry=mode))
    rng = np.random.default_rng(MODES.index(mode))
    n = 100
    fast = rng.integers(5, 30, n)
    genomes = np.column_stack([fast, fast + rng.integers(5, 100, n), rng.integers(0, 6, n) * 100.0,
                               rng.integers(0, 8, n) * 100.0, rng.integers(3, 60, n)]).astype(np.float64)
    table = evaluate(data, strategy, genomes)
    parts = [evaluate(data, strategy, genomes[i:i + 37]) for i in range(0, n, 37)]
    import pandas as pd

    pd.testing.assert_frame_equal(table, pd.concat(parts, ignore_index=True), check_exact=True)
    exits = 0
    for i, genome in enumerate(genomes):
        signal = strategy.signals(data, genome)
        ref = compiled_reference(data, signal, genome[2], genome[3], np.empty(0), np.empty(0))
        assert_same(table.iloc[i].to_dict(), ref, f"genome {i}")
        exits += int(np.count_nonzero(signal >= 3))
    assert exits > 1000 and table["total_trades"].min() > 10
