"""A pass's equity curve (from the kernel) and its vectorbt Portfolio agree with the pass's own figures."""

from __future__ import annotations

import numpy as np
import pytest

from rayga.data.load import load_market_data
from rayga.reports.portfolio import deal_orders, pass_portfolio
from rayga.reports.run import equity_frame
from rayga.sim.account import AccountConfig
from rayga.sim.engine import backtest
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross


@pytest.fixture(scope="module")
def pass_():  # noqa: ANN201
    md = load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-04-01", "M15")
    account = AccountConfig(commission_per_lot=3.5, lots=2)
    data = prepare(md, account)
    strategy = MACross()
    result = backtest(md, strategy, strategy.genome({"fast": 10, "slow": 40, "sl_points": 250, "tp_points": 500}),
                      account, data)
    assert result.metrics["total_trades"] > 50
    return md, data, account, result


def test_equity_curve_ends_at_the_final_balance_and_never_dips_below_the_tick_drawdown(pass_):
    md, data, account, result = pass_
    m = result.metrics
    curve = equity_frame(data, result)
    assert len(curve) == len(data.m1_start) and curve.index.is_monotonic_increasing
    last = result.deals.iloc[-1]
    # the position still open at the end closes at the last tick; its exit commission is not in the equity before
    exit_cost = last["commission"] if last["reason"] == "end_of_test" else 0.0
    assert curve["equity"].iloc[-1] + exit_cost == pytest.approx(m["final_balance"], abs=0.01)
    assert curve["balance"].iloc[-1] == m["final_balance"]
    # bar closes are a subset of the ticks the drawdown metric tracks
    assert 0 < curve["drawdown"].max() <= m["equity_dd_max"] + 1e-6
    assert curve["equity"].min() >= account.deposit - m["equity_dd_abs"] - 1e-6


def test_reversals_become_one_net_order(pass_):
    _, data, _, result = pass_
    orders = deal_orders(data, result.deals, 100_000)
    d = result.deals
    same = ((d["m1_index"].diff() == 0) & (d["price"].diff() == 0)).sum()
    assert same > 0 and len(orders) == len(d) - same
    assert orders["size"].abs().max() == pytest.approx(2 * 2 * 100_000)  # close 2 lots + open 2 lots


def test_portfolio_replays_the_pass(pass_):
    md, data, account, result = pass_
    m = result.metrics
    pf = pass_portfolio(md, data, result, account)
    assert pf.trades.count() == m["total_trades"]
    trades = pf.trades.records_readable
    assert (trades["Direction"] == "Long").sum() == m["long_trades"]
    # MT5 books each deal's profit in cents: at most half a cent per closing deal apart
    assert pf.total_profit() == pytest.approx(m["profit"], abs=0.005 * m["total_trades"] + 1e-6)
    assert pf.orders.records_readable["Fees"].sum() == pytest.approx(3.5 * 2 * m["total_deals"])
    value = pf.value().to_numpy()
    extra = pf.init_cash - account.deposit
    assert value[-1] - extra == pytest.approx(m["final_balance"], abs=0.005 * m["total_trades"] + 1e-6)
    assert np.isfinite(pf.stats()["Sharpe Ratio"])
