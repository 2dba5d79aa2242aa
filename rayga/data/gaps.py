"""Gap summary of an M1 series: weekend closures versus other holes, with the longest holes listed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rayga.data.bars import M1_NS

DAY_NS = 24 * 60 * M1_NS


@dataclass(frozen=True)
class GapSummary:
    bars: int
    first_ns: int
    last_ns: int
    weekend_gaps: int
    other_gaps: int
    missing_minutes: int
    longest: tuple[tuple[int, int], ...]  # (last bar before, first bar after) of the longest other gaps

    def lines(self) -> list[str]:
        def fmt(ns: int) -> str:
            return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%d %H:%M")

        out = [f"bars: {self.bars:,}", f"first bar: {fmt(self.first_ns)} UTC, last bar: {fmt(self.last_ns)} UTC",
               f"gaps: {self.weekend_gaps:,} weekend closures; {self.other_gaps:,} other gaps > 1 min "
               f"({self.missing_minutes:,} minutes without a bar)"]
        for a, b in self.longest:
            minutes = (b - a) // M1_NS - 1
            span = f"{minutes / 60:.1f} h" if minutes >= 60 else f"{minutes} min"
            out.append(f"  longest: {fmt(a)} -> {fmt(b)} UTC ({span} without bars)")
        return out


def summarize(time: np.ndarray, top: int = 3) -> GapSummary:
    """Count gaps between consecutive bars (`time` sorted int64 ns UTC)."""
    if len(time) == 0:
        return GapSummary(0, 0, 0, 0, 0, 0, ())
    step = np.diff(time)
    gap = np.flatnonzero(step > M1_NS)
    start, end = time[gap], time[gap + 1]
    weekday = ((start // DAY_NS) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    weekend = (weekday >= 4) & (end - start < 4 * DAY_NS) & (end - start > DAY_NS)
    other = ~weekend
    missing = int(((end[other] - start[other]) // M1_NS - 1).sum())
    order = np.argsort(-(end - start)[other], kind="stable")[:top]
    longest = tuple((int(start[other][k]), int(end[other][k])) for k in order)
    return GapSummary(len(time), int(time[0]), int(time[-1]), int(weekend.sum()), int(other.sum()), missing, longest)
