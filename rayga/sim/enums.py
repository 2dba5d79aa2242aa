"""Constants shared by the simulation kernels and their wrappers (no imports beyond numpy)."""

import numpy as np

# Metric columns of a pass, in the order the kernel writes them. Names are the public metric names.
METRICS = (
    "profit", "gross_profit", "gross_loss", "total_trades", "total_deals", "profit_factor", "expected_payoff",
    "balance_dd_abs", "balance_dd_max", "balance_dd_rel_pct", "equity_dd_abs", "equity_dd_max",
    "equity_dd_rel_pct", "recovery_factor", "sharpe_ratio", "complex_criterion", "win_rate", "wins",
    "long_trades", "short_trades", "no_money", "stop_outs", "final_balance",
    # what the entry guards and sizing of `rayga.sim.manage` refused: entries outside the window or weekdays,
    # above the max spread, over the trades per day, in a cooldown, whose minimum lot risks too much, on a day
    # blocked by its loss limit or profit lock, after the kill switch, in a pause after a losing streak
    "skipped_window", "skipped_spread", "skipped_day_trades", "skipped_cooldown", "skipped_min_lot",
    "skipped_daily_limit", "skipped_kill_switch", "skipped_losing_streak",
    # what management did: trades whose stop the break-even moved, trades whose stop a trailing stop moved
    # (the genes' or the rule's level), entries sized from the balance or the free margin (risk %, lots per
    # 10k, margin %)
    "break_even_trades", "trailed_trades", "sized_entries",
)
M = {name: i for i, name in enumerate(METRICS)}
# M_PROFIT, M_GROSS_PROFIT, ...: column numbers for the kernels (module attributes are constants to Numba).
globals().update({f"M_{name.upper()}": i for i, name in enumerate(METRICS)})
N_METRICS = len(METRICS)

# Stop placement / checking rules.
STOPS_MT5 = 0        # SL/TP in points from the entry price, checked on every tick from the entry tick
STOPS_VECTORBT = 1   # SL/TP as fractions of the entry price, from the M1 bar after entry, SL before TP
# Fill of a stop whose level the market gapped through.
FILL_ORDER = 0       # at the order price (MT5 "1 minute OHLC")
FILL_MARKET = 1      # at the gapped price
# Conversion of an amount to the account currency at the current price.
CONV_NONE = 0        # already in the account currency
CONV_MUL = 1         # multiply by the price (margin of EURUSD on a USD account)
CONV_DIV = 2         # divide by the price (profit of USDJPY on a USD account)

# Deal record reasons.
DEAL_SIGNAL = 0
DEAL_SL = 1
DEAL_TP = 2
DEAL_STOP_OUT = 3
DEAL_END = 4
DEAL_EXIT = 5        # the rule's exit to flat
DEAL_ORDER = 6       # a pending order's fill
DEAL_TIME = 7        # a time exit (bars held: `rayga.sim.manage`)
DEAL_GUARD = 8       # an account guard's close (daily loss limit, profit lock, kill switch)
DEAL_REASONS = ("signal", "sl", "tp", "stop_out", "end_of_test", "exit", "order", "time", "guard")

# A rule's decision at a bar's close, one int8: entry + EXIT_LONG and/or + EXIT_SHORT. Exits apply first, on
# the next bar's first tick, then the entry. Plain +1 / -1 / 0 signals are decisions without exits.
BUY = 1
SELL = -1
EXIT_LONG = 4
EXIT_SHORT = 8
EXIT_ALL = EXIT_LONG + EXIT_SHORT
ORDERS = 16          # set by the batch kernel on bars whose decision places pending orders (not written by rules)
CANCEL = 32          # cancel the pending orders
TRAIL = 64           # set by the batch kernel on bars whose decision moves the stop to a level (`Decisions.trail`)
DECISIONS = tuple(e + a + b + c for c in (0, CANCEL) for a in (0, EXIT_LONG) for b in (0, EXIT_SHORT)
                  for e in (SELL, 0, BUY))
# What an entry against the open position does.
OPPOSITE_REVERSE = 0  # close it and open the other way (netting; the default)
OPPOSITE_CLOSE = 1    # close it only
OPPOSITE_IGNORE = 2   # nothing
OPPOSITE_MODES = ("reverse", "close", "ignore")

DEAL_DTYPE = np.dtype([
    ("m1_index", np.int64), ("direction", np.int8), ("entry", np.int8), ("reason", np.int8),
    ("lots", np.float64), ("price", np.float64), ("commission", np.float64), ("swap", np.float64),
    ("profit", np.float64), ("balance", np.float64),
])
