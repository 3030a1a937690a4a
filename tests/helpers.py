"""What several test files share: the repository root, the chapter notebooks and their cells,
small synthetic data sets and the Richardson-extrapolated numerical gradient. Importable from
every test folder (``pythonpath`` in pyproject.toml's pytest section puts tests/ on the path)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

import numpy as np

from nndl_lib.gradcheck import numerical_gradient
from nndl_lib.grading.notebook_cells import cell_source

__all__ = ["ROOT", "CHAPTERS", "read_notebook", "cells_of", "text_of", "labelled_data", "blobs",
           "H", "numgrad", "tree", "free_port"]

#: The repository root (where _config.yml lives).
ROOT = Path(__file__).resolve().parents[1]
#: Every page of the book's chapters folder (chapters 1-6, the foundations page, the appendix).
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def read_notebook(path: Path) -> dict:
    """The notebook at ``path`` as its nbformat JSON."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cells_of(path: Path, kind: str | None = None) -> list[dict]:
    """The cells of the notebook at ``path``; with ``kind`` ("code", "markdown") only those."""
    return [c for c in read_notebook(path)["cells"] if kind is None or c["cell_type"] == kind]


def text_of(path: Path, kind: str) -> str:
    """The source of the notebook's ``kind`` cells, one cell after another."""
    return "\n".join(cell_source(c) for c in cells_of(path, kind))


def labelled_data(n: int, n_in: int, n_out: int, seed: int = 0,
                  uniform: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random inputs ``(n, n_in)`` (standard normal, or uniform in [0, 1) with
    ``uniform``) and integer labels in ``[0, n_out)``: data with nothing to learn."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_in)) if uniform else rng.normal(size=(n, n_in))
    return x, rng.integers(0, n_out, size=n)


def blobs(n: int, n_in: int = 20, n_classes: int = 3, seed: int = 0,
          spread: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 points around one random centre per class (normal noise of std ``spread``):
    an easy, separable problem."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(n_classes, n_in))
    y = rng.integers(0, n_classes, size=n)
    x = (centres[y] + spread * rng.normal(size=(n, n_in))).astype(np.float32)
    return x, y


H = 1e-3  # finite-difference step; Richardson extrapolation removes the O(H^2) error


def numgrad(f, x: np.ndarray) -> np.ndarray:
    """Centred differences at steps H and 2H combined by Richardson extrapolation,
    (4 g(H) − g(2H)) / 3, which cancels the O(H²) truncation error (what is left is O(H⁴) ≈ 1e-12).
    The larger step keeps rounding noise (≈ 1e-16·|f|/H) far below 1e-7 relative even for gradient
    entries of size 1e-5 (saturated softmax outputs). Inputs are kept > 2H·|w| away from ReLU kinks
    and max-pool ties."""
    return (4 * numerical_gradient(f, x, h=H) - numerical_gradient(f, x, h=2 * H)) / 3


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Every file below ``folder`` whose relative path does not start with one of ``skip``, not
    following links: ``(sha256, size, mode)``, or ``("link", target)``. Two equal trees hold
    byte-identical files."""
    out: dict[str, tuple] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if rel.startswith(skip):
            continue
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_file():
            st = path.lstat()
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mode)
    return out


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
