"""What a strategy's rule can use inside its Numba function: the decision codes it writes per bar and rayga's
MT5 indicators as Numba functions (NaN during their warm-up, where MT5 draws nothing).

A rule writes one int8 decision per timeframe bar, acted on at the next bar's first tick:

    out[k] = BUY                   # open a long (an open short is reversed, closed or kept: `opposite_entry`)
    out[k] = SELL                  # open a short
    out[k] = EXIT_LONG             # close a long to flat (nothing if none is open)
    out[k] = EXIT_SHORT            # close a short to flat
    out[k] = EXIT_ALL              # close whatever is open
    out[k] = EXIT_SHORT + BUY      # exits first, then the entry, on the same tick
    out[k] = 0                     # nothing

An entry along the open position changes nothing (one position per pass). `opposite_entry` under
[account] says what an entry against it does: "reverse" (close it and open the other way, as MT5 nets),
"close" (close it only) or "ignore".
"""

from rayga.indicators._nb import (  # noqa: F401 - re-exported for rules
    adx_nb,
    applied_price_nb,
    atr_nb,
    bollinger_nb,
    cci_nb,
    donchian_nb,
    ema_nb,
    lwma_nb,
    ma_nb,
    macd_nb,
    momentum_nb,
    roc_nb,
    rsi_nb,
    sma_nb,
    smma_nb,
    stddev_nb,
    stochastic_nb,
    true_range_nb,
)
from rayga.sim.enums import BUY, DECISIONS, EXIT_ALL, EXIT_LONG, EXIT_SHORT, SELL

__all__ = ["BUY", "DECISIONS", "EXIT_ALL", "EXIT_LONG", "EXIT_SHORT", "SELL", "adx_nb", "applied_price_nb",
           "atr_nb", "bollinger_nb", "cci_nb", "donchian_nb", "ema_nb", "lwma_nb", "ma_nb", "macd_nb", "momentum_nb",
           "roc_nb", "rsi_nb", "sma_nb", "smma_nb", "stddev_nb", "stochastic_nb", "true_range_nb"]
