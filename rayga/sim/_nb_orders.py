"""Pending entry orders of a flat account: placing, expiry, their price bounds and the tick that fills one
(kernel-only module).

The orders a decision places (buy stop, buy limit, sell stop, sell limit; `rayga.rules`) live in the state
vector (`_nb_state.O_*`) while no position is open: they are one-cancels-other, and any position opening
cancels them (`_nb.open_nb`). A bar may trigger one only where its Ask or Bid extremes pass their prices
(`order_bounds_nb`: the bar loop and its flat scan ask this one function); there its ticks are walked
(`orders_bar_nb`): the first to trigger fills at its price, and the position's own ticks follow.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from rayga.sim import _nb_state as S
from rayga.sim._nb import cancel_orders_nb, descend_nb, open_nb, tick_nb, tick_price_nb
from rayga.sim._nb_manage import allowed_nb
from rayga.sim.enums import DEAL_ORDER


def order_arrays(orders, bs, bl, ss, sll, ex, tr):  # noqa: ARG001 - typed below, per `orders`
    """The pending orders and trailing levels a rule's batch passes to the simulation: None for a rule that
    writes none (`orders` None: the simulation is then compiled without their code), else the six arrays."""


@overload(order_arrays)
def _order_arrays(orders, bs, bl, ss, sll, ex, tr):
    if isinstance(orders, types.NoneType):
        return lambda orders, bs, bl, ss, sll, ex, tr: None
    return lambda orders, bs, bl, ss, sll, ex, tr: (bs, bl, ss, sll, ex, tr)


@njit(cache=True, _nrt=False, inline="always")
def order_level_nb(price, valid):
    """An order price as kept (0 = none): NaN, non-positive or on the wrong side of the market is none."""
    return price if (price == price and price > 0 and valid) else 0.0


@njit(cache=True, _nrt=False)
def place_orders_nb(st, acct, k, bid, ask, orders, sl, tp, sl_bar, tp_bar, mg):
    """The orders decided at bar k - 1, placed on bar k's first tick (Bid `bid`, Ask `ask`): they replace the
    pending ones, and none is placed while a position is open or the entry guards refuse (`allowed_nb`).
    Stops of their fill: the decision bar's points (`sl_bar` / `tp_bar` where sized and not NaN), else
    `sl` / `tp`."""
    cancel_orders_nb(st)
    if st[S.DIR] != 0.0:
        return
    if mg is not None:
        if st[S.MG + S.MG_ON] != 0.0 and not allowed_nb(st, acct, bid, ask):
            return
    buy_stop, buy_limit, sell_stop, sell_limit, expiry, _ = orders
    i = k - 1
    st[S.O_BUY_STOP] = order_level_nb(buy_stop[i], buy_stop[i] > ask)
    st[S.O_BUY_LIMIT] = order_level_nb(buy_limit[i], buy_limit[i] < ask)
    st[S.O_SELL_STOP] = order_level_nb(sell_stop[i], sell_stop[i] < bid)
    st[S.O_SELL_LIMIT] = order_level_nb(sell_limit[i], sell_limit[i] > bid)
    if st[S.O_BUY_STOP] + st[S.O_BUY_LIMIT] + st[S.O_SELL_STOP] + st[S.O_SELL_LIMIT] == 0.0:
        return
    st[S.O_ANY] = 1.0
    life = expiry[i]
    st[S.O_EXPIRY] = k + max(1.0, np.floor(life)) if life == life else -1.0
    sl_k = sl_bar[i] if len(sl_bar) > 0 else sl
    tp_k = tp_bar[i] if len(tp_bar) > 0 else tp
    st[S.O_SL] = sl if np.isnan(sl_k) else sl_k
    st[S.O_TP] = tp if np.isnan(tp_k) else tp_k


@njit(cache=True, _nrt=False, inline="always")
def order_bounds_nb(st):
    """Price bounds of a flat bar with pending orders: it may trigger one only where its Ask high >= the
    first, its Ask low <= the second, its Bid low <= the third or its Bid high >= the fourth."""
    bs, bl, ss, sll = st[S.O_BUY_STOP], st[S.O_BUY_LIMIT], st[S.O_SELL_STOP], st[S.O_SELL_LIMIT]
    return (bs if bs > 0 else np.inf, bl if bl > 0 else -np.inf, ss if ss > 0 else -np.inf,
            sll if sll > 0 else np.inf)


@njit(cache=True, _nrt=False, inline="always")
def orders_due_nb(st, k, ask_high, ask_low, bid_low, bid_high):
    """Whether bar k expires the pending orders (on its first tick) or may trigger one of them."""
    if 0.0 <= st[S.O_EXPIRY] <= k:
        return True
    b_hi, b_lo, s_lo, s_hi = order_bounds_nb(st)
    return ask_high[k] >= b_hi or ask_low[k] <= b_lo or bid_low[k] <= s_lo or bid_high[k] >= s_hi


@njit(cache=True, _nrt=False, error_model="numpy")
def next_flat_event_nb(st, signal, k, n, ask_high, ask_low, bid_low, bid_high):
    """The first bar j >= k (k >= 1) of a flat account with pending orders where something happens: a
    decision on its first tick, the orders' expiry, or an extreme in reach of one of them; or n."""
    j = k
    while j < n and signal[j - 1] == 0 and not orders_due_nb(st, j, ask_high, ask_low, bid_low, bid_high):
        j += 1
    return j


@njit(cache=True, _nrt=False, inline="always")
def triggered_nb(st, bid, ask):
    """(direction, price) of the order a tick triggers (buy stop, buy limit, sell stop, sell limit: the first
    in that order), or (0, 0)."""
    if st[S.O_BUY_STOP] > 0 and ask >= st[S.O_BUY_STOP]:
        return 1.0, st[S.O_BUY_STOP]
    if st[S.O_BUY_LIMIT] > 0 and ask <= st[S.O_BUY_LIMIT]:
        return 1.0, st[S.O_BUY_LIMIT]
    if st[S.O_SELL_STOP] > 0 and bid <= st[S.O_SELL_STOP]:
        return -1.0, st[S.O_SELL_STOP]
    if st[S.O_SELL_LIMIT] > 0 and bid >= st[S.O_SELL_LIMIT]:
        return -1.0, st[S.O_SELL_LIMIT]
    return 0.0, 0.0


@njit(cache=True, _nrt=False)
def orders_bar_nb(st, acct, deals, k, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j_start,
                  j_stop, mg):
    """Bar k of a flat account with pending orders (M1 bars j_start..j_stop-1): their expiry on its first
    tick, else its ticks until one triggers, filled at its price (the others cancelled; `no_money` without
    the margin), then the position's own ticks, from the fill tick on (stops, stop-out, equity)."""
    if 0.0 <= st[S.O_EXPIRY] <= k:
        cancel_orders_nb(st)
        return
    for j in range(j_start, j_stop):
        spr = spread_price[j]
        first = m1_low[j] if low_first[j] else m1_high[j]
        second = m1_high[j] if low_first[j] else m1_low[j]
        for t in range(4):
            px = tick_price_nb(t, m1_open[j], first, second, m1_close[j])
            d, price = triggered_nb(st, px, px + spr)
            if d == 0.0:
                continue
            sl, tp = st[S.O_SL], st[S.O_TP]
            cancel_orders_nb(st)
            open_nb(st, acct, deals, j, d, price, price, sl, tp, np.int64(DEAL_ORDER), mg)
            if st[S.DIR] == 0.0:  # no money: the orders are gone
                return
            for u in range(t, 4):
                pu = tick_price_nb(u, m1_open[j], first, second, m1_close[j])
                if tick_nb(st, acct, deals, j, pu, pu + spr, u == 0, mg):
                    return
            descend_nb(st, acct, deals, m1_open, m1_high, m1_low, m1_close, spread_price, low_first, j + 1, j_stop, mg)
            return
