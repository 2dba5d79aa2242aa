#!/usr/bin/env bash
# A local run on this machine: Ray starts here with one evaluator per CPU, stops at the end; the run folder
# goes under rayga_runs/ (real EURUSD beside the repository, else the embedded synthetic data).
set -eu
cd "$(dirname "$0")/.."
if [ -d ../shared/data/EURUSD ]; then
    rayga optimize examples/eurusd_ma_cross.toml --out rayga_runs
else
    rayga optimize --set 'fast={"start": 5, "step": 5, "stop": 50}' --set 'slow={"start": 20, "step": 10, "stop": 200}' \
        --out rayga_runs
fi
rayga status rayga_runs
