"""rayga's MT5 indicators as vectorbt indicators, for notebooks: `MT5RSI.run(close, period=[7, 14])` gives
vectorbt's indicator object (one column per parameter combination, `.rsi`, crossing helpers, plots)."""

from __future__ import annotations

import numpy as np

from rayga.indicators import _nb


def _columns(kernel, *arrays: np.ndarray, params: tuple = (), outputs: int = 1):  # noqa: ANN001, ANN202
    """Apply a one-column kernel to every column of 2-D inputs."""
    cols = arrays[0].shape[1]
    out = [np.empty_like(arrays[0], dtype=np.float64) for _ in range(outputs)]
    for j in range(cols):
        res = kernel(*(np.ascontiguousarray(a[:, j], dtype=np.float64) for a in arrays), *params)
        res = res if isinstance(res, tuple) else (res,)
        for o, r in zip(out, res, strict=True):
            o[:, j] = r
    return out[0] if outputs == 1 else tuple(out)


def _factory(class_name: str, inputs: list[str], params: list[str], outputs: list[str], apply, defaults: dict):  # noqa: ANN001, ANN202
    import vectorbt as vbt

    return vbt.IndicatorFactory(class_name=class_name, short_name=class_name.lower(), input_names=inputs,
                                param_names=params, output_names=outputs).from_apply_func(apply, **defaults)


def _build() -> dict:
    return {
        "MT5MA": _factory("MT5MA", ["close"], ["period", "method"], ["ma"],
                          lambda c, p, m: _columns(_nb.ma_nb, c, params=(int(p), int(m))), {"method": _nb.MA_SMA}),
        "MT5RSI": _factory("MT5RSI", ["close"], ["period"], ["rsi"],
                           lambda c, p: _columns(_nb.rsi_nb, c, params=(int(p),)), {"period": 14}),
        "MT5ATR": _factory("MT5ATR", ["high", "low", "close"], ["period"], ["atr"],
                           lambda h, lo, c, p: _columns(_nb.atr_nb, h, lo, c, params=(int(p),)), {"period": 14}),
        "MT5BANDS": _factory("MT5BANDS", ["close"], ["period", "deviation"], ["middle", "upper", "lower"],
                             lambda c, p, d: _columns(_nb.bollinger_nb, c, params=(int(p), float(d)), outputs=3),
                             {"period": 20, "deviation": 2.0}),
        "MT5MACD": _factory("MT5MACD", ["close"], ["fast", "slow", "signal"], ["main", "signal_line"],
                            lambda c, f, s, g: _columns(_nb.macd_nb, c, params=(int(f), int(s), int(g)), outputs=2),
                            {"fast": 12, "slow": 26, "signal": 9}),
        "MT5STOCH": _factory("MT5STOCH", ["high", "low", "close"], ["k_period", "d_period", "slowing"], ["k", "d"],
                             lambda h, lo, c, k, d, s: _columns(_nb.stochastic_nb, h, lo, c, params=(int(k), int(d),
                                                                                                      int(s)), outputs=2),
                             {"k_period": 5, "d_period": 3, "slowing": 3}),
        "MT5ADX": _factory("MT5ADX", ["high", "low", "close"], ["period"], ["adx", "plus_di", "minus_di"],
                           lambda h, lo, c, p: _columns(_nb.adx_nb, h, lo, c, params=(int(p),), outputs=3),
                           {"period": 14}),
        "MT5CCI": _factory("MT5CCI", ["high", "low", "close"], ["period"], ["cci"],
                           lambda h, lo, c, p: _columns(_nb.cci_nb, h, lo, c, params=(int(p),)), {"period": 14}),
    }


_BUILT: dict = {}


def __getattr__(name: str):  # noqa: ANN202 - built on first use (importing vectorbt takes seconds)
    if not _BUILT:
        _BUILT.update(_build())
    if name in _BUILT:
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
