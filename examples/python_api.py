# %% [markdown]
# rayga from Python, cell by cell (run as a script or open in an editor that understands `# %%` cells).
# The same optimization as `rayga optimize`, with its results as a pandas DataFrame.

# %%
from pathlib import Path

from rayga.config import load_config
from rayga.runner import apply_sets
from rayga.tuning import RunOptions, optimize

root = Path(__file__).resolve().parent
real = (root.parent.parent / "shared" / "data" / "EURUSD").is_dir()
config = load_config(root / "eurusd_ma_cross.toml") if real else load_config(None)
if not real:  # the embedded synthetic default has single values: give two parameters a range
    config = apply_sets(config, ['fast={"start": 5, "step": 5, "stop": 50}',
                                 'slow={"start": 20, "step": 10, "stop": 200}'])

# %%
run = optimize(config, RunOptions(workers=2, out=Path("rayga_runs"), progress=False))
print(run.summary["best"])

# %% the MT5 table: sort and filter like the Strategy Tester's optimization results
table = run.results
profitable = table[(table["profit"] > 0) & (table["recovery_factor"] >= 1) & (table["equity_dd_rel_pct"] < 50)]
print(profitable.sort_values("result", ascending=False).head(10)[["pass", "result", "profit", "total_trades",
                                                                  "profit_factor", "fast", "slow"]])

# %% convergence per generation
print(table.groupby("generation")["result"].agg(["max", "median", "count"]))
