"""The fused kernel (bar loop that descends to ticks only when needed) equals the per-tick reference."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.data.bars import M1Bars
from rayga.data.market import MarketData
from rayga.data.symbols import symbol_spec
from rayga.sim import _nb_state as S
from rayga.sim._nb_loop import simulate_nb
from rayga.sim._nb_prep import low_first_nb
from rayga.sim.account import AccountConfig
from rayga.sim.engine import flat_manage, no_orders, pass_manage
from rayga.sim.enums import DEAL_DTYPE, DEAL_REASONS, METRICS, N_METRICS
from rayga.sim.prepared import prepare
from tests.data.test_market import random_m1
from tests.sim.reference import simulate, tick_prices


def run_both(md, account, signal, sl, tp):
    data = prepare(md, account)
    deals = np.zeros(2 * int(np.count_nonzero(signal)) + 4, DEAL_DTYPE)
    out = np.zeros(N_METRICS)
    simulate_nb(data.kernel_args(), signal, float(sl), float(tp), np.empty(0), np.empty(0), no_orders(), data.acct,
                np.empty(S.N_STATE), deals, np.empty(0), out, *pass_manage(data))
    batch = np.zeros(N_METRICS)  # as batches run it: no deals kept (a bar's stop exit may skip its ticks)
    simulate_nb(data.kernel_args(), signal, float(sl), float(tp), np.empty(0), np.empty(0), no_orders(), data.acct,
                np.empty(S.N_STATE), np.empty(0, DEAL_DTYPE), np.empty(0), batch, *pass_manage(data))
    a = data.acct
    ref, ref_deals = simulate(
        data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start, data.m1_stop,
        signal, sl, tp, deposit=a[S.A_DEPOSIT], lots=a[S.A_LOTS], contract=a[S.A_CONTRACT],
        leverage=a[S.A_LEVERAGE], commission=a[S.A_COMM], stop_out_pct=a[S.A_STOP_OUT], point=a[S.A_POINT],
        bars_per_year=a[S.A_BARS_PER_YEAR], profit_div=a[S.A_PCONV] == 2, margin_mul=a[S.A_MCONV] == 1,
        fill=account.stop_fill, swap_units=data.swap_units, swap_long=a[S.A_SWAP_LONG], swap_short=a[S.A_SWAP_SHORT])
    got = dict(zip(METRICS, out, strict=True))
    assert_same(dict(zip(METRICS, batch, strict=True)), ref)
    fast_deals = [(int(d["m1_index"]), int(d["direction"]), "in" if d["entry"] else "out",
                   DEAL_REASONS[d["reason"]], float(d["price"])) for d in deals[: int(got["total_deals"])]]
    return got, ref, fast_deals, ref_deals


def assert_same(got, ref):
    for name, value in ref.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-7), name


def test_tick_order_rule():
    o = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 3.0])
    # doji with no prior = bull, bull, doji after bull = bear, bear, bear, doji after bear = bull
    c = np.array([1.0, 2.0, 2.0, 1.0, 1.0, 3.0])
    assert list(low_first_nb(o, c)) == [True, True, False, False, False, True]
    last = 0
    for i in range(len(o)):
        ticks, last = tick_prices(o[i], 5.0, 0.5, c[i], last)
        assert (ticks[1] == 0.5) == low_first_nb(o, c)[i]


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("RAYGA_REF_SEEDS", "12"))))
def test_random_passes_equal_reference(seed):
    rng = np.random.default_rng(seed)
    m1 = random_m1(6000, seed)
    spread = rng.integers(0, 30, len(m1)).astype(float)
    m1 = M1Bars(time=m1.time, open=m1.open, high=m1.high, low=m1.low, close=m1.close, spread=spread,
                tick_volume=m1.tick_volume, volume=m1.volume)
    swaps = {"swap_long": -6.5, "swap_short": 1.8} if seed % 2 else {}
    symbol = symbol_spec("USDJPY", swaps or None) if seed % 4 == 3 else symbol_spec("EURUSD", swaps or None)
    if symbol.name == "USDJPY":
        scale = 110.0
        m1 = M1Bars(time=m1.time, open=m1.open * scale, high=m1.high * scale, low=m1.low * scale,
                    close=m1.close * scale, spread=spread, tick_volume=m1.tick_volume, volume=m1.volume)
    md = MarketData(symbol, m1, ["M5", "M15", "H1"][seed % 3])
    n_bars = len(md.bars())
    signal = rng.choice(np.array([-1, 0, 0, 0, 0, 0, 0, 1], dtype=np.int8), n_bars)
    deposit = [100_000.0, 3_000.0, 2_400.0][seed % 3]  # small deposits reach stop-out and no-money
    account = AccountConfig(deposit=deposit, lots=[1.0, 0.5, 2.0][seed % 3], commission_per_lot=[0, 7, 3.5][seed % 3],
                            stop_fill="market" if seed % 2 else "order")
    sl, tp = [(0, 0), (150, 300), (50, 0), (0, 80)][seed % 4]
    got, ref, fast_deals, ref_deals = run_both(md, account, signal, sl, tp)
    assert ref["total_trades"] + ref["no_money"] >= 2
    assert fast_deals == ref_deals
    assert_same(got, ref)
    if seed % 3 == 2:
        assert ref["stop_outs"] + ref["no_money"] > 0, "small-account cases must exercise margin rules"


@pytest.mark.shared
def test_real_quarter_equals_reference(eurusd_dir):
    from rayga.data.load import load_market_data
    from rayga.strategies.ma_cross import MACross

    md = load_market_data(eurusd_dir, "EURUSD", "2022-01-01", "2022-04-01", "M15")
    s = MACross()
    rng = np.random.default_rng(7)
    data = prepare(md, AccountConfig())
    for _ in range(3):
        fast = int(rng.integers(3, 20))
        genome = s.genome({"fast": fast, "slow": fast + int(rng.integers(2, 60)),
                           "sl_points": float(rng.integers(0, 4) * 100), "tp_points": float(rng.integers(0, 4) * 150)})
        signal = s.signals(data, genome)
        got, ref, fast_deals, ref_deals = run_both(md, AccountConfig(commission_per_lot=3.0), signal, genome[2], genome[3])
        assert fast_deals == ref_deals
        assert_same(got, ref)


@pytest.mark.parametrize("seed", range(20))
def test_compiled_per_tick_reference_equals_python_reference(seed):
    """The compiled per-tick simulator used by `rayga bench` follows the same rules as the slow one."""
    from rayga.sim._nb_reference import reference_nb

    rng = np.random.default_rng(100 + seed)
    m1 = random_m1(4000, 100 + seed)
    m1 = M1Bars(time=m1.time, open=m1.open, high=m1.high, low=m1.low, close=m1.close,
                spread=rng.integers(0, 30, len(m1)).astype(float), tick_volume=m1.tick_volume, volume=m1.volume)
    md = MarketData(symbol_spec("EURUSD"), m1, ["M5", "M15", "H1"][seed % 3])
    signal = rng.choice(np.array([-1, 0, 0, 0, 0, 0, 1], dtype=np.int8), len(md.bars()))
    account = AccountConfig(deposit=[100_000.0, 3_000.0][seed % 2], commission_per_lot=[0, 7][seed % 2],
                            stop_fill="market" if seed % 3 == 1 else "order")
    sl, tp = [(0, 0), (150, 300), (50, 0), (0, 80)][seed % 4]
    data = prepare(md, account)
    out = np.zeros(N_METRICS)
    reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                 data.m1_stop, signal, float(sl), float(tp), np.empty(0), np.empty(0), no_orders(), data.acct,
                 out, *flat_manage(data))
    _, ref, _, _ = run_both(md, account, signal, sl, tp)
    assert_same(dict(zip(METRICS, out, strict=True)), ref)


@pytest.mark.shared
def test_batches_equal_the_per_tick_reference_on_real_data(eurusd_dir):
    """Batches keep no deals, so a bar whose only event is one stop level may be settled without its
    ticks; hundreds of real passes with take-profits near the price (exits in bars that also make a new
    low, or rise past the equity peak first) must still equal the per-tick reference."""
    from rayga.bench import random_genomes
    from rayga.data.load import load_market_data
    from rayga.sim._nb_reference import reference_nb
    from rayga.sim.engine import evaluate
    from rayga.strategies.ma_cross import MACross

    md = load_market_data(eurusd_dir, "EURUSD", "2021-01-01", "2023-10-15", "M15")
    data = prepare(md, AccountConfig(commission_per_lot=3.0))
    strategy = MACross()
    genomes = random_genomes(300, 11)
    genomes[:, 3] = np.random.default_rng(3).integers(1, 8, len(genomes)) * 50.0
    table = evaluate(data, strategy, genomes)
    out = np.zeros(N_METRICS)
    for i, genome in enumerate(genomes):
        reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                     data.m1_stop, strategy.signals(data, genome), genome[2], genome[3], np.empty(0), np.empty(0),
                     no_orders(), data.acct, out, *flat_manage(data))
        ref = {name: out[j] for j, name in enumerate(METRICS) if name != "complex_criterion"}
        assert_same(table.iloc[i].to_dict(), ref)
