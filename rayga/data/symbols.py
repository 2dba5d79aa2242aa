"""Symbol specifications (MT5 contract terms) with defaults for the major FX pairs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rayga.errors import ConfigError

# Fiat currencies whose 6-letter pairs get FX terms derived from the name (metals and crypto do not).
FIAT = {"USD", "EUR", "GBP", "JPY", "CHF", "AUD", "NZD", "CAD", "SEK", "NOK", "DKK", "PLN", "HUF", "CZK", "TRY",
        "ZAR", "MXN", "SGD", "HKD", "CNH"}
_NUMERIC = ("digits", "contract_size", "spread_points", "commission_per_lot", "swap_long", "swap_short",
            "volume_min", "volume_step", "volume_max")


@dataclass(frozen=True)
class SymbolSpec:
    """Contract terms of one symbol, in MT5's vocabulary.

    `spread_points` is the default spread used where the data has none (or it is <= 0);
    `commission_per_lot` is charged per lot per side, in the account currency;
    `swap_long` / `swap_short` are in points per lot per rollover (MT5 "swap in points").
    """

    name: str
    digits: int = 5
    contract_size: float = 100_000.0
    base_currency: str = "EUR"
    profit_currency: str = "USD"
    margin_currency: str = "EUR"
    spread_points: float = 10.0
    commission_per_lot: float = 0.0
    swap_long: float = 0.0
    swap_short: float = 0.0
    volume_min: float = 0.01
    volume_step: float = 0.01
    volume_max: float = 500.0

    def __post_init__(self) -> None:
        where = f"[symbol] of {self.name}"
        if not self.name or not self.name.strip():
            raise ConfigError("symbol name must not be empty; set `symbol` under [data]")
        for field in _NUMERIC:
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"`{field}` must be a number (got {value!r}); set it under {where}")
        if not 0 <= self.digits <= 8 or int(self.digits) != self.digits:
            raise ConfigError(f"`digits` must be in 0..8 (got {self.digits}); set it under {where}")
        for field in ("contract_size", "volume_min", "volume_step", "volume_max"):
            value = getattr(self, field)
            if not value > 0:
                raise ConfigError(f"`{field}` must be > 0 (got {value}); set it under {where}")
        for field in ("spread_points", "commission_per_lot"):
            value = getattr(self, field)
            if not value >= 0:
                raise ConfigError(f"`{field}` must be >= 0 (got {value}); set it under {where}")
        if self.volume_min > self.volume_max:
            raise ConfigError(f"`volume_min` ({self.volume_min}) exceeds `volume_max` ({self.volume_max}) under {where}")
        for field in ("base_currency", "profit_currency", "margin_currency"):
            value = getattr(self, field)
            if not (isinstance(value, str) and len(value) == 3 and value.isupper()):
                raise ConfigError(f"`{field}` must be a 3-letter currency code like 'USD' (got {value!r}); set it under {where}")

    @property
    def point(self) -> float:
        """Price of one point (10 ** -digits)."""
        return 10.0 ** -self.digits

    def with_overrides(self, overrides: dict[str, Any], source: str = "config") -> SymbolSpec:
        """Return a copy with fields replaced; unknown names are an error naming `source`."""
        names = {f.name for f in dataclasses.fields(self)} - {"name"}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ConfigError(f"unknown symbol field {unknown[0]!r} in {source}; known fields: {', '.join(sorted(names))}")
        return dataclasses.replace(self, **overrides)


def _fx(name: str, digits: int = 5, spread: float = 10.0) -> SymbolSpec:
    base, quote = name[:3], name[3:]
    return SymbolSpec(name=name, digits=digits, base_currency=base, profit_currency=quote,
                      margin_currency=base, spread_points=spread)


KNOWN_SYMBOLS: dict[str, SymbolSpec] = {
    s.name: s
    for s in (
        _fx("EURUSD", 5, 10), _fx("GBPUSD", 5, 12), _fx("AUDUSD", 5, 12), _fx("NZDUSD", 5, 15),
        _fx("USDCHF", 5, 14), _fx("USDCAD", 5, 15), _fx("USDJPY", 3, 12), _fx("EURJPY", 3, 16),
        _fx("GBPJPY", 3, 22), _fx("EURGBP", 5, 14), _fx("EURCHF", 5, 18), _fx("AUDJPY", 3, 18),
    )
}


def symbol_spec(name: str, overrides: dict[str, Any] | None = None, source: str = "config") -> SymbolSpec:
    """The spec of `name`: a known major pair's defaults, or (for other 6-letter FX names) derived
    currencies; anything else must give its currencies in `overrides`."""
    key = name.upper()
    if key in KNOWN_SYMBOLS:
        spec = KNOWN_SYMBOLS[key]
    elif len(key) == 6 and key[:3] in FIAT and key[3:] in FIAT:
        spec = _fx(key, 3 if key.endswith("JPY") else 5)
    else:
        spec = SymbolSpec(name=name, base_currency="USD", profit_currency="USD", margin_currency="USD")
        if not overrides or "profit_currency" not in overrides:
            raise ConfigError(f"symbol {name!r} is not an FX pair rayga knows: give its digits, contract_size, "
                              f"base_currency, profit_currency and margin_currency under [symbol] in {source}")
    spec = dataclasses.replace(spec, name=name)
    return spec.with_overrides(overrides or {}, source) if overrides else spec
