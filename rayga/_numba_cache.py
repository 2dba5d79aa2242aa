"""A Numba cache directory per version of rayga's kernels.

Numba checks a cached kernel only against its own source file, not the kernels it calls, so a cache
left by another version of rayga could serve stale machine code. Kernels are cached under a folder
named by a hash of every kernel module (and the Numba version): a change anywhere starts a fresh
cache. The base folder is $NUMBA_CACHE_DIR when set (clusters set a writable one), else
~/.cache/rayga/numba.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def kernel_fingerprint() -> str:
    import numba

    digest = hashlib.sha256(numba.__version__.encode())
    for path in sorted(PACKAGE.rglob("_nb*.py")) + sorted(PACKAGE.rglob("enums.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def configure() -> str:
    """Point Numba's cache at this kernel version's folder; returns the folder."""
    import numba

    base = os.environ.get("NUMBA_CACHE_DIR") or str(Path.home() / ".cache" / "rayga" / "numba")
    folder = os.path.join(base, f"rayga-{kernel_fingerprint()}")
    numba.config.CACHE_DIR = folder
    return folder
