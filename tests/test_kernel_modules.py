"""Kernel-only modules (`_nb.py`) import nothing but numpy, numba, vectorbt's Numba modules and other kernels."""

from __future__ import annotations

import ast
from pathlib import Path

ALLOWED = ("numpy", "numba", "math", "vectorbt.generic.nb", "vectorbt.portfolio.nb", "vectorbt.returns.nb",
           "vectorbt.indicators.nb", "vectorbt.portfolio.enums", "vectorbt.generic.enums", "llvmlite")
PACKAGE = Path(__file__).resolve().parents[1] / "rayga"


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module in ("rayga.sim", "rayga.data", "rayga.strategies"):
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_kernel_modules_import_only_kernels():
    kernels = sorted(PACKAGE.rglob("_nb.py")) + sorted(PACKAGE.rglob("_nb_*.py"))
    assert kernels, "no kernel modules found"
    for path in kernels:
        for name in imported(path):
            ok = name.startswith(ALLOWED) or name.endswith(("._nb", ".enums")) or "._nb_" in name
            assert ok, f"{path.relative_to(PACKAGE.parent)} imports {name}"
