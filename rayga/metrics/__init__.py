"""Per-pass metrics: MT5 report figures (computed in the simulation kernels) and the Complex Criterion."""

from rayga.metrics.complex import complex_criterion
from rayga.sim.enums import METRICS

__all__ = ["METRICS", "complex_criterion"]
