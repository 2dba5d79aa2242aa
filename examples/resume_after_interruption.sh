#!/usr/bin/env bash
# An optimization interrupted and run again: the second command resumes from the stored batches and ends
# with the same results as an uninterrupted run (pass for pass); a third answers at once from the results.
set -u
cd "$(dirname "$0")/.."
config=examples/eurusd_ma_cross.toml
[ -d ../shared/data/EURUSD ] || config=""        # no real data here: the embedded synthetic default
timeout -s INT 25 rayga optimize $config --out rayga_runs/resume_example --quiet   # stopped part-way (Ctrl-C)
rayga status rayga_runs/resume_example
rayga optimize $config --out rayga_runs/resume_example --quiet | head -3           # "resuming run ...: N passes already stored"
rayga optimize $config --out rayga_runs/resume_example --quiet | head -3           # "finished earlier: answering from ..."
