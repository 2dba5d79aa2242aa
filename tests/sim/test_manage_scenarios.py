"""Hand-built MT5 scenarios of trade management, sizing and guards (`rayga.sim.manage`), on M1 bars that are
the timeframe bars (EURUSD, no spread unless given, 1 lot = 100,000 units: a point is $1 a lot), each outcome
worked out by hand in the test and checked against the per-tick reference too."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.data.bars import M1Bars
from rayga.data.market import MarketData
from rayga.data.symbols import symbol_spec
from rayga.sim._nb_reference import reference_nb
from rayga.sim.account import AccountConfig
from rayga.sim.engine import flat_manage, no_orders, run_signals, with_orders
from rayga.sim.enums import BUY, EXIT_LONG, METRICS, N_METRICS, SELL
from rayga.sim.manage import MANAGE_PARAMS, NAMES, kernel_inputs
from rayga.sim.prepared import prepare

DEFAULTS = {p.name: float(p.default) for p in MANAGE_PARAMS}


def bars(rows: list[tuple[float, float, float, float]], spread: float = 0.0, symbol: str = "EURUSD",
         start: str = "2022-01-03T00:00", minutes: list[int] | None = None) -> MarketData:
    """One M1 bar (open, high, low, close) per row, a minute apart from `start` (a Monday; server time UTC), or
    at those `minutes` after it."""
    o, h, lo, c = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    at = np.arange(len(o)) if minutes is None else np.array(minutes)
    t = np.datetime64(start, "ns").astype(np.int64) + at * 60_000_000_000
    m1 = M1Bars(time=t, open=o, high=h, low=lo, close=c, spread=np.full(len(o), spread),
                tick_volume=np.ones(len(o)), volume=np.zeros(len(o)))
    return MarketData(symbol_spec(symbol), m1, "M1")


def run(md: MarketData, signal: list[int], genes: dict, sl: float = 0.0, tp: float = 0.0, trail: dict | None = None,
        **account):  # noqa: ANN003
    """(metrics, deals as (bar, type, entry, reason, price, lots)) of one pass, equal to the per-tick reference;
    `trail`: the rule's trailing levels, {bar: price}."""
    acc = AccountConfig(**{"spread_points": 0.0, **account})
    data = prepare(md, acc)
    genome = np.array([[{**DEFAULTS, **genes}[n] for n in NAMES]])
    manage = kernel_inputs(data, NAMES, genome)
    sig = np.array(signal, dtype=np.int8)
    orders = None
    if trail is not None:
        levels = np.full(len(sig), np.nan)
        levels[list(trail)] = list(trail.values())
        orders = (*(np.full(len(sig), np.nan) for _ in range(5)), levels)
    res = run_signals(data, sig, sl, tp, orders, manage=manage)
    ref = np.zeros(N_METRICS)
    reference_nb(data.m1_open, data.m1_high, data.m1_low, data.m1_close, data.spread_price, data.m1_start,
                 data.m1_stop, sig if orders is None else with_orders(sig, orders), sl, tp, np.empty(0), np.empty(0),
                 no_orders() if orders is None else orders, data.acct, ref, *flat_manage(data, manage))
    for i, name in enumerate(METRICS):
        if name != "complex_criterion":
            assert res.metrics[name] == pytest.approx(ref[i], rel=1e-9, abs=1e-7), name
    deals = [(int(d.m1_index), d.type, d.entry, d.reason, round(d.price, 6), d.volume) for d in res.deals.itertuples()]
    return res.metrics, deals


# A long opened at 1.1000 on bar 1's first tick; bar 1 is a bull bar (ticks O, L, H, C), bar 2 a bear one
# (O, H, L, C) or a bull one with the same extremes.
BULL_1 = (1.1000, 1.1050, 1.0990, 1.1045)
BEAR_2 = (1.1045, 1.1060, 1.1000, 1.1010)
BULL_2 = (1.1045, 1.1060, 1.1000, 1.1055)
LAST = (1.1020, 1.1020, 1.1020, 1.1020)


def test_a_trailing_stop_moves_on_the_ticks_of_a_bull_then_a_bear_bar():
    # bar 1: O 1.1000 -> stop 1.0985 (150 behind); L 1.0990 holds; H 1.1050 -> 1.1035; C 1.1045 (1.1030: no move)
    # bar 2 (bear): O 1.1045; H 1.1060 -> 1.1045; L 1.1000 hits it: out at 1.1045, +450 points = $450
    m, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"trail_points": 150})
    assert deals == [(1, "buy", "in", "signal", 1.1, 1.0), (2, "sell", "out", "sl", 1.1045, 1.0)]
    assert m["trailed_trades"] == 1 and m["break_even_trades"] == 0 and m["sized_entries"] == 0


def test_on_a_bull_bar_the_low_comes_before_the_high_that_would_have_moved_the_stop():
    # bar 2 (bull): O 1.1045; L 1.1000 hits the stop of bar 1 (1.1035) before H 1.1060: out at 1.1035, $350
    m, deals = run(bars([LAST, BULL_1, BULL_2, LAST]), [BUY, 0, 0, 0], {"trail_points": 150})
    assert deals[-1] == (2, "sell", "out", "sl", 1.1035, 1.0) and m["profit"] == pytest.approx(350.0)


def test_a_short_trails_on_the_ask_mirror_image():
    # a short at 1.1000 (Bid; spread 0); bar 1 bear O H L C: O -> 1.1015; H 1.1010 holds; L 1.0950 -> 1.0965;
    # bar 2 bull O L H C: O 1.0955; L 1.0940 -> 1.0955; H 1.1000 hits it: out at 1.0955, +450 points
    rows = [LAST, (1.1000, 1.1010, 1.0950, 1.0955), (1.0955, 1.1000, 1.0940, 1.0990), LAST]
    m, deals = run(bars(rows), [SELL, 0, 0, 0], {"trail_points": 150})
    assert deals[-1] == (2, "buy", "out", "sl", 1.0955, 1.0) and m["profit"] == pytest.approx(450.0)


def test_trailing_waits_for_its_activation_and_its_step():
    # start at +400 points: bar 1's O (0) and L do not activate; H (+500) puts the stop at 1.1050 - 0.0015 = 1.1035.
    # Step 150: at bar 2's H (1.1060) the new stop 1.1045 improves by 100 points only: no move; L hits 1.1035
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0],
                   {"trail_points": 150, "trail_start": 400, "trail_step": 150})
    assert deals[-1] == (2, "sell", "out", "sl", 1.1035, 1.0)


def test_trailing_once_a_bar_acts_on_first_ticks_only():
    # bar 1's O: 1.0985; bar 2's O 1.1045: 1.1045 - 0.0015 = 1.1030; bar 2's L 1.1000 hits it: out at 1.1030
    # (the ticks inside the bars move nothing)
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"trail_points": 150, "manage_per_bar": 1})
    assert deals[-1] == (2, "sell", "out", "sl", 1.103, 1.0)


def test_trailing_in_multiples_of_the_entrys_stop_distance():
    # stop 100 points at entry (R = 0.0010): trail 0.15 R = 150 points, the same path as the first scenario
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"trail_r": 0.15}, sl=1000)
    assert deals[-1] == (2, "sell", "out", "sl", 1.1045, 1.0)


def test_break_even_moves_the_stop_once_with_its_lock():
    # +30 points reached by bar 1's H: the stop goes to the entry + 5 points (1.10005); bar 2 (bull) L hits it
    m, deals = run(bars([LAST, BULL_1, BULL_2, LAST]), [BUY, 0, 0, 0], {"be_points": 30, "be_lock": 5}, sl=200)
    assert deals[-1] == (2, "sell", "out", "sl", 1.10005, 1.0) and m["profit"] == pytest.approx(5.0)
    assert m["break_even_trades"] == 1 and m["trailed_trades"] == 0  # the break-even's move is not a trailing one


def test_max_bars_held_closes_on_the_first_tick_after_them():
    rows = [LAST, BULL_1, BULL_2, (1.1050, 1.1052, 1.1040, 1.1041), LAST]
    _, deals = run(bars(rows), [BUY, 0, 0, 0, 0], {"max_bars": 2})
    assert deals[-1] == (3, "sell", "out", "time", 1.105, 1.0)  # opened on bar 1, closed at bar 3's open
    _, deals = run(bars(rows), [BUY, 0, 0, 0, 0], {"max_bars": 2, "max_bars_losing": 1})
    assert deals[-1][3] == "end_of_test"  # in profit at bar 3 and after: kept


def test_the_daily_close_time_flattens_and_drops_entries():
    # close at 00:03: bar 3 (00:03) opens flat; the buy decided at bar 3 is dropped too
    rows = [LAST, BULL_1, BULL_2, LAST, LAST, LAST]
    m, deals = run(bars(rows), [BUY, 0, 0, BUY, 0, 0], {"close_hour": 0, "close_minute": 3})
    assert deals == [(1, "buy", "in", "signal", 1.1, 1.0), (3, "sell", "out", "exit", 1.102, 1.0)]


def test_take_profit_in_r():
    # stop 200 points, tp 2.5 R = 500 points: 1.1050, reached at bar 1's high
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"tp_r": 2.5}, sl=200)
    assert deals[-1] == (1, "sell", "out", "tp", 1.105, 1.0)


@pytest.mark.parametrize("risk, lots", [(1.0, 5.0), (0.37, 1.85), (0.3333, 1.66)])
def test_risk_sizing_over_the_stop_rounds_down_to_the_volume_step(risk, lots):
    # 200 points at $1 a point per lot: $200 a lot; 1 % of $100,000 = $1,000 -> 5 lots; 0.3333 % -> 1.6665 -> 1.66
    m, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"risk_pct": risk}, sl=200)
    assert deals[0][5] == pytest.approx(lots) and m["sized_entries"] == 1


def test_risk_sizing_of_usdjpy_on_a_usd_account_converts_at_the_entry_price():
    # 200 points of USDJPY = 0.200 JPY a unit = 20,000 JPY a lot = 181.82 USD at 110.000; 0.7 % of $100,000 = $700
    # -> 3.85 lots
    rows = [(110.0, 110.0, 110.0, 110.0)] * 2 + [(110.0, 110.1, 109.9, 110.05)] * 2
    _, deals = run(bars(rows, symbol="USDJPY"), [BUY, 0, 0, 0], {"risk_pct": 0.7}, sl=200)
    assert deals[0][5] == pytest.approx(3.85)


def test_a_risk_sized_entry_below_the_minimum_lot_is_skipped_and_counted():
    m, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"risk_pct": 0.001}, sl=200)  # 0.005 lots
    assert deals == [] and m["skipped_min_lot"] == 1


def test_lots_per_balance_and_a_fixed_base_balance():
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"lots_per_10k": 0.25})  # $100,000: 2.5
    assert deals[0][5] == pytest.approx(2.5)
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"lots_per_10k": 0.25, "base_balance": 10_000})
    assert deals[0][5] == pytest.approx(0.25)


def test_the_entry_guards_refuse_and_count():
    rows = [LAST] * 8
    m, deals = run(bars(rows, spread=20), [BUY, 0, 0, 0, 0, 0, 0, 0], {"max_spread": 15})
    assert deals == [] and m["skipped_spread"] == 1
    m, deals = run(bars(rows), [BUY, 0, 0, 0, 0, 0, 0, 0], {"window_start": 7, "window_end": 20})  # 00:01
    assert deals == [] and m["skipped_window"] == 1
    m, deals = run(bars(rows), [BUY, 0, 0, 0, 0, 0, 0, 0], {"window_start": 22, "window_end": 2})  # wraps midnight
    assert len(deals) == 2 and m["skipped_window"] == 0
    m, deals = run(bars(rows), [BUY, 0, 0, 0, 0, 0, 0, 0], {"trade_monday": 0})  # 2022-01-03 is a Monday
    assert deals == [] and m["skipped_window"] == 1
    # one entry a day: the reversal's sell is refused (the buy was the day's entry); the position closed
    m, deals = run(bars(rows), [BUY, 0, SELL, 0, 0, 0, 0, 0], {"max_day_trades": 1})
    assert [d[3] for d in deals] == ["signal", "signal"] and m["skipped_day_trades"] == 1
    # cooldown of 2 bars after the close at bar 3: the buys at bars 4 and 5 are refused, bar 6's opens
    m, deals = run(bars(rows), [BUY, 0, EXIT_LONG, BUY, BUY, BUY, 0, 0], {"cooldown_bars": 2})
    assert deals[2][:3] == (6, "buy", "in") and m["skipped_cooldown"] == 2


def flat(price: float) -> tuple[float, float, float, float]:
    return (price, price, price, price)


def test_a_losing_streak_pauses_entries_for_its_bars():
    # losses closed at bars 2 and 4 (-100 points, -$100 each); with 2 in a row, the buys of bars 5, 6, 7 (1, 2, 3 bars
    # after the last close: <= 3) are refused, bar 8's opens and the streak starts again
    rows = [flat(1.1020), flat(1.1020), flat(1.1010), flat(1.1020), flat(1.1010)] + [flat(1.1010)] * 6
    signal = [BUY, EXIT_LONG, BUY, EXIT_LONG, BUY, BUY, BUY, BUY, 0, 0, 0]
    m, deals = run(bars(rows), signal, {"pause_losses": 2, "pause_bars": 3})
    assert [d[:3] for d in deals[4:]] == [(8, "buy", "in"), (10, "sell", "out")]
    assert m["skipped_losing_streak"] == 3 and m["profit"] == pytest.approx(-200.0)
    m, deals = run(bars(rows), signal, {"pause_losses": 3, "pause_bars": 3})  # two losses only: no pause
    assert deals[4][:3] == (5, "buy", "in") and m["skipped_losing_streak"] == 0


# A day and the next one: bars at 00:00 - 00:03 of Monday, then 00:00 and 00:01 of Tuesday (server time)
TWO_DAYS = [0, 1, 2, 3, 1440, 1441]


def test_the_daily_loss_limit_flattens_and_blocks_entries_until_the_next_day():
    # $10,000: the day's floor is $9,900 (1 %). A long at 1.1000; bar 1 (bear: O H L C) reaches 1.0980 on its
    # low tick, equity $9,800 <= $9,900: closed there (-$200, reason guard); Monday's next two buys are refused,
    # Tuesday's opens (its floor: 99 % of $9,800)
    rows = [flat(1.1000), (1.1000, 1.1005, 1.0980, 1.0990), flat(1.0990), flat(1.0990), flat(1.0990), flat(1.0990)]
    m, deals = run(bars(rows, minutes=TWO_DAYS), [BUY, BUY, BUY, BUY, 0, 0], {"day_loss_pct": 1.0}, deposit=10_000)
    assert deals == [(1, "buy", "in", "signal", 1.1, 1.0), (1, "sell", "out", "guard", 1.098, 1.0),
                     (4, "buy", "in", "signal", 1.099, 1.0), (5, "sell", "out", "end_of_test", 1.099, 1.0)]
    assert m["skipped_daily_limit"] == 2 and m["profit"] == pytest.approx(-200.0)
    m, deals = run(bars(rows, minutes=TWO_DAYS), [BUY, BUY, BUY, BUY, 0, 0], {"day_loss_pct": 2.5}, deposit=10_000)
    assert [d[3] for d in deals] == ["signal", "end_of_test"] and m["skipped_daily_limit"] == 0  # -$200 > -$250


def test_the_daily_profit_lock_takes_the_profit_and_blocks_the_day():
    # the day's ceiling is $10,100 (1 %): bar 1 (bull: O L H C) reaches it on its high tick, 1.1015 (+$150)
    rows = [flat(1.1000), (1.1000, 1.1015, 1.0995, 1.1010), flat(1.1010), flat(1.1010), flat(1.1010), flat(1.1010)]
    m, deals = run(bars(rows, minutes=TWO_DAYS), [BUY, BUY, BUY, BUY, 0, 0], {"day_profit_pct": 1.0}, deposit=10_000)
    assert deals[:2] == [(1, "buy", "in", "signal", 1.1, 1.0), (1, "sell", "out", "guard", 1.1015, 1.0)]
    assert deals[2][:3] == (4, "buy", "in") and m["skipped_daily_limit"] == 2 and m["profit"] == pytest.approx(150.0)


def test_the_kill_switch_follows_the_equity_peak_and_ends_trading():
    # +$300 (peak $10,300), then a long at 1.1030 whose bar (bear: O H L C) first makes a new peak at its high
    # 1.1035 ($10,350: the floor 2 % below it is $10,143), then falls to 1.1000 ($10,000): closed there by the
    # kill switch; no entry after it, not even the next day
    rows = [flat(1.1000), (1.1000, 1.1030, 1.1000, 1.1030), flat(1.1030), (1.1030, 1.1035, 1.1000, 1.1005),
            flat(1.1005), flat(1.1005), flat(1.1005)]
    minutes = [0, 1, 2, 3, 4, 1440, 1441]
    m, deals = run(bars(rows, minutes=minutes), [BUY, EXIT_LONG, BUY, BUY, BUY, BUY, 0], {"kill_dd_pct": 2.0},
                   deposit=10_000)
    assert deals[2:] == [(3, "buy", "in", "signal", 1.103, 1.0), (3, "sell", "out", "guard", 1.1, 1.0)]
    assert m["skipped_kill_switch"] == 3 and m["profit"] == pytest.approx(0.0)
    m, deals = run(bars(rows, minutes=minutes), [BUY, EXIT_LONG, BUY, BUY, BUY, BUY, 0], {"kill_dd_pct": 4.0},
                   deposit=10_000)  # its floor $9,936: the long lives to the end of the test
    assert deals[-1][3] == "end_of_test" and m["skipped_kill_switch"] == 0


def test_fixed_lots_and_the_switches_of_the_window_and_the_trailing_stop():
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"lots": 0.3})
    assert [d[5] for d in deals] == [0.3, 0.3]
    rows = [LAST] * 8  # 00:00 .. 00:07: outside 07-20, unless the window is switched off (an EA's UseSessionFilter)
    m, deals = run(bars(rows), [BUY, 0, 0, 0, 0, 0, 0, 0], {"window_start": 7, "window_end": 20, "use_window": 0})
    assert len(deals) == 2 and m["skipped_window"] == 0
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"trail_points": 150, "use_trailing": 0})
    assert deals[-1][3] == "end_of_test"  # the trailing stop of the first scenario, switched off


def test_trailing_to_the_rules_level_moves_the_stop_on_the_next_bars_first_tick():
    # a long at 1.1000 (bar 1's open) with a 100-point stop (1.0990); bar 1's rule sets the level 1.1005: on bar
    # 2's first tick
    # (Bid 1.1012) the stop moves there; bar 2 (bear: O H L C) falls to 1.1004: out at 1.1005, +50 points
    rows = [flat(1.1000), (1.1000, 1.1010, 1.1000, 1.1010), (1.1012, 1.1015, 1.1004, 1.1008), flat(1.1008)]
    m, deals = run(bars(rows), [BUY, 0, 0, 0], {}, sl=100, trail={1: 1.1005})
    assert deals == [(1, "buy", "in", "signal", 1.1, 1.0), (2, "sell", "out", "sl", 1.1005, 1.0)]
    assert m["profit"] == pytest.approx(50.0)
    # a level above Bid (MT5 refuses a long's stop there) or below the stop does not move it
    for level in (1.1020, 1.0980):
        _, deals = run(bars(rows), [BUY, 0, 0, 0], {}, sl=100, trail={1: level})
        assert deals[-1][3] == "end_of_test"
    # with the trailing genes too, each moves the stop only towards profit: 30 points behind bar 1's high is
    # 1.1007, above the level (no move), then bar 2's open and high take it to 1.1012, where its low exits
    _, deals = run(bars(rows), [BUY, 0, 0, 0], {"trail_points": 30}, sl=100, trail={1: 1.1005})
    assert deals[-1] == (2, "sell", "out", "sl", 1.1012, 1.0)


def test_trailing_in_atrs_of_the_bar_before_the_entry():
    # ATR(1) of bar 1 = its true range, 1.1030 - 1.1015 = 150 points; the long opened on bar 2 (1.1000) trails 1
    # ATR = 150 points behind: the path of the first scenario, a bar later (out at 1.1045 on bar 3)
    rows = [LAST, (1.1020, 1.1030, 1.1015, 1.1020), BULL_1, BEAR_2, LAST]
    m, deals = run(bars(rows), [0, BUY, 0, 0, 0], {"trail_atr": 1.0, "atr_period": 1})
    assert deals == [(2, "buy", "in", "signal", 1.1, 1.0), (3, "sell", "out", "sl", 1.1045, 1.0)]
    _, deals = run(bars(rows), [0, BUY, 0, 0, 0], {"trail_atr": 2.0, "atr_period": 1})  # 300 behind: 1.1030 ..
    assert deals[-1] == (3, "sell", "out", "sl", 1.103, 1.0)  # .. moved at bar 3's high 1.1060, hit by its low


def test_sizing_by_a_share_of_the_free_margin():
    # 10 % of $100,000 free = $10,000 of margin; a lot of EURUSD at 1.1000 and 1:100 needs $1,100: 9.0909 -> 9.09
    _, deals = run(bars([LAST, BULL_1, BEAR_2, LAST]), [BUY, 0, 0, 0], {"margin_pct": 10})
    assert deals[0][5] == pytest.approx(9.09)


def test_the_close_time_on_fridays_only():
    # 2022-01-07 is a Friday: from 21:00 the account is flat; on Monday 2022-01-10 the same hour changes nothing
    rows = [LAST, BULL_1, BULL_2, LAST, LAST]
    genes = {"close_hour": 21, "close_friday": 1}
    _, deals = run(bars(rows, start="2022-01-07T20:58"), [BUY, 0, 0, 0, 0], genes)
    assert deals[-1] == (2, "sell", "out", "exit", 1.1045, 1.0)  # bar 2 opens at 21:00
    _, deals = run(bars(rows, start="2022-01-10T20:58"), [BUY, 0, 0, 0, 0], genes)
    assert deals[-1][3] == "end_of_test"


def test_a_cooldown_after_losing_trades_only():
    # a win closed at bar 2, a loss at bar 4: with cooldown_loss_only the buy right after the win opens, the one
    # right after the loss (1 bar later: within the 2-bar cooldown) is refused
    rows = [flat(1.1000), flat(1.1000), flat(1.1010), flat(1.1010), flat(1.1000), flat(1.1000), flat(1.1000)]
    signal = [BUY, EXIT_LONG, BUY, EXIT_LONG, BUY, 0, 0]
    m, deals = run(bars(rows), signal, {"cooldown_bars": 2, "cooldown_loss_only": 1})
    assert [d[:3] for d in deals] == [(1, "buy", "in"), (2, "sell", "out"), (3, "buy", "in"), (4, "sell", "out")]
    assert m["skipped_cooldown"] == 1
    m, deals = run(bars(rows), signal, {"cooldown_bars": 2})  # after any close: the buy after the win is refused,
    assert [d[:3] for d in deals][2] == (5, "buy", "in") and m["skipped_cooldown"] == 1  # bar 5's (3 bars on) opens
