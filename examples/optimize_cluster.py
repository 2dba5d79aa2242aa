"""Run an optimization on the Ray cluster this script is submitted to:

    ray submit clusters/aws.yaml examples/optimize_cluster.py -- --config rayga/examples/eurusd_ma_cross.toml

`ray submit` runs it on the head node, where the driver joins the cluster (`--address auto`): the data
is put into the object store once, one evaluator per worker CPU evaluates the generations, and the run
folder under --out (on the head) holds every pass. Submitting the same command again after an
interruption (preempted head, lost SSH session) resumes from that folder; a finished run answers at once.
"""

import argparse
import sys

from rayga.cli import main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--config", default="rayga/examples/eurusd_ma_cross.toml", help="rayga TOML config on the head")
parser.add_argument("--out", default="rayga_runs", help="root of the run folders on the head")
args, rest = parser.parse_known_args()
sys.exit(main(["optimize", args.config, "--address", "auto", "--out", args.out, *rest]))
