"""Hand-built M1 scenarios with hand-computed MT5 outcomes, one rule each (EURUSD: 1 point = 1 USD per lot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rayga.data.bars import M1Bars
from rayga.data.market import MarketData
from rayga.data.symbols import symbol_spec
from rayga.sim.account import AccountConfig
from rayga.sim.engine import run_signals
from rayga.sim.prepared import prepare

T0 = pd.Timestamp("2024-01-09 10:00", tz="UTC")  # a Tuesday


def market(bars, symbol="EURUSD", timeframe="M1", start=T0, step="1min", server_tz="UTC"):
    """bars: (open, high, low, close[, spread points]) per bar."""
    rows = [tuple(b) + (0.0,) * (5 - len(b)) for b in bars]
    o, h, lo, c, spread = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    time = pd.date_range(start, periods=len(rows), freq=step).as_unit("ns").asi8
    z = np.zeros(len(rows))
    m1 = M1Bars(time=time, open=o, high=h, low=lo, close=c, spread=spread, tick_volume=z, volume=z)
    return MarketData(symbol_spec(symbol, {"spread_points": 0.0}), m1, timeframe, server_tz)


def run(bars, signals, sl=0, tp=0, **account):
    md = market(bars, **{k: account.pop(k) for k in ("symbol", "timeframe", "start", "step", "server_tz") if k in account})
    sig = np.zeros(len(md.bars()), dtype=np.int8)
    for k, v in signals.items():
        sig[k] = v
    return run_signals(prepare(md, AccountConfig(**account)), sig, sl, tp)


FLAT = (1.10000, 1.10020, 1.09980, 1.10010)  # a quiet bull bar
BUY_AT_1 = {0: 1}  # decided at bar 0's close, bought at bar 1's open (1.10000)


@pytest.mark.parametrize("bar2, outcome", [
    ((1.10000, 1.10150, 1.09850, 1.10010), "sl"),  # bull: O, L, H, C -> the stop first
    ((1.10000, 1.10150, 1.09850, 1.09990), "tp"),  # bear: O, H, L, C -> the take-profit first
    ((1.10000, 1.10150, 1.09850, 1.10000), "tp"),  # doji after a bull bar counts as bear
])
def test_tick_order_decides_sl_or_tp_in_one_bar(bar2, outcome):
    r = run([FLAT, FLAT, bar2, FLAT], BUY_AT_1, sl=100, tp=100)
    out = r.deals[r.deals.entry == "out"].iloc[0]
    assert out.reason == outcome
    assert out.price == pytest.approx(1.09900 if outcome == "sl" else 1.10100)
    assert r.metrics["profit"] == pytest.approx(-100.0 if outcome == "sl" else 100.0)


def test_doji_without_a_previous_direction_is_bull():
    doji = (1.10000, 1.10010, 1.09990, 1.10000)
    r = run([doji, doji, (1.10000, 1.10150, 1.09850, 1.10000), doji], BUY_AT_1, sl=100, tp=100)
    assert r.deals.reason.tolist()[1] == "sl"


@pytest.mark.parametrize("fill, price", [("order", 1.09900), ("market", 1.09800)])
def test_gap_through_the_stop(fill, price):
    gap = (1.09800, 1.09850, 1.09750, 1.09820)
    r = run([FLAT, FLAT, gap, FLAT], BUY_AT_1, sl=100, stop_fill=fill)
    out = r.deals.iloc[1]
    assert out.reason == "sl" and out.price == pytest.approx(price)
    assert r.metrics["profit"] == pytest.approx((price - 1.10000) * 100_000)


def test_hundred_lots_rejected_for_margin_above_parity_accepted_below():
    r = run([FLAT] * 4, BUY_AT_1, lots=100)  # margin 100 x 100,000 / 100 EUR = 110,000 USD at 1.10
    assert r.metrics["no_money"] == 1 and r.metrics["total_trades"] == 0 and r.metrics["profit"] == 0
    below = (0.99000, 0.99020, 0.98980, 0.99010)
    r = run([below] * 4, BUY_AT_1, lots=100)  # 99,000 USD at 0.99: affordable
    assert r.metrics["no_money"] == 0 and r.metrics["total_trades"] == 1


def test_stop_out_at_margin_level():
    crash = (1.10000, 1.10000, 1.08500, 1.08600)  # bear: O, H, L -> at L equity 2,000 - 1,500 = 500
    r = run([FLAT, FLAT, crash, FLAT], BUY_AT_1, deposit=2_000, stop_out_pct=50)  # margin 1,100 -> 550
    out = r.deals.iloc[1]
    assert out.reason == "stop_out" and out.price == pytest.approx(1.08500)
    assert r.metrics["stop_outs"] == 1 and r.metrics["final_balance"] == pytest.approx(500.0)


def test_commission_on_both_deals_and_gross_loss():
    up = (1.10000, 1.10120, 1.09990, 1.10100)
    r = run([FLAT, FLAT, up, FLAT, FLAT], {0: 1, 2: -1}, commission_per_lot=7.0, lots=2)
    # buy 2 lots at 1.10000; reverse at bar 3's open 1.10000 (0 profit); the short is closed at the
    # end at 1.10010 (-20). Deal results: -14, 0 - 14, -14, -20 - 14.
    assert r.deals.commission.tolist() == [-14.0] * 4
    m = r.metrics
    assert m["gross_loss"] == pytest.approx(-76.0) and m["gross_profit"] == 0.0
    assert m["profit"] == pytest.approx(-76.0) and m["profit_factor"] == 0.0
    assert m["total_deals"] == 4 and m["total_trades"] == 2 and m["wins"] == 0


def test_usdjpy_profit_converted_at_the_exit_price():
    b = [(110.000, 110.020, 109.980, 110.010), (110.000, 110.020, 109.980, 110.010),
         (110.100, 110.120, 110.080, 110.110)]
    r = run(b, {0: 1}, symbol="USDJPY")  # bought 110.000, closed at the end at 110.110
    assert r.deals.price.tolist() == [110.000, 110.110]
    assert r.metrics["profit"] == pytest.approx(round(0.110 * 100_000 / 110.110, 2))


def test_spread_on_entry_and_exit():
    s20 = lambda b: (*b, 20)  # noqa: E731
    bars = [s20(FLAT)] * 5
    r = run(bars, {0: 1, 2: -1})
    prices = r.deals.price.tolist()
    # buy at Ask 1.10020; reverse at bar 3: sell at Bid 1.10000 twice; end: buy back at Ask 1.10030
    assert prices == pytest.approx([1.10020, 1.10000, 1.10000, 1.10030])
    assert r.metrics["profit"] == pytest.approx(-20.0 - 30.0)


def test_open_position_closed_at_the_last_tick():
    r = run([FLAT, FLAT, FLAT], {0: -1})
    last = r.deals.iloc[-1]
    assert last.reason == "end_of_test" and last.type == "buy" and last.price == pytest.approx(1.10010)


def test_triple_swap_on_wednesday_night():
    # H1 bars from Tuesday 20:00 to Friday 02:00 UTC: nights ending Tue (1), Wed (3), Thu (1) = 5 days
    bars = [FLAT] * (24 * 2 + 8)
    md_kwargs = dict(timeframe="H1", start=pd.Timestamp("2024-01-09 20:00", tz="UTC"), step="1h")
    md = market(bars, **md_kwargs)
    spec = symbol_spec("EURUSD", {"spread_points": 0.0, "swap_long": -5.0})
    md = MarketData(spec, md.m1, "H1")
    sig = np.zeros(len(md.bars()), dtype=np.int8)
    sig[0] = 1
    r = run_signals(prepare(md, AccountConfig()), sig)
    assert r.deals.swap.iloc[-1] == pytest.approx(-5 * 5.0)  # 5 days x -5 points x 1 USD


@pytest.mark.parametrize("modelling, outcome", [("m1_ohlc", "tp"), ("open_prices", "sl")])
def test_open_prices_modelling_uses_the_timeframe_bar_ticks(modelling, outcome):
    # M5 bar 1: its first M1 bar reaches the take-profit, a later one the stop; the M5 bar itself is bull,
    # so "open prices only" (O, L, H, C of the M5 bar) meets the stop first, "1 minute OHLC" the take-profit.
    bar1 = [(1.10000, 1.10150, 1.09990, 1.10100), (1.10100, 1.10100, 1.09850, 1.09900),
            (1.09900, 1.10050, 1.09900, 1.10050), (1.10050, 1.10060, 1.10040, 1.10050),
            (1.10050, 1.10060, 1.10040, 1.10050)]
    md = market([FLAT] * 5 + bar1 + [FLAT] * 5, timeframe="M5")
    sig = np.zeros(len(md.bars()), dtype=np.int8)
    sig[0] = 1
    r = run_signals(prepare(md, AccountConfig(), modelling), sig, 100, 100)
    assert r.deals.reason.iloc[1] == outcome
