"""Pending entry orders (buy/sell stop and limit, expiry, one-cancels-other) in the fused kernel, the compiled
per-tick reference and the slow Python reference (deals and every metric): random decisions and orders on
random data, hand-built M1 scenarios, and a user's breakout rule on real EURUSD in batches."""

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
from rayga.sim.engine import flat_manage, pass_manage, run_signals, with_orders
from rayga.sim.enums import CANCEL, DEAL_DTYPE, DEAL_REASONS, DECISIONS, METRICS, N_METRICS
from rayga.sim.prepared import prepare
from tests.data.test_market import random_m1
from tests.sim.reference import simulate

NAN = np.nan


def kernel(data, signal, sl, tp, sl_bar, tp_bar, orders, keep_deals=True):  # noqa: ANN001, ANN201
    marked = with_orders(signal, orders)
    deals = np.zeros(2 * int(np.count_nonzero(marked)) + 4 if keep_deals else 0, DEAL_DTYPE)
    out = np.zeros(N_METRICS)
    simulate_nb(data.kernel_args(), marked, float(sl), float(tp), sl_bar, tp_bar, orders, data.acct,
                np.empty(S.N_STATE), deals, np.empty(0), out, *pass_manage(data))
    got = dict(zip(METRICS, out, strict=True))
    rows = [(int(d["m1_index"]), int(d["direction"]), "in" if d["entry"] else "out", DEAL_REASONS[d["reason"]],
             float(d["price"])) for d in deals[: int(got["total_deals"])]] if keep_deals else None
    return got, rows


def python_reference(data, account, signal, sl, tp, sl_bar, tp_bar, orders):  # noqa: ANN001, ANN201
    a = data.acct
    return simulate(
        data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start, data.m1_stop,
        signal, sl, tp, deposit=a[S.A_DEPOSIT], lots=a[S.A_LOTS], contract=a[S.A_CONTRACT],
        leverage=a[S.A_LEVERAGE], commission=a[S.A_COMM], stop_out_pct=a[S.A_STOP_OUT], point=a[S.A_POINT],
        bars_per_year=a[S.A_BARS_PER_YEAR], profit_div=a[S.A_PCONV] == 2, margin_mul=a[S.A_MCONV] == 1,
        fill=account.stop_fill, swap_units=data.swap_units, swap_long=a[S.A_SWAP_LONG], swap_short=a[S.A_SWAP_SHORT],
        opposite=account.opposite_entry, sl_bar=sl_bar if len(sl_bar) else None,
        tp_bar=tp_bar if len(tp_bar) else None, orders=orders)


def compiled_reference(data, signal, sl, tp, sl_bar, tp_bar, orders):  # noqa: ANN001, ANN201
    out = np.zeros(N_METRICS)
    reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                 data.m1_stop, with_orders(signal, orders), float(sl), float(tp), sl_bar, tp_bar, orders, data.acct,
                 out, *flat_manage(data))
    return {m: out[j] for j, m in enumerate(METRICS) if m != "complex_criterion"}


def assert_same(got, ref, what=""):  # noqa: ANN001
    for name, value in ref.items():
        if name != "complex_criterion":
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-7), (what, name)


def random_orders(rng, close, point, share):  # noqa: ANN001, ANN201
    """Orders at a `share` of the bars, each kind present at random, 0..40 points from the bar's close (some
    on the wrong side of the market: not placed), with an expiry of 1..12 bars or none."""
    n = len(close)
    at = rng.random(n) < share
    out = []
    for sign in (1, -1, -1, 1):  # buy stop above, buy limit below, sell stop below, sell limit above
        dist = rng.integers(-5, 40, n) * point
        out.append(np.where(at & (rng.random(n) < 0.6), close + sign * dist, NAN))
    out.append(np.where(rng.random(n) < 0.3, NAN, rng.integers(1, 13, n).astype(float)))
    # trailing levels (`Decisions.trail`) at a `share` of the bars, 5..60 points below or above the close: the
    # open position's stop moves there when that improves it and lies on the safe side of the price
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    out.append(np.where(rng.random(n) < share, close + side * rng.integers(5, 60, n) * point, NAN))
    return tuple(np.ascontiguousarray(a) for a in out)


@pytest.mark.parametrize("seed", range(16))
def test_random_decisions_and_pending_orders_equal_both_references(seed):
    rng = np.random.default_rng(900 + seed)
    m1 = random_m1(5000, 900 + seed)
    m1 = M1Bars(time=m1.time, open=m1.open, high=m1.high, low=m1.low, close=m1.close,
                spread=rng.integers(0, 25, len(m1)).astype(float), tick_volume=m1.tick_volume, volume=m1.volume)
    md = MarketData(symbol_spec("EURUSD"), m1, ["M5", "M15", "H1", "M1"][seed % 4])
    n = len(md.bars())
    codes = np.array(DECISIONS, dtype=np.int8)
    weights = np.where(codes == 0, 40.0, np.where(codes >= CANCEL - 1, 0.3, 1.0))
    signal = rng.choice(codes, n, p=weights / weights.sum()).astype(np.int8)
    account = AccountConfig(deposit=[100_000.0, 3_000.0][seed % 2], commission_per_lot=[0, 7, 3.5][seed % 3],
                            stop_fill="market" if seed % 4 == 1 else "order",
                            opposite_entry=("reverse", "close", "ignore")[seed % 3])
    sl, tp = [(0, 0), (150, 300), (60, 0)][seed % 3]
    sl_bar = tp_bar = np.empty(0)
    if seed % 2:  # stops per entry, NaN where the genes' values hold
        sl_bar = np.where(rng.random(n) < 0.3, NAN, rng.integers(0, 40, n) * 10.0)
        tp_bar = np.where(rng.random(n) < 0.3, NAN, rng.integers(0, 40, n) * 10.0)
    data = prepare(md, account)
    orders = random_orders(rng, data.tf_close, 1e-5, 0.15)
    got, deals = kernel(data, signal, sl, tp, sl_bar, tp_bar, orders)
    batch, _ = kernel(data, signal, sl, tp, sl_bar, tp_bar, orders, keep_deals=False)
    ref, ref_deals = python_reference(data, account, signal, sl, tp, sl_bar, tp_bar, orders)
    assert deals == ref_deals
    assert_same(got, ref, "kernel")
    assert_same(batch, ref, "batch")
    assert_same(compiled_reference(data, signal, sl, tp, sl_bar, tp_bar, orders), ref, "compiled reference")
    assert sum(d[3] == "order" for d in deals) >= 5, "orders fill"
    untrailed, _ = kernel(data, signal, sl, tp, sl_bar, tp_bar, (*orders[:5], np.full(len(signal), NAN)))
    assert untrailed != got, "the trailing levels move stops"


# --- hand-built scenarios: M1 bars (the timeframe), prices of EURUSD, spread 10 points = 0.0001 ----------------

def bars(rows: list[tuple[float, float, float, float]], spread: float = 10.0) -> MarketData:
    """M1 bars (open, high, low, close) from Monday 2022-01-03 00:00."""
    o, h, lo, c = (np.array(x, dtype=float) for x in zip(*rows, strict=True))
    t = np.datetime64("2022-01-03T00:00", "ns").astype(np.int64) + np.arange(len(o)) * 60_000_000_000
    m1 = M1Bars(time=t, open=o, high=h, low=lo, close=c, spread=np.full(len(o), spread),
                tick_volume=np.ones(len(o)), volume=np.zeros(len(o)))
    return MarketData(symbol_spec("EURUSD"), m1, "M1")


def flat(p: float) -> tuple[float, float, float, float]:
    return (p, p, p, p)


def run(md, signal=None, tp=0.0, **orders):  # noqa: ANN001, ANN003, ANN201
    """Kernel and both references on one scenario (orders given per kind as {bar: price}, expiry as
    {bar: bars}); returns the kernel's metrics and deals."""
    acc = AccountConfig()
    data = prepare(md, acc)
    n = len(data.tf_close)
    signal = np.zeros(n, np.int8) if signal is None else np.array(signal, dtype=np.int8)
    arrays = []
    for kind in ("buy_stop", "buy_limit", "sell_stop", "sell_limit", "expiry", "trail"):
        a = np.full(n, NAN)
        for k, v in orders.get(kind, {}).items():
            a[k] = v
        arrays.append(a)
    orders_t = tuple(arrays)
    got, deals = kernel(data, signal, 0, tp, np.empty(0), np.empty(0), orders_t)
    ref, ref_deals = python_reference(data, acc, signal, 0, tp, np.empty(0), np.empty(0), orders_t)
    assert deals == ref_deals
    assert_same(got, ref)
    assert_same(compiled_reference(data, signal, 0, tp, np.empty(0), np.empty(0), orders_t), ref)
    single = run_signals(data, signal, 0, tp, orders_t)  # the backtest path: the same deals
    assert [(int(r.m1_index), r.reason, pytest.approx(r.price)) for r in single.deals.itertuples()] == [
        (d[0], d[3], d[4]) for d in deals]
    return got, deals


def approx(rows):  # noqa: ANN001, ANN201
    return [(*r[:4], pytest.approx(r[4], abs=1e-9)) for r in rows]


def test_a_pending_buy_stop_triggers_on_the_ask_inside_a_bar():
    # bar 1: Bid rises to 1.1020 (Ask 1.1021): a buy stop at 1.10205 is reached by the Ask only
    md = bars([flat(1.1000), (1.1000, 1.1020, 1.0995, 1.1015), flat(1.1030)])
    got, deals = run(md, buy_stop={0: 1.10205})
    assert deals == approx([(1, 1, "in", "order", 1.10205), (2, -1, "out", "end_of_test", 1.1030)])
    assert got["profit"] == pytest.approx(95.0, abs=1e-6)
    _, none = run(md, sell_stop={0: 1.09945})  # the Bid's low 1.0995 stays above a sell stop at 1.09945
    assert none == []


def test_a_gap_through_a_pending_order_fills_at_the_order_price():
    md = bars([flat(1.1000), flat(1.1000), (1.1030, 1.1035, 1.1028, 1.1032), flat(1.1040)])
    got, deals = run(md, buy_stop={0: 1.1020})
    assert deals == approx([(2, 1, "in", "order", 1.1020), (3, -1, "out", "end_of_test", 1.1040)])
    assert got["profit"] == pytest.approx(200.0, abs=1e-6)


def test_a_limit_order_expires():
    # a buy limit at 1.0990 placed on bar 1; the Ask reaches it on bar 3 only
    md = bars([flat(1.1000), flat(1.1000), flat(1.0995), (1.0995, 1.0995, 1.0980, 1.0985), flat(1.0990)])
    _, expired = run(md, buy_limit={0: 1.0990}, expiry={0: 2})  # lives bars 1 and 2
    assert expired == []
    _, filled = run(md, buy_limit={0: 1.0990}, expiry={0: 3})  # lives bars 1..3: Ask 1.0981 <= 1.0990 on bar 3
    assert filled == approx([(3, 1, "in", "order", 1.0990), (4, -1, "out", "end_of_test", 1.0990)])


def test_one_cancels_other():
    # a buy stop and a sell stop placed together: the buy fills on bar 2, its take-profit closes it on bar 3,
    # and the sell stop the market then falls through on bar 4 was cancelled by the fill
    md = bars([flat(1.1000), flat(1.1000), (1.1000, 1.1022, 1.1000, 1.1021), (1.1021, 1.1030, 1.1020, 1.1029),
               (1.1029, 1.1029, 1.0970, 1.0975), flat(1.0975)])
    got, deals = run(md, tp=50, buy_stop={0: 1.1020}, sell_stop={0: 1.0980})
    assert deals == approx([(2, 1, "in", "order", 1.1020), (3, -1, "out", "tp", 1.1025)])
    assert got["total_trades"] == 1
    _, alone = run(md, sell_stop={0: 1.0980})  # without its partner the sell stop fills on bar 4
    assert alone[0][:4] == (4, -1, "in", "order")


def test_orders_wait_for_a_flat_account_and_cancel_and_wrong_sides_are_not_placed():
    md = bars([flat(1.1000), flat(1.1000), (1.1000, 1.1030, 1.1000, 1.1030), flat(1.1030), flat(1.1030)])
    # a buy stop below the Ask when placed is not placed (MT5 rejects it)
    _, none = run(md, buy_stop={0: 1.0990})
    assert none == []
    # CANCEL on bar 1's decision removes the buy stop placed on bar 1 before bar 2 reaches it
    _, cancelled = run(md, signal=[0, CANCEL, 0, 0, 0], buy_stop={0: 1.1020})
    assert cancelled == []
    # a market entry cancels the pending orders: the buy opened on bar 1, the sell limit never fills
    _, entered = run(md, signal=[0, 1, 0, 0, 0], sell_limit={0: 1.1020})
    assert [d[3] for d in entered] == ["signal", "end_of_test"]
    # orders decided while a position stays open are not placed
    _, held = run(md, signal=[1, 0, 0, 0, 0], sell_limit={1: 1.1020})
    assert [d[3] for d in held] == ["signal", "end_of_test"]


ORDER_RULE = """
import numpy as np
from numba import njit

from rayga.rules import CANCEL
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def straddle(bars, p, out):
    n = int(p.lookback)
    for k in range(n, bars.close.shape[0]):
        if bars.hour[k] == p.hour and bars.minute[k] == 0:
            hi = bars.high[k - n + 1:k + 1].max()
            lo = bars.low[k - n + 1:k + 1].min()
            out.buy_stop[k] = hi + p.offset * bars.point
            out.sell_stop[k] = lo - p.offset * bars.point
            out.expiry[k] = p.life
            out.sl[k] = p.offset + (hi - lo) / bars.point  # stops per order, from its price
        elif bars.hour[k] == 21 and bars.minute[k] == 0:
            out.signal[k] = CANCEL + 12  # cancel what is pending and go flat before the evening


class Straddle(UserStrategy):
    name = "straddle"
    params = (Param("hour", "int", 7, 5, 1, 10), Param("lookback", "int", 8, 4, 4, 16),
              Param("offset", "float", 20, 0, 10, 60), Param("life", "float", 12, 4, 4, 24),
              Param("tp_points", "float", 400, 0, 100, 1000))
    rule = straddle
"""


@pytest.mark.shared
def test_a_users_breakout_straddle_equals_the_reference_on_real_eurusd_in_any_batch_split(tmp_path, eurusd_dir):
    import pandas as pd

    from rayga.data.load import load_market_data
    from rayga.sim.engine import backtest, evaluate
    from rayga.strategies.registry import get_strategy

    (tmp_path / "straddle.py").write_text(ORDER_RULE)
    strategy = get_strategy(f"{tmp_path / 'straddle.py'}:Straddle")
    assert strategy.writes_orders() and strategy.writes_stops()
    md = load_market_data(eurusd_dir, "EURUSD", "2022-01-01", "2022-07-01", "M15")
    account = AccountConfig(commission_per_lot=3.0)
    data = prepare(md, account)
    rng = np.random.default_rng(5)
    n = 120
    genomes = np.column_stack([rng.integers(5, 11, n), rng.integers(4, 17, n), rng.integers(1, 7, n) * 10.0,
                               rng.integers(1, 7, n) * 4.0, rng.integers(0, 11, n) * 100.0]).astype(np.float64)
    table = evaluate(data, strategy, genomes)
    parts = [evaluate(data, strategy, genomes[i:i + 41]) for i in range(0, n, 41)]
    pd.testing.assert_frame_equal(table, pd.concat(parts, ignore_index=True), check_exact=True)
    fills = 0
    for i, genome in enumerate(genomes):
        dec = strategy.decisions(data, genome)
        orders = strategy.pass_orders(data, genome)
        sl_bar, tp_bar = strategy.pass_stops(data, genome)
        ref = compiled_reference(data, dec.signal, 0.0, 0.0, np.asarray(sl_bar), np.asarray(tp_bar), orders)
        assert_same(table.iloc[i].to_dict(), ref, f"genome {i}")
        if i < 3:
            deals = backtest(md, strategy, genome, account, data).deals
            fills += int((deals["reason"] == "order").sum())
            _, py_deals = python_reference(data, account, dec.signal, 0.0, 0.0, np.asarray(sl_bar),
                                           np.asarray(tp_bar), orders)
            assert [(int(r.m1_index), r.reason) for r in deals.itertuples()] == [(d[0], d[3]) for d in py_deals]
    assert fills >= 30 and (table["total_trades"] > 20).all()


def test_a_straddle_backtests_and_optimizes_from_the_cli_and_the_vectorbt_engine_refuses_it(tmp_path, capsys):
    import pandas as pd

    from rayga.cli import main

    (tmp_path / "straddle.py").write_text(ORDER_RULE)
    config = tmp_path / "c.toml"
    config.write_text('[data]\nsource = "synthetic"\nstart = 2022-01-03\nend = 2022-03-01\n'
                      '[strategy]\nname = "straddle.py:Straddle"\n[strategy.params]\nhour = {start = 5, step = 1, '
                      'stop = 9}\nlookback = {start = 4, step = 4, stop = 12}\n[optimization]\nmode = "complete"\n')
    assert main(["backtest", str(config), "--out", str(tmp_path / "bt")]) == 0
    deals = pd.read_csv(next((tmp_path / "bt").rglob("deals.csv")))
    assert (deals["reason"] == "order").sum() >= 10 and set(deals["reason"]) >= {"order", "exit"}
    assert main(["optimize", str(config), "--out", str(tmp_path / "opt"), "--workers", "1", "--quiet"]) == 0
    results = pd.read_parquet(next((tmp_path / "opt").rglob("results.parquet")))
    assert len(results) == 15 and (results["total_trades"] > 0).all()
    capsys.readouterr()
    assert main(["backtest", str(config), "--out", str(tmp_path / "vbt"), "--set",
                 'account.stop_mode="vectorbt"']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pending orders run under MT5's stop rules only" in err[0], err
    from rayga.data.load import load_market_data
    from rayga.errors import ConfigError
    from rayga.sim.engine import evaluate
    from rayga.strategies.registry import get_strategy

    strategy = get_strategy(f"{tmp_path / 'straddle.py'}:Straddle")
    data = prepare(load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-01-20", "M15"), AccountConfig())
    with pytest.raises(ConfigError, match="places pending orders, which the vectorbt engine does not model"):
        evaluate(data, strategy, strategy.genome({})[None, :], engine="vectorbt")


def test_the_range_breakout_example_backtests_from_the_cli_with_one_cancels_other(tmp_path, capsys):
    import json
    from pathlib import Path

    import pandas as pd

    from rayga.cli import main

    example = Path(__file__).resolve().parents[2] / "examples" / "range_breakout.toml"
    assert main(["backtest", str(example), "--out", str(tmp_path / "bt"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["total_trades"] > 40
    deals = pd.read_csv(tmp_path / "bt" / "deals.csv")
    ins = deals[deals["entry"] == "in"]
    assert set(ins["reason"]) == {"order"} and {"sl", "tp"} <= set(deals["reason"])
    days = pd.to_datetime(ins["time"]).dt.tz_convert("Etc/GMT-2").dt.date  # at most one fill a day: the OCO
    assert days.value_counts().max() == 1


CHANNEL_RULE = """
import numpy as np
from numba import njit

from rayga.rules import BUY, SELL, sma_nb
from rayga.strategies.base import Param
from rayga.strategies.user import UserStrategy


@njit(cache=True)
def channel_trail(bars, p, out):
    fast, slow = sma_nb(bars.close, int(p.fast)), sma_nb(bars.close, int(p.slow))
    n = int(p.channel)
    for k in range(max(n, 1), bars.close.shape[0]):
        if np.isnan(slow[k - 1]):
            continue
        if fast[k] > slow[k] and fast[k - 1] <= slow[k - 1]:
            out.signal[k] = BUY
        elif fast[k] < slow[k] and fast[k - 1] >= slow[k - 1]:
            out.signal[k] = SELL
        if n > 0:  # the stop follows the channel's far side: a long's at its low, a short's at its high
            out.trail[k] = bars.low[k - n + 1:k + 1].min() if fast[k] > slow[k] else bars.high[k - n + 1:k + 1].max()


class ChannelTrail(UserStrategy):
    name = "channel_trail"
    params = (Param("fast", "int", 10, 4, 2, 30), Param("slow", "int", 40, 20, 10, 120),
              Param("channel", "int", 8, 0, 2, 20), Param("sl_points", "float", 300, 0, 100, 900))
    rule = channel_trail
"""


def test_a_rules_trailing_level_through_the_batch_kernel_equals_the_reference_in_any_split(tmp_path):
    import pandas as pd

    from rayga.data.load import load_market_data
    from rayga.sim.engine import backtest, evaluate
    from rayga.strategies.registry import get_strategy

    (tmp_path / "channel.py").write_text(CHANNEL_RULE)
    strategy = get_strategy(f"{tmp_path / 'channel.py'}:ChannelTrail")
    assert strategy.writes_orders() and not strategy.writes_stops()
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-04-01", "M15")
    account = AccountConfig()
    data = prepare(md, account)
    rng = np.random.default_rng(9)
    n = 60
    genomes = np.column_stack([rng.integers(3, 15, n), rng.integers(20, 80, n), rng.integers(0, 21, n),
                               rng.choice([0.0, 200.0, 600.0], n)]).astype(np.float64)
    table = evaluate(data, strategy, genomes)
    parts = [evaluate(data, strategy, genomes[i:i + 23]) for i in range(0, n, 23)]
    pd.testing.assert_frame_equal(table, pd.concat(parts, ignore_index=True), check_exact=True)
    moved = 0
    for i, genome in enumerate(genomes):
        dec = strategy.decisions(data, genome)
        orders = strategy.pass_orders(data, genome)
        sl, tp = strategy.pass_stops(data, genome)
        ref = compiled_reference(data, dec.signal, sl, tp, np.empty(0), np.empty(0), orders)
        assert_same(table.iloc[i].to_dict(), ref, f"genome {i}")
        if i < 4:  # the single pass with deals, and the slow Python reference, deal by deal
            deals = backtest(md, strategy, genome, account, data).deals
            _, py_deals = python_reference(data, account, dec.signal, sl, tp, np.empty(0), np.empty(0), orders)
            assert [(int(r.m1_index), r.reason) for r in deals.itertuples()] == [(d[0], d[3]) for d in py_deals]
        if genome[2] > 0:
            still = compiled_reference(data, dec.signal, sl, tp, np.empty(0), np.empty(0),
                                       (*orders[:5], np.full(len(dec.signal), NAN)))
            moved += still != ref
    assert moved >= 0.9 * np.count_nonzero(genomes[:, 2])  # the channel changes nearly every pass it is on in
