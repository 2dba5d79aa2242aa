#!/usr/bin/env bash
# An optimization interrupted (Ctrl-C) and run again: the second command resumes from the stored batches
# and ends with the same results as an uninterrupted run, pass for pass; a third answers at once.
set -u
cd "$(dirname "$0")/.."
out=rayga_runs/resume_example
config=examples/eurusd_ma_cross.toml
[ -d ../shared/data/EURUSD ] || config="--set fast={\"start\":5,\"step\":5,\"stop\":50}"   # no real data: synthetic
rm -rf "$out"
rayga optimize $config --out "$out" --quiet > /dev/null 2>&1 &
run=$!
until [ "$(ls "$out"/*/batches/*.parquet 2>/dev/null | wc -l)" -ge 4 ]; do sleep 0.2; done
kill -INT "$run"; wait "$run"                      # Ctrl-C after four batches
rayga status "$out"                                # "stopped (run the same command again to resume)"
rayga optimize $config --out "$out" --quiet | grep -E "resuming|search:|best"
rayga optimize $config --out "$out" --quiet | grep -E "finished earlier"
