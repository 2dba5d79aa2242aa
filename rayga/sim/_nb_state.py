"""Slot numbers of the simulation state vector and the account vector (kernel-only constants)."""

# State vector (float64), one per simulated pass.
BAL = 0
DIR = 1
ENTRY = 2
SL = 3
TP = 4
MARGIN = 5
SWAP = 6
EQ_PEAK = 7
EQ_DD = 8
EQ_DD_REL = 9
BAL_PEAK = 10
BAL_DD = 11
BAL_DD_REL = 12
GROSS_PROFIT = 13
GROSS_LOSS = 14
TRADES = 15
WINS = 16
LONGS = 17
SHORTS = 18
NO_MONEY = 19
STOP_OUTS = 20
BAL_MIN = 21
EQ_MIN = 22
SH_SUM = 23
SH_SUMSQ = 24
SH_N = 25
LAST_EQ = 26
DEALS = 27
ENTRY_M1 = 28
# Pending entry orders of a flat account (one-cancels-other): prices (0 = none), the bar at whose first tick
# they expire (-1: never), the stops in points their fill gets, and whether any is pending.
O_BUY_STOP = 29
O_BUY_LIMIT = 30
O_SELL_STOP = 31
O_SELL_LIMIT = 32
O_EXPIRY = 33
O_SL = 34
O_TP = 35
O_ANY = 36
SCRATCH = 40  # first slot of a scratch area: a quiet chunk's per-bar log returns and lowest equities (slots
# 37-39 unused: it starts 64 bytes into a line of the work array, as before pending orders: 29 slots + 3 spare)
N_SCRATCH = 128  # 2 x _nb_quiet.CHUNK
N_STATE = SCRATCH + N_SCRATCH

# Account vector (float64), shared by every pass of a batch.
A_DEPOSIT = 0
A_LOTS = 1
A_CONTRACT = 2
A_LEVERAGE = 3
A_COMM = 4
A_STOP_OUT = 5
A_PCONV = 6
A_MCONV = 7
A_SWAP_LONG = 8
A_SWAP_SHORT = 9
A_STOP_MODE = 10
A_FILL = 11
A_POINT = 12
A_BARS_PER_YEAR = 13
A_BAR_FIRST = 14  # timeframe bars [first, stop) a pass runs over (a walk-forward window); stop 0 = all
A_BAR_STOP = 15
A_OPPOSITE = 16  # what an opposite entry does (enums.OPPOSITE_*)
N_ACCT = 17
