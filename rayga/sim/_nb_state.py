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
# The open position's size and management (`_nb_manage`): lots, the bar it opened in, its stop distance at
# entry in price (its R; 0: none), its trailing distance, activation level and step in price, its break-even
# trigger level and the stop it moves to (0: none or done), and the favourable price at which management next
# acts (0: never; what the bar paths test as their management bound).
LOTS = 37
ENTRY_BAR = 38
R_DIST = 39
T_DIST = 40
T_START = 41
T_STEP = 42
BE_AT = 43
BE_SL = 44
TRIG = 45
DUE_BAR = 46  # the first bar at whose first tick a time exit (max bars held) is due (a large number: none)
BAR = 47  # the timeframe bar being decided on (set before a decision executes)
DAY = 48  # the server day of the last entry check, its entries so far
DAY_TRADES = 49
LAST_CLOSE_BAR = 50  # the bar of the last close (-1: none) and its result (money)
LAST_RESULT = 51
# What the guards did (entries skipped) and sizing refused (an entry whose minimum lot risks too much).
SKIP_SPREAD = 52
SKIP_WINDOW = 53
SKIP_DAY = 54  # trades per day
SKIP_COOLDOWN = 55
SKIP_MINLOT = 56
NOW_MINUTE = 57  # the clock of the bar being decided on (`_nb_manage.clock_nb`): server minute of the day,
NOW_WEEKDAY = 58  # weekday (0 = Sunday), day number, and the ATR of the bar before it
NOW_DAY = 59
NOW_ATR = 60
# The account guards (`_nb_manage.guard_tick_nb`): the losing streak, the server day's equity floor and ceiling
# (its daily loss limit and profit lock, from its starting balance), the day they block entries on, the kill
# switch, the bar of the next day's first tick (where the day's limits are set: a large number when none), and
# the entries they skipped.
STREAK = 61
DAY_FLOOR = 62
DAY_CEIL = 63
BLOCK_DAY = 64
KILLED = 65
DAY_DUE = 66
SKIP_DAILY = 67
SKIP_KILL = 68
SKIP_STREAK = 69
# What management did (for the metrics): the position's stop at its opening; trades whose stop the break-even
# / a trailing stop moved, entries sized from the balance or margin.
INIT_SL = 70
N_BE = 72
N_TRAILED = 73
N_SIZED = 74
MG = 80  # the pass's management genes (`MG_*` below), copied in at the start of a pass
SCRATCH = 120  # first slot of a scratch area: a quiet chunk's per-bar log returns and lowest equities (on a
# 64-byte boundary of the work array)
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
A_VOL_MIN = 17  # the symbol's volume limits and step (lots)
A_VOL_STEP = 18
A_VOL_MAX = 19
N_ACCT = 20

# Management genes of a pass (`rayga.sim.manage`: names, units, defaults), slots of st[MG:].
MG_TRAIL_POINTS = 0   # trailing distance: points + ATRs at entry + multiples of the entry's stop distance (R)
MG_TRAIL_ATR = 1
MG_TRAIL_R = 2
MG_TRAIL_START = 3    # activation profit: points + R (0 + 0: from the entry)
MG_TRAIL_START_R = 4
MG_TRAIL_STEP = 5     # points the stop must improve by to move
MG_PER_BAR = 6        # 1: trailing and break-even act on each bar's first tick only, 0: on every M1 tick
MG_BE_POINTS = 7      # break-even trigger profit: points + R (0 + 0: off)
MG_BE_R = 8
MG_BE_LOCK = 9        # points beyond the entry the break-even stop locks in
MG_MAX_BARS = 10      # close after this many bars held (0: off), only while losing when MG_MAX_BARS_LOSING
MG_MAX_BARS_LOSING = 11
MG_CLOSE_MINUTE = 12  # close and stay flat from this server minute of the day (-1: off), Fridays only when
MG_CLOSE_FRIDAY = 13  # MG_CLOSE_FRIDAY
MG_TP_R = 14          # take profit at this multiple of the entry's stop distance (0: the genes' / rule's TP)
MG_RISK_PCT = 15      # sizing: risk % of balance (equity when MG_RISK_EQUITY) over the stop distance
MG_RISK_EQUITY = 16
MG_LOTS_PER_10K = 17  # lots per 10,000 of balance
MG_MARGIN_PCT = 18    # % of free margin
MG_BASE_BALANCE = 19  # the balance sizing uses (0: the current one, compounding)
MG_MAX_SPREAD = 20    # guards: max spread in points at the entry tick (0: off)
MG_WINDOW_START = 21  # entry window, server hours [start, end), wrapping midnight when start > end
MG_WINDOW_END = 22
MG_WEEKDAYS = 23      # bit d set: entries allowed on weekday d (0 = Sunday)
MG_MAX_DAY_TRADES = 24
MG_COOLDOWN = 25      # bars after a close without entries, only after a loss when MG_COOLDOWN_LOSS
MG_COOLDOWN_LOSS = 26
MG_ATR_ROW = 27       # (set by rayga) which ATR row of the batch this pass reads
MG_ON = 28            # (set by rayga) 1 when any management gene is on
MG_PAUSE_LOSSES = 29  # after this many losing trades in a row no entry for MG_PAUSE_BARS bars (0: off)
MG_PAUSE_BARS = 30
MG_DAY_LOSS = 31      # daily loss limit: flat and no entry until the next server day once the equity is this %
MG_DAY_PROFIT = 32    # below the day's starting balance; daily profit lock: the same this % above it (0: off)
MG_KILL = 33          # kill switch: flat and no entry for the rest of the test once the equity is this % below
MG_EQ_GUARD = 34      # its peak (0: off); (set by rayga) 1 when one of these three is on
MG_LOTS = 35          # fixed lots of every entry not sized otherwise (0: the account's)
N_MG = 40
