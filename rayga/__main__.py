"""`python -m rayga` runs the command line."""

from rayga.cli import run

run()
