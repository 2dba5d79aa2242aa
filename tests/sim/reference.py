"""A slow, obviously-correct per-tick simulator of the whole MT5 "1 minute OHLC" model.

Every M1 bar is four ticks (no shortcuts): Open, Low/High in the bull/bear/doji order, Close. It is
written from the rules, not from the kernels, to check them.
"""

from __future__ import annotations

import math


def tick_prices(o, h, lo, c, last_dir):
    """Ticks of one bar and the updated last non-doji direction (+1 bull, -1 bear, 0 none)."""
    if c > o:
        return [o, lo, h, c], 1
    if c < o:
        return [o, h, lo, c], -1
    bull = last_dir != 1  # a doji takes the opposite of the last non-doji bar (bull if none)
    return ([o, lo, h, c] if bull else [o, h, lo, c]), last_dir


def simulate(m1_open, m1_high, m1_low, m1_close, spread_price, m1_start, m1_stop, signal, sl_points, tp_points,
             *, deposit, lots, contract, leverage, commission, stop_out_pct, point, bars_per_year,
             profit_div=False, margin_mul=True, fill="order", swap_units=None, swap_long=0.0, swap_short=0.0,
             opposite="reverse", sl_bar=None, tp_bar=None, orders=None):
    """A bar's decision: an entry (+1 buy, -1 sell, 0) plus 4 to exit a long and 8 to exit a short and 32 to
    cancel the pending orders, taken on the next bar's first tick, exits first. An entry against the open
    position reverses it, closes it or is ignored (`opposite`); one along it does nothing. `sl_bar`/`tp_bar`:
    points for an entry decided at each bar (NaN: `sl_points`/`tp_points`). `orders`: per bar, the prices of
    a buy stop, buy limit, sell stop and sell limit its decision places (NaN: none) and their life in bars
    (NaN: until filled or replaced): placed after the exits and the entry if no position is open, replacing
    the pending ones, one-cancels-other, triggered on the ticks (buys on Ask, sells on Bid) and filled at
    their price; any position opening cancels them. A sixth array of `orders`: a level per bar the open
    position's stop moves to after the bar's exits and entry, if that improves it and lies on the safe side of
    the price (below Bid for a long, above Ask for a short)."""
    units = lots * contract
    s = dict(bal=deposit, eq_peak=deposit, eq_dd=0.0, eq_rel=0.0, eq_min=deposit, bal_peak=deposit, bal_dd=0.0,
             bal_rel=0.0, bal_min=deposit, gp=0.0, gl=0.0, trades=0, deals=0, wins=0, longs=0, shorts=0,
             no_money=0, stop_outs=0)
    pos = {}
    pending = {}  # kind -> price; "expiry" -> bar at whose first tick they go; "sl", "tp" -> points of the fill
    deals = []

    def conv(price):
        return 1.0 / price if profit_div else 1.0

    def book(result):
        s["bal"] += result
        s["deals"] += 1
        if result > 0:
            s["gp"] += result
        elif result < 0:
            s["gl"] += result
        if s["bal"] > s["bal_peak"]:
            s["bal_peak"] = s["bal"]
        else:
            s["bal_dd"] = max(s["bal_dd"], s["bal_peak"] - s["bal"])
            s["bal_rel"] = max(s["bal_rel"], (s["bal_peak"] - s["bal"]) / s["bal_peak"])
        s["bal_min"] = min(s["bal_min"], s["bal"])

    def equity_point(eq):
        if eq > s["eq_peak"]:
            s["eq_peak"] = eq
        else:
            s["eq_dd"] = max(s["eq_dd"], s["eq_peak"] - eq)
            s["eq_rel"] = max(s["eq_rel"], (s["eq_peak"] - eq) / s["eq_peak"])
        s["eq_min"] = min(s["eq_min"], eq)

    def equity(bid, ask):
        if not pos:
            return s["bal"]
        if pos["dir"] > 0:
            return s["bal"] + pos["swap"] + (bid - pos["entry"]) * units * conv(bid)
        return s["bal"] + pos["swap"] + (pos["entry"] - ask) * units * conv(ask)

    def cents(x):  # MT5 books deal money in cents, half away from zero
        return math.copysign(math.floor(abs(x) * 100.0 + 0.5) / 100.0, x) if x else 0.0

    def close(j, price, reason):
        d = pos["dir"]
        profit = cents(d * (price - pos["entry"]) * units * conv(price))
        result = profit - commission * lots + cents(pos["swap"])
        pos.clear()
        book(result)
        s["trades"] += 1
        s["wins"] += result >= 0
        s["longs" if d > 0 else "shorts"] += 1
        s["stop_outs"] += reason == "stop_out"
        deals.append((j, -d, "out", reason, price))
        equity_point(s["bal"])

    def stops_of(k):
        sl = sl_points if sl_bar is None or math.isnan(sl_bar[k]) else sl_bar[k]
        tp = tp_points if tp_bar is None or math.isnan(tp_bar[k]) else tp_bar[k]
        return sl, tp

    def open_(j, d, price, sl, tp, reason="signal"):
        margin = units / leverage * (price if margin_mul else 1.0)
        if margin > s["bal"]:
            s["no_money"] += 1
            return
        pending.clear()  # a position cancels the pending orders
        pos.update(dir=d, entry=price, margin=margin, swap=0.0,
                   sl=price - d * sl * point if sl > 0 else 0.0,
                   tp=price + d * tp * point if tp > 0 else 0.0)
        book(-commission * lots)
        deals.append((j, d, "in", reason, price))

    def place(k, bid, ask):  # the orders decided at bar k, on the next bar's first tick
        pending.clear()
        if pos or orders is None:
            return
        wanted = {"buy_stop": (orders[0][k], lambda p: p > ask), "buy_limit": (orders[1][k], lambda p: p < ask),
                  "sell_stop": (orders[2][k], lambda p: p < bid), "sell_limit": (orders[3][k], lambda p: p > bid)}
        for kind, (price, valid) in wanted.items():
            if not math.isnan(price) and price > 0 and valid(price):
                pending[kind] = price
        if pending:
            life = orders[4][k]
            pending["expiry"] = k + 1 + max(1, math.floor(life)) if not math.isnan(life) else None
            pending["sl"], pending["tp"] = stops_of(k)

    def trigger(j, bid, ask):
        for kind, d, hit in (("buy_stop", 1, lambda p: ask >= p), ("buy_limit", 1, lambda p: ask <= p),
                             ("sell_stop", -1, lambda p: bid <= p), ("sell_limit", -1, lambda p: bid >= p)):
            if kind in pending and hit(pending[kind]):
                price, sl, tp = pending[kind], pending["sl"], pending["tp"]
                pending.clear()
                open_(j, d, price, sl, tp, "order")
                return

    sh = []
    last_eq = deposit
    last_dir = 0
    j_done = 0
    for k in range(len(m1_start)):
        assert m1_start[k] == j_done, "timeframe bars must cover the M1 bars"
        j0 = m1_start[k]
        bid0, ask0 = m1_open[j0], m1_open[j0] + spread_price[j0]
        if pos and swap_units is not None and swap_units[k] > 0:  # rollover: swap days x points x lots
            rate = swap_long if pos["dir"] > 0 else swap_short
            px = bid0 if pos["dir"] > 0 else ask0
            pos["swap"] += swap_units[k] * rate * point * lots * contract * conv(px)
        if pending.get("expiry") is not None and k >= pending["expiry"]:
            pending.clear()
        placing = k > 0 and orders is not None and any(not math.isnan(orders[i][k - 1]) for i in range(4))
        trailing = k > 0 and orders is not None and len(orders) > 5 and not math.isnan(orders[5][k - 1])
        if k > 0 and (signal[k - 1] != 0 or placing or trailing):
            code = int(signal[k - 1])
            cancel = code >= 31
            code -= 32 * cancel
            exit_short = code in (7, 8, 9, 11, 12, 13)
            exit_long = code in (3, 4, 5, 11, 12, 13)
            d = code - 8 * exit_short - 4 * exit_long
            assert d in (-1, 0, 1), code
            if pos and ((pos["dir"] > 0 and exit_long) or (pos["dir"] < 0 and exit_short)):
                close(j0, bid0 if pos["dir"] > 0 else ask0, "exit")
            if d and pos and pos["dir"] == -d and opposite != "ignore":
                close(j0, bid0 if pos["dir"] > 0 else ask0, "signal")
                if opposite == "close":
                    d = 0
            if d and not pos:
                open_(j0, d, ask0 if d > 0 else bid0, *stops_of(k - 1))
            if trailing and pos:
                level, d = orders[5][k - 1], pos["dir"]
                px = bid0 if d > 0 else ask0
                if level > 0 and d * (px - level) > 0 and (pos["sl"] == 0 or d * (level - pos["sl"]) > 0):
                    pos["sl"] = level
            if cancel:
                pending.clear()
            if placing:
                place(k - 1, bid0, ask0)
        for j in range(m1_start[k], m1_stop[k]):
            ticks, last_dir = tick_prices(m1_open[j], m1_high[j], m1_low[j], m1_close[j], last_dir)
            for t, bid in enumerate(ticks):
                ask = bid + spread_price[j]
                if not pos and pending:
                    trigger(j, bid, ask)
                if not pos:
                    continue
                d = pos["dir"]
                px = bid if d > 0 else ask
                if pos["sl"] > 0 and d * (px - pos["sl"]) <= 0:
                    close(j, px if (fill == "market" and t == 0) else pos["sl"], "sl")
                    continue
                if pos["tp"] > 0 and d * (px - pos["tp"]) >= 0:
                    close(j, px if (fill == "market" and t == 0) else pos["tp"], "tp")
                    continue
                eq = equity(bid, ask)
                if eq * 100.0 <= stop_out_pct * pos["margin"]:
                    close(j, px, "stop_out")
                    continue
                equity_point(eq)
        j_done = m1_stop[k]
        jl = m1_stop[k] - 1
        eq = equity(m1_close[jl], m1_close[jl] + spread_price[jl])
        if eq != last_eq and eq > 0 and last_eq > 0:
            sh.append(math.log(eq / last_eq))
        last_eq = eq
    if pos:
        jl = m1_stop[-1] - 1
        close(jl, m1_close[jl] if pos["dir"] > 0 else m1_close[jl] + spread_price[jl], "end_of_test")
    profit = s["bal"] - deposit
    sharpe = 0.0
    if len(sh) >= 2:
        mean = sum(sh) / len(sh)
        var = sum(r * r for r in sh) / len(sh) - mean * mean
        if var > 0:
            sharpe = max(mean / math.sqrt(var) * math.sqrt(bars_per_year), -5.0)
    metrics = {
        "profit": profit, "gross_profit": s["gp"], "gross_loss": s["gl"], "total_trades": s["trades"],
        "total_deals": s["deals"], "profit_factor": s["gp"] / -s["gl"] if s["gl"] < 0 else 0.0,
        "expected_payoff": profit / s["trades"] if s["trades"] else 0.0,
        "balance_dd_abs": max(deposit - s["bal_min"], 0.0), "balance_dd_max": s["bal_dd"],
        "balance_dd_rel_pct": s["bal_rel"] * 100, "equity_dd_abs": max(deposit - s["eq_min"], 0.0),
        "equity_dd_max": s["eq_dd"], "equity_dd_rel_pct": s["eq_rel"] * 100,
        "recovery_factor": profit / s["eq_dd"] if s["eq_dd"] > 0 else 0.0, "sharpe_ratio": sharpe,
        "win_rate": s["wins"] / s["trades"] * 100 if s["trades"] else 0.0, "wins": s["wins"],
        "long_trades": s["longs"], "short_trades": s["shorts"], "no_money": s["no_money"],
        "stop_outs": s["stop_outs"], "final_balance": s["bal"],
    }
    return metrics, deals
