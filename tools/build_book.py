"""Build the book: execute every chapter (fast configuration, cached) and write _build/html.

Used by `make book`. Fails on any Sphinx warning (-W). Prints the page to open at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(root: Path = ROOT) -> Path:
    """Run jupyter-book on ``root`` and return the path of the built index.html."""
    env = dict(os.environ)
    env.pop("NNDL_FULL", None)  # the book always shows the fast configuration
    env.pop("MPLBACKEND", None)  # kernels must use the inline backend, or figures vanish
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(root), "-W", "-n", "--keep-going"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=root, env=env, check=True)
    index = root / "_build" / "html" / "index.html"
    if not index.is_file():
        raise SystemExit(f"build finished but {index} is missing")
    print(f"\nBook built in {time.perf_counter() - start:.0f} s. Open:\n  {index}")
    return index


if __name__ == "__main__":
    try:
        build()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"jupyter-book failed (exit {exc.returncode}); see the messages above.")
