"""Kernel-only modules (`_nb.py`) import nothing but numpy, numba, vectorbt's Numba modules and other kernels."""

from __future__ import annotations

import ast
import re
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


def test_vectorbts_stop_rules_are_not_in_the_production_loop():
    """`stop_mode = "vectorbt"` runs its own simulator (`sim/_nb_vbt.py`); the bar loop, its quiet stretches and
    the tick walk know only MT5's rules."""
    for name in ("_nb_loop.py", "_nb_quiet.py", "_nb.py"):
        text = (PACKAGE / "sim" / name).read_text()
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert "vbt" not in code and "VECTORBT" not in code, name


def test_no_kernel_function_is_over_80_lines():
    kernels = sorted(PACKAGE.rglob("_nb.py")) + sorted(PACKAGE.rglob("_nb_*.py"))
    for path in kernels:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                lines = node.end_lineno - node.lineno + 1
                assert lines <= 80, f"{path.relative_to(PACKAGE.parent)}: {node.name} has {lines} lines"


def test_the_per_tick_reference_imports_no_simulator_kernel():
    """It shares no code with the kernels it checks: from rayga it reads the slot numbers and constants only."""
    names = imported(PACKAGE / "sim" / "_nb_reference.py")
    ours = {n for n in names if n.startswith("rayga")}
    assert ours == {"rayga.sim._nb_state", "rayga.sim.enums"}, ours


def _compiled_functions(kernels: list[Path]) -> dict[str, bool]:
    """name -> inlined, of every @njit function of the kernel modules."""
    found = {}
    for path in kernels:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for dec in node.decorator_list:
                    if isinstance(dec, ast.Call) and getattr(dec.func, "id", "") == "njit":
                        found[node.name] = any(k.arg == "inline" for k in dec.keywords)
    return found


def _literal(arg: ast.expr) -> bool:
    """An argument Numba types as its literal value: an int or bool constant, or a module constant by name."""
    if isinstance(arg, ast.UnaryOp):
        return _literal(arg.operand)
    if isinstance(arg, ast.Constant):
        return isinstance(arg.value, (bool, int))
    name = arg.id if isinstance(arg, ast.Name) else arg.attr if isinstance(arg, ast.Attribute) else ""
    return re.fullmatch(r"[A-Z][A-Z0-9_]+", name) is not None


def test_no_called_kernel_is_passed_a_constant():
    """A called (not inlined) kernel given a constant is compiled once per constant's value (Numba types
    it as a literal): each deal reason compiled `close_nb` again, seven copies in one backtest's compile.
    Such arguments go through np.int64()."""
    kernels = sorted(PACKAGE.rglob("_nb.py")) + sorted(PACKAGE.rglob("_nb_*.py"))
    functions = _compiled_functions(kernels)
    assert functions.get("close_nb") is False, "close_nb is a called kernel"
    for path in kernels:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and functions.get(node.func.id) is False:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    assert not _literal(arg), (f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.func.id} "
                                               f"is passed the constant {ast.unparse(arg)}: pass np.int64(...)")
