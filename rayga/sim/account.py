"""[account] settings and the packed account vector the kernels read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rayga.data.symbols import SymbolSpec
from rayga.errors import ConfigError
from rayga.sim import _nb_state as S
from rayga.sim.enums import (
    CONV_DIV,
    CONV_MUL,
    CONV_NONE,
    FILL_MARKET,
    FILL_ORDER,
    OPPOSITE_MODES,
    STOPS_MT5,
    STOPS_VECTORBT,
)

STOP_FILLS = {"order": FILL_ORDER, "market": FILL_MARKET}
STOP_MODES = {"mt5": STOPS_MT5, "vectorbt": STOPS_VECTORBT}


@dataclass(frozen=True)
class AccountConfig:
    """[account]: the tester's deposit, leverage and trade size, in MT5's terms.

    `spread_points` and `commission_per_lot` override the symbol's defaults when given;
    `stop_fill` = "order" fills SL/TP at their price even across a gap (MT5 "1 minute OHLC"),
    "market" at the gapped price; `stop_mode` = "vectorbt" reads SL/TP as fractions of the entry
    price with vectorbt's rules (for checking against vectorbt); `opposite_entry` says what an entry
    against the open position does: "reverse" (close it and open the other way, MT5 netting), "close"
    (close it only) or "ignore".
    """

    deposit: float = 100_000.0
    currency: str = "USD"
    leverage: float = 100.0
    lots: float = 1.0
    spread_points: float | None = None
    commission_per_lot: float | None = None
    stop_out_pct: float = 50.0
    stop_fill: str = "order"
    stop_mode: str = "mt5"
    opposite_entry: str = "reverse"
    file: str = field(default="<defaults>", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"under [account] in {self.file}"
        for name in ("deposit", "leverage", "lots"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"`{name}` must be > 0 (got {value!r}); set it {where}")
        for name in ("spread_points", "commission_per_lot"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise ConfigError(f"`{name}` must be >= 0 (got {value!r}); set it {where}")
        if not isinstance(self.stop_out_pct, int | float) or not 0 <= self.stop_out_pct < 100_000:
            raise ConfigError(f"`stop_out_pct` must be a margin level in % >= 0 (got {self.stop_out_pct!r}); set it {where}")
        if self.stop_fill not in STOP_FILLS:
            raise ConfigError(f"`stop_fill` must be \"order\" or \"market\" (got {self.stop_fill!r}); set it {where}")
        if self.stop_mode not in STOP_MODES:
            raise ConfigError(f"`stop_mode` must be \"mt5\" or \"vectorbt\" (got {self.stop_mode!r}); set it {where}")
        if self.opposite_entry not in OPPOSITE_MODES:
            raise ConfigError(f"`opposite_entry` must be \"reverse\", \"close\" or \"ignore\" (got "
                              f"{self.opposite_entry!r}); set it {where}")
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isupper()):
            raise ConfigError(f"`currency` must be a 3-letter code like \"USD\" (got {self.currency!r}); set it {where}")

    def conversions(self, symbol: SymbolSpec) -> tuple[int, int]:
        """(profit, margin) conversion modes to the account currency, using the symbol's own price."""
        def mode(ccy: str, what: str) -> int:
            if ccy == self.currency:
                return CONV_NONE
            if ccy == symbol.base_currency and symbol.profit_currency == self.currency:
                return CONV_MUL
            if ccy == symbol.profit_currency and symbol.base_currency == self.currency:
                return CONV_DIV
            raise ConfigError(f"{symbol.name} {what} is in {ccy} and the account in {self.currency}: converting "
                              f"needs a cross rate rayga does not load; use a {ccy} or {symbol.profit_currency} account")
        return mode(symbol.profit_currency, "profit"), mode(symbol.margin_currency, "margin")

    def vector(self, symbol: SymbolSpec, bars_per_year: float) -> np.ndarray:
        """The account vector of the kernels (see `rayga.sim._nb_state`)."""
        pconv, mconv = self.conversions(symbol)
        acct = np.zeros(S.N_ACCT)
        acct[S.A_DEPOSIT] = self.deposit
        acct[S.A_LOTS] = self.lots
        acct[S.A_CONTRACT] = symbol.contract_size
        acct[S.A_LEVERAGE] = self.leverage
        acct[S.A_COMM] = symbol.commission_per_lot if self.commission_per_lot is None else self.commission_per_lot
        acct[S.A_STOP_OUT] = self.stop_out_pct
        acct[S.A_PCONV] = pconv
        acct[S.A_MCONV] = mconv
        acct[S.A_SWAP_LONG] = symbol.swap_long
        acct[S.A_SWAP_SHORT] = symbol.swap_short
        acct[S.A_STOP_MODE] = STOP_MODES[self.stop_mode]
        acct[S.A_FILL] = STOP_FILLS[self.stop_fill]
        acct[S.A_POINT] = symbol.point
        acct[S.A_BARS_PER_YEAR] = bars_per_year
        acct[S.A_OPPOSITE] = OPPOSITE_MODES.index(self.opposite_entry)
        acct[S.A_VOL_MIN] = symbol.volume_min
        acct[S.A_VOL_STEP] = symbol.volume_step
        acct[S.A_VOL_MAX] = symbol.volume_max
        return acct

    def margin_needed(self, symbol: SymbolSpec, price: float) -> float:
        """Margin of one entry at `price`, in the account currency."""
        _, mconv = self.conversions(symbol)
        factor = price if mconv == CONV_MUL else (1.0 / price if mconv == CONV_DIV else 1.0)
        return self.lots * symbol.contract_size / self.leverage * factor
