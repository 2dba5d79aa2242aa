"""Indicator rows of a data set, computed once and kept for the batches that follow.

A GA generation asks for the same indicator periods again and again (an MA period range of 5..200
has at most 196 rows), so a batch of 128 genomes that computed its ~100 rows afresh would spend more
time on them than on its backtests. Each data set (a `SimData`, e.g. an evaluator's data or one
walk-forward window) keeps one matrix of rows, filled as batches need them and handed to the batch
kernels as is (no copy per batch); the least recently used rows make room when it is full, and the least
recently used data sets' rows when all kept rows pass TOTAL_BYTES. Rows are pure functions of the data
and their key, so a kept row equals a fresh one: results never depend on what was kept.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeAlias

import numpy as np

from rayga.sim.prepared import SimData

MakeRows: TypeAlias = Callable[[Sequence[Hashable], np.ndarray, np.ndarray], None]
BUDGET_BYTES = 256 * 2**20  # per data set; a batch needing more distinct rows gets a matrix of its own
TOTAL_BYTES = 512 * 2**20  # all data sets of a process (walk-forward windows): least recently used go first


class RowStore:
    """One data set's kept rows: a (capacity x bars) matrix allocated lazily (untouched pages cost no
    memory) and an LRU index key -> row. Callers hold `lock` while they use the matrix."""

    def __init__(self, n_bars: int, budget_bytes: int = BUDGET_BYTES) -> None:
        self.n_bars = n_bars
        self.capacity = max(1, budget_bytes // max(8 * n_bars, 1))
        self.matrix: np.ndarray | None = None
        self.index: OrderedDict[Hashable, int] = OrderedDict()
        self.lock = threading.Lock()

    @property
    def kept_bytes(self) -> int:
        return len(self.index) * self.n_bars * 8

    def clear(self) -> None:
        self.matrix = None
        self.index.clear()

    def table(self, keys: Sequence[Hashable], make: Callable[[Hashable], np.ndarray],
              make_rows: MakeRows | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(matrix, row of each key) with every key's row computed by `make(key)` unless kept; or, for
        the rows that fit the store's free rows, by `make_rows(keys, matrix, rows)`, which fills
        matrix[rows[i]] for keys[i] (all at once: in parallel)."""
        distinct = list(dict.fromkeys(keys))
        if len(distinct) > self.capacity:
            own = np.empty((len(distinct), self.n_bars))
            if make_rows is not None:
                make_rows(distinct, own, np.arange(len(distinct), dtype=np.int64))
            else:
                for i, key in enumerate(distinct):
                    own[i] = make(key)
            where = {key: i for i, key in enumerate(distinct)}
            return own, np.array([where[k] for k in keys], dtype=np.int64)
        if self.matrix is None:
            self.matrix = np.empty((self.capacity, self.n_bars))
        for key in distinct:
            if key in self.index:
                self.index.move_to_end(key)
        missing = [key for key in distinct if key not in self.index]
        if make_rows is not None and missing:
            fresh = missing[: self.capacity - len(self.index)]  # rows no key uses: a failure changes nothing
            rows = np.arange(len(self.index), len(self.index) + len(fresh), dtype=np.int64)
            make_rows(fresh, self.matrix, rows)
            self.index.update(zip(fresh, rows.tolist(), strict=True))
            missing = missing[len(fresh):]
        wanted = set(distinct)
        for key in missing:
            values = make(key)  # before any change: a failing `make` leaves the store as it was
            if len(self.index) < self.capacity:
                row = len(self.index)
            else:  # evict the least recently used row this batch does not need
                old = next(k for k in self.index if k not in wanted)
                row = self.index.pop(old)
            self.matrix[row] = values
            self.index[key] = row
        return self.matrix, np.array([self.index[k] for k in keys], dtype=np.int64)


_STORES: OrderedDict[int, RowStore] = OrderedDict()  # by id of the data's bars, last used last; dropped
_STORES_LOCK = threading.Lock()                        # when the bars die


def _make_room(store: RowStore, new_rows: int) -> None:
    """Clear the least recently used other data sets' rows while all kept rows would pass TOTAL_BYTES
    (a data set whose rows are in use right now is skipped)."""
    need = new_rows * store.n_bars * 8
    for other in list(_STORES.values()):
        if sum(s.kept_bytes for s in _STORES.values()) + need <= TOTAL_BYTES:
            return
        if other is not store and other.lock.acquire(blocking=False):
            try:
                other.clear()
            finally:
                other.lock.release()


@contextmanager
def indicator_table(data: SimData, keys: Sequence[Hashable], make: Callable[[Hashable], np.ndarray],
                    make_rows: MakeRows | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Rows for `keys` (hashable, naming the indicator and its parameters) over `data`'s bars, kept
    for later batches on the same bars: yields (matrix, row index of each key); the rows stay as they
    are until the block ends (a concurrent batch on the same bars waits). Data sets that share their
    bar arrays (the same bars under another account vector) share their rows."""
    bars = data.tf_close
    with _STORES_LOCK:
        store = _STORES.get(id(bars))
        if store is None:
            store = _STORES[id(bars)] = RowStore(len(bars))
            weakref.finalize(bars, _STORES.pop, id(bars), None)
        _STORES.move_to_end(id(bars))
        _make_room(store, len(set(keys) - set(store.index)))
    with store.lock:
        yield store.table(keys, make, make_rows)


def forget_rows() -> None:
    """Drop every kept row (benchmarks measure batches that compute their rows)."""
    with _STORES_LOCK:
        _STORES.clear()
