"""Shared fixtures: the real data in ../shared (required in CI, skipped with a reason elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RAYGA_SHARED", REPO.parent / "shared"))


def need_shared(*parts: str) -> Path:
    """Path inside ../shared; fails loudly in CI when missing, skips with a reason elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing (real data lives in ../shared beside the repository)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def eurusd_dir() -> Path:
    return need_shared("data", "EURUSD")


@pytest.fixture(scope="session")
def mt5_like_csv() -> Path:
    return need_shared("data", "mt5-like", "EURUSD_M1_2018-06.csv")


@pytest.fixture(scope="session")
def eurusd_m1(eurusd_dir: Path):
    """All four real EURUSD years as M1Bars (loaded once per session)."""
    from rayga.data.load import read_files

    return read_files(sorted(eurusd_dir.glob("EURUSD_M1_*.parquet")), "EURUSD")
