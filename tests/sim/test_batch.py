"""Batch evaluation: parallel equals serial, batch splits do not matter, undefined ratios are defined."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from rayga.data.load import load_market_data
from rayga.errors import ConfigError
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.enums import METRICS
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross


@pytest.fixture(scope="module")
def data():
    md = load_market_data("synthetic", "EURUSD", "2022-01-01", "2022-07-01", "M15")
    return prepare(md, AccountConfig())


def genomes(n, seed=0):
    rng = np.random.default_rng(seed)
    fast = rng.integers(3, 30, n)
    return np.column_stack([fast, fast + rng.integers(2, 90, n), rng.integers(0, 8, n) * 100.0,
                            rng.integers(0, 8, n) * 150.0]).astype(float)


def test_parallel_equals_serial_and_batch_split(data):
    g = genomes(64)
    threads = numba.get_num_threads()
    parallel = evaluate(data, MACross(), g)
    numba.set_num_threads(1)
    try:
        serial = evaluate(data, MACross(), g)
    finally:
        numba.set_num_threads(threads)
    split = np.vstack([evaluate(data, MACross(), g[i:i + 7]).to_numpy() for i in range(0, 64, 7)])
    np.testing.assert_array_equal(parallel.to_numpy(), serial.to_numpy())
    np.testing.assert_array_equal(parallel.to_numpy(), split)


def test_batch_order_changes_no_figure(data):
    """Batches run sorted by parameters (neighbours share indicator rows); rows come back in the given
    order, duplicates included, identical to passes run one by one."""
    g = genomes(40, seed=3)
    g = np.vstack([g, g[5], g[17]])  # duplicates
    perm = np.random.default_rng(1).permutation(len(g))
    table = evaluate(data, MACross(), g)
    shuffled = evaluate(data, MACross(), g[perm])
    np.testing.assert_array_equal(shuffled.to_numpy(), table.to_numpy()[perm])
    one_by_one = np.vstack([evaluate(data, MACross(), row[None, :]).to_numpy() for row in g[:6]])
    np.testing.assert_array_equal(table.to_numpy()[:6], one_by_one)


def test_no_trades_gives_defined_values(data):
    table = evaluate(data, MACross(), np.array([[20_000.0, 30_000.0, 0.0, 0.0]]))  # averages never defined
    row = table.iloc[0]
    assert row["total_trades"] == 0
    for name in METRICS:
        assert np.isfinite(row[name]), name
    assert row["profit"] == 0 and row["profit_factor"] == 0 and row["sharpe_ratio"] == 0
    assert row["complex_criterion"] == 0 and row["recovery_factor"] == 0


def test_genome_errors_name_the_genome(data):
    with pytest.raises(ConfigError, match=r"`fast` must be below `slow` \(genome 1: fast=30"):
        evaluate(data, MACross(), np.array([[5.0, 10.0, 0.0, 0.0], [30.0, 10.0, 0.0, 0.0]]))
    with pytest.raises(ConfigError, match="genomes have 3 values each"):
        evaluate(data, MACross(), np.zeros((2, 3)))


PRUNED = '''
import json
from rayga.data.load import load_market_data
from rayga.sim import _nb_manage, _nb_orders
from rayga.sim._nb_loop import simulate_nb, trail_to_nb
from rayga.sim.account import AccountConfig
from rayga.sim.engine import evaluate
from rayga.sim.prepared import prepare
from rayga.strategies.ma_cross import MACross
data = prepare(load_market_data("synthetic", "EURUSD", "2022-01-03", "2022-02-01", "M15"), AccountConfig())
evaluate(data, MACross(), MACross().genome({})[None, :])
print(json.dumps({f.__name__: len(f.signatures) for f in (
    simulate_nb, _nb_orders.place_orders_nb, _nb_orders.orders_bar_nb, _nb_orders.next_flat_event_nb, trail_to_nb,
    _nb_manage.lots_nb, _nb_manage.manage_nb, _nb_manage.allowed_nb)}))
'''


def test_a_plain_batch_compiles_no_order_or_management_code(tmp_path):
    """A batch of a rule that places no pending order and trails to no level of its own, with no management gene
    on, is compiled without that code (`orders`, `mg` None): cold, in a fresh process and an empty disk cache,
    none of those kernels is compiled (a cold compile that much shorter)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", PRUNED], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    compiled = json.loads(proc.stdout.strip().splitlines()[-1])
    assert compiled.pop("simulate_nb") == 1
    assert compiled == dict.fromkeys(compiled, 0)
