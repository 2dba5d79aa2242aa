"""`M1Bars`: the contiguous float64/int64 arrays of one symbol's M1 bid bars, the unit every layer shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

M1_NS = 60_000_000_000
ARRAY_FIELDS = ("time", "open", "high", "low", "close", "spread", "tick_volume", "volume")


@dataclass(frozen=True, eq=False)
class M1Bars:
    """M1 bid bars in time order: `time` int64 ns UTC (bar open), prices float64, spread in points
    (0 where unknown), tick and real volume float64."""

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread: np.ndarray
    tick_volume: np.ndarray
    volume: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.time)
        for name in ARRAY_FIELDS:
            arr = getattr(self, name)
            dtype = np.int64 if name == "time" else np.float64
            if arr.dtype != dtype or not arr.flags.c_contiguous:
                object.__setattr__(self, name, np.ascontiguousarray(arr, dtype=dtype))
            if len(getattr(self, name)) != n:
                raise ValueError(f"M1Bars.{name} has {len(arr)} values, expected {n}")

    def __len__(self) -> int:
        return len(self.time)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in ARRAY_FIELDS)

    def slice(self, start: int, stop: int) -> M1Bars:
        return M1Bars(**{f: getattr(self, f)[start:stop] for f in ARRAY_FIELDS})

    def between(self, start_ns: int | None, end_ns: int | None) -> M1Bars:
        """Bars with start_ns <= time < end_ns (MT5: start date included, end date excluded)."""
        lo = 0 if start_ns is None else int(np.searchsorted(self.time, start_ns, "left"))
        hi = len(self) if end_ns is None else int(np.searchsorted(self.time, end_ns, "left"))
        return self.slice(lo, hi)

    def to_arrow(self) -> pa.Table:
        return pa.table({
            "time": pa.array(self.time, pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
            **{f: pa.array(getattr(self, f)) for f in ARRAY_FIELDS[1:]},
        })

    @classmethod
    def from_arrow(cls, table: pa.Table) -> M1Bars:
        time = table.column("time").cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()).to_numpy()
        cols = {f: table.column(f).cast(pa.float64()).to_numpy() for f in ARRAY_FIELDS[1:]}
        return cls(time=time, **cols)

    @classmethod
    def concat(cls, parts: list[M1Bars]) -> M1Bars:
        if not parts:
            return cls.empty()
        return cls(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in ARRAY_FIELDS})

    @classmethod
    def empty(cls) -> M1Bars:
        return cls(time=np.empty(0, np.int64), **{f: np.empty(0) for f in ARRAY_FIELDS[1:]})
