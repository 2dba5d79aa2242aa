"""Any pass as a `vectorbt.Portfolio`, for vectorbt's `stats()`, trade records and plots.

The portfolio replays the pass's deals exactly as rayga booked them: its index is every timeframe
bar's close plus one row per deal time (deals inside one M1 bar keep their tick order a nanosecond
apart); each deal is an order at its own price (Ask for buys, Bid for sells) with its commission and
swap as fixed fees; bars are valued at their Bid close. vectorbt has no leverage or margin, so the
portfolio's cash is the deposit plus the notional of the largest position held: profit, trades, win
rate and the P&L curve equal the pass's (profit to the cent per deal: MT5 books deal profit in
cents), while vectorbt's returns are on that larger capital. Amounts are in the symbol's profit
currency (the account currency for EURUSD on a USD account).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from rayga.data.market import TIMEFRAMES, MarketData
from rayga.errors import RaygaWarning
from rayga.sim.account import AccountConfig
from rayga.sim.engine import BacktestResult
from rayga.sim.prepared import SimData

_M1_CLOSE_NS = 59 * 10**9  # a timeframe bar's close row: 59 s into its last M1 bar, after any deal in it


def deal_orders(data: SimData, deals: pd.DataFrame, contract: float) -> pd.DataFrame:
    """One order per deal time: deals at the same tick and price (a reversal) become one net order."""
    j = deals["m1_index"].to_numpy(np.int64)
    price = deals["price"].to_numpy(np.float64)
    size = np.where(deals["type"].to_numpy() == "buy", 1.0, -1.0) * deals["volume"].to_numpy(np.float64) * contract
    fees = -(deals["commission"].to_numpy(np.float64) + deals["swap"].to_numpy(np.float64))
    new = np.ones(len(j), dtype=bool)
    new[1:] = (j[1:] != j[:-1]) | (price[1:] != price[:-1])
    group = np.cumsum(new) - 1
    tick = np.zeros(len(j), dtype=np.int64)  # order of the distinct deal prices inside one M1 bar
    for i in range(1, len(j)):
        tick[i] = tick[i - 1] + 1 if j[i] == j[i - 1] and new[i] else (tick[i - 1] if not new[i] else 0)
    frame = pd.DataFrame({"time": data.m1_time[j] + tick, "size": size, "price": price, "fees": fees, "group": group})
    return frame.groupby("group").agg(time=("time", "first"), size=("size", "sum"), price=("price", "first"),
                                      fees=("fees", "sum")).reset_index(drop=True)


def pass_portfolio(md: MarketData, data: SimData, result: BacktestResult, account: AccountConfig):  # noqa: ANN201
    """The `vectorbt.Portfolio` of one pass (see the module docstring for what it equals)."""
    import vectorbt as vbt

    sym = md.symbol
    if sym.profit_currency != account.currency:
        warnings.warn(f"the vectorbt Portfolio of a {sym.name} pass is in {sym.profit_currency}, the account in "
                      f"{account.currency}: vectorbt converts no currency", RaygaWarning, stacklevel=2)
    orders = deal_orders(data, result.deals, sym.contract_size)
    bar_close_time = data.m1_time[data.m1_stop - 1] + _M1_CLOSE_NS
    rows = pd.DataFrame({"time": np.concatenate([bar_close_time, orders["time"].to_numpy()]),
                         "close": np.concatenate([data.tf_close, orders["price"].to_numpy()]),
                         "order": np.concatenate([np.full(len(bar_close_time), -1), np.arange(len(orders))])})
    rows = rows.sort_values(["time", "order"], kind="stable").reset_index(drop=True)
    at = rows["order"].to_numpy()
    size = np.full(len(rows), np.nan)
    price = np.full(len(rows), np.nan)
    fees = np.zeros(len(rows))
    hit = at >= 0
    size[hit] = orders["size"].to_numpy()[at[hit]]
    price[hit] = orders["price"].to_numpy()[at[hit]]
    fees[hit] = orders["fees"].to_numpy()[at[hit]]
    index = pd.DatetimeIndex(rows["time"].to_numpy().view("datetime64[ns]"), tz="UTC", name="time")
    held = np.cumsum(np.nan_to_num(size))
    notional = float(np.max(np.abs(held) * rows["close"].to_numpy(), initial=0.0))
    return vbt.Portfolio.from_orders(pd.Series(rows["close"].to_numpy(), index=index, name=sym.name),
                                     size=size, price=price, fixed_fees=fees, direction="both",
                                     init_cash=account.deposit + notional, freq=f"{TIMEFRAMES[md.timeframe]}min")
