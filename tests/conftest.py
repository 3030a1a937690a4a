"""Shared test configuration: headless plotting, one BLAS thread, paths of the project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
from helpers import ROOT  # noqa: E402  (after the environment: it imports NumPy)


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (where _config.yml lives)."""
    return ROOT


def _chromium() -> str | None:
    candidates = [os.environ.get("NNDL_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """The Chromium the browser tests drive (skips without one; fails under CI)."""
    path = _chromium()
    if path is None:
        message = "Chromium not found: run `make test` as root (apt-get) or set NNDL_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
