"""`python -m rayga` runs the command line."""

import sys

from rayga.cli import main

sys.exit(main())
