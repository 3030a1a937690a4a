"""Run the chapters' FULL configuration (the book's real experiments): `make full`.

Each chapter notebook is executed with NNDL_FULL=1 into _build/full/<name>.ipynb (outputs kept
there, never in chapters/). This is deliberately separate from the book build: the execution
cache keys on notebook source only, and a full run (about 40 minutes for chapters 1-3 on 2
cores) has cells far beyond the book's 300 s cell timeout.

    python tools/run_full.py                 # every chapter
    python tools/run_full.py ch01 ch03       # chapters whose file name starts with these
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "full"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="chapter file-name prefixes (default: all)")
    parser.add_argument("--cell-timeout", type=int, default=-1,
                        help="seconds per cell (default: none)")
    args = parser.parse_args(argv)

    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    if args.prefixes:
        notebooks = [nb for nb in notebooks if nb.name.startswith(tuple(args.prefixes))]
    if not notebooks:
        print(f"no chapter matches {args.prefixes}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NNDL_FULL="1")
    env.pop("MPLBACKEND", None)  # kernels need the inline backend to keep figures
    jupyter = Path(sys.executable).with_name("jupyter")
    failed = []
    for nb in notebooks:
        print(f"[full] {nb.name} ...", flush=True)
        start = time.perf_counter()
        cmd = [str(jupyter), "nbconvert", "--to", "notebook", "--execute", str(nb),
               "--output-dir", str(OUT), f"--ExecutePreprocessor.timeout={args.cell_timeout}"]
        rc = subprocess.run(cmd, env=env, cwd=ROOT / "chapters").returncode
        took = time.perf_counter() - start
        print(f"[full] {nb.name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {took:.0f} s")
        if rc:
            failed.append(nb.name)
    print(f"[full] executed notebooks are in {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
