"""The measured spread of the fast tier: where each fast row's expected value and band come from.

A fast row is a short run; in float32 its outcome can hang on the last bits of a sum, and those
depend on which OpenBLAS kernel the CPU picks (:mod:`nndl_lib.reproduction.blas_kernels`). So a
value recorded from one run on one machine is not an expected value. This module measures every
fast row under several kernels and over more seeds than CI runs, and proposes the row's
``expected`` and ``band`` by one rule (below). ``reproduction/fast-spread.json`` keeps the
measurement; the unit tests check that every row of ``experiments.toml`` still matches its
measured configuration and that its band covers the spread, and the runner prints the measured
range beside a fast row that fails.

The rule, for a row whose CI compares the ``compare`` ("mean" or "best") of its first ``n`` seeds:

- ``S_k``: that number on kernel k, computed from the measured runs of seeds 0..n-1;
- ``expected``: the mean of ``S_k`` over the kernels measured;
- the row is *chaotic* when one seed's run ends differently on two kernels (by more than
  ``CHAOS`` pp): then a kernel not measured here may move each run as much as a new seed does;
- ``sigma``: the standard deviation of one run's value over every run measured (all seeds, all
  kernels); the compared number's own spread is ``sigma / sqrt(n)`` for "mean" and ``sigma``
  for "best" (a conservative bound);
- ``band`` = max(floor, 1.5 x max_k |S_k - expected|), and for a chaotic row at least 3 x the
  compared number's spread; rounded up to 0.1 pp (or 0.01 of a relative band). Floors: 1 pp,
  or 5% for the gradient norms. A chaotic row whose band would pass a net that does not learn
  needs another fast configuration (more images, more seeds), not a wider band.

Measure (about 25 minutes on 2 cores for three kernels)::

    python -m nndl_lib.reproduction.fast_spread --measure own:6 Sandybridge:3 Nehalem:3
    python -m nndl_lib.reproduction.fast_spread --from-ledgers OTHER-MACHINE/*.json ...

Each measurement is a fast ledger per kernel under ``_build/reproduction/spread/``; the summary
(``--write``) goes to ``reproduction/fast-spread.json``, and ``--toml`` writes each row's proposed
``expected`` and ``band`` into its ``fast`` entry in ``experiments.toml``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nndl_lib.reproduction.ledger import ROOT, read_ledger

__all__ = ["SPREAD_PATH", "TRAINED", "load_spread", "summarize", "propose", "measure",
           "apply_to_table", "chaotic", "describe", "main"]

#: The committed measurement.
SPREAD_PATH = ROOT / "reproduction" / "fast-spread.json"
#: Where ``--measure`` writes one fast ledger per kernel.
MEASURE_DIR = ROOT / "_build" / "reproduction" / "spread"
#: Measures whose value comes out of a training run (chaotic in the last bits).
TRAINED = ("max", "final", "at_epoch", "test_at_best", "ensemble")
#: Band floors: percentage points, or a fraction for relative bands.
FLOOR = {"absolute": 1.0, "relative": 0.05}
KERNEL_MARGIN = 1.5
#: A run that ends more than this many points apart on two kernels makes its row chaotic.
CHAOS = 0.1
SIGMA_MARGIN = 3.0


def _round_up(x: float, step: float) -> float:
    return round(math.ceil(x / step - 1e-9) * step, 6)


def _round_expected(x: float, unit: str) -> float:
    return round(x, 2) if unit == "%" else float(f"{x:.4g}")


def ci_seeds(key: str) -> int:
    """How many seeds (0, 1, ...) the fast tier runs for ``key`` in CI."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    return EXPERIMENTS[key].seeds_at("fast")


def propose(experiment: Any, runs: Mapping[str, Mapping[int, float]]) -> dict[str, Any]:
    """The spread of one row and its proposed expected value and band.

    runs: ``{kernel: {seed: value}}``, each kernel holding at least the CI's seeds.
    """
    n = ci_seeds(experiment.key)
    compare = experiment.compare_at("fast")
    stat = {}
    for kernel, by_seed in runs.items():
        values = [by_seed[s] for s in range(n) if s in by_seed]
        if len(values) < n:
            raise ValueError(f"{experiment.key}: kernel {kernel} has seeds {sorted(by_seed)}; "
                             f"the fast tier runs seeds 0..{n - 1}")
        stat[kernel] = max(values) if compare == "best" else sum(values) / n
    expected = sum(stat.values()) / len(stat)
    kernel_dev = max(abs(v - expected) for v in stat.values())
    every = [v for by_seed in runs.values() for v in by_seed.values()]
    mean = sum(every) / len(every)
    sigma = math.sqrt(sum((v - mean) ** 2 for v in every) / max(1, len(every) - 1))
    trained = experiment.measure in TRAINED
    seeds = set.intersection(*(set(r) for r in runs.values()))
    moved = max((max(r[s] for r in runs.values()) - min(r[s] for r in runs.values())
                 for s in seeds), default=0.0)
    chaotic = trained and moved > CHAOS
    spread = (sigma if compare == "best" else sigma / math.sqrt(n)) if chaotic else 0.0
    kind = experiment.band_kind
    scale = 1.0 if kind == "absolute" else abs(expected)
    need = max(KERNEL_MARGIN * kernel_dev, SIGMA_MARGIN * spread) / (scale or 1.0)
    band = _round_up(max(FLOOR[kind], need), 0.1 if kind == "absolute" else 0.01)
    return {
        "compare": compare, "ci_seeds": n, "trained": trained, "chaotic": chaotic,
        "kernel_moved_one_run": round(moved, 6),
        "ci_value": {k: round(v, 6) for k, v in stat.items()},
        "kernel_deviation": round(kernel_dev, 6), "sigma_one_run": round(sigma, 6),
        "sigma_compared": round(spread, 6),
        "expected": _round_expected(expected, experiment.unit), "band": band,
        "band_kind": kind,
    }


def summarize(ledgers: Sequence[str | Path]) -> dict[str, Any]:
    """The spread file's content from fast ledgers (one or more per kernel; runs are grouped
    by the kernel each run's environment recorded)."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    runs: dict[str, dict[str, dict[int, float]]] = {}
    kernels: dict[str, dict[str, Any]] = {}
    for path in ledgers:
        for row in read_ledger(path, "fast"):
            key = row["id"]
            if key not in EXPERIMENTS:
                continue
            signature = EXPERIMENTS[key].signature("fast")
            for run in row["runs"]:
                if run.get("signature") != signature:
                    continue
                env = run.get("environment") or {}
                kernel = env.get("blas_kernel") or "unknown"
                runs.setdefault(key, {}).setdefault(kernel, {})[int(run["seed"])] = float(
                    run["value"])
                kernels.setdefault(kernel, {
                    "numpy": env.get("numpy"), "blas": env.get("blas"),
                    "openblas_coretype": env.get("openblas_coretype"),
                    "machine": env.get("machine"), "cpu": env.get("cpu")})
    rows = {}
    for key, experiment in EXPERIMENTS.items():
        n = ci_seeds(key)
        for kernel in [k for k, r in runs.get(key, {}).items() if not set(range(n)) <= set(r)]:
            print(f"note: {key} under {kernel} lacks some of seeds 0..{n - 1}; left out",
                  file=sys.stderr)
            del runs[key][kernel]
        if not runs.get(key):
            continue
        rows[key] = {"signature": experiment.signature("fast"),
                     "runs": {k: {str(s): v for s, v in sorted(r.items())}
                              for k, r in sorted(runs[key].items())},
                     **propose(experiment, runs[key])}
    return {
        "about": "The fast tier measured under several OpenBLAS kernels and seeds; each row's "
                 "expected value and band in experiments.toml follow from it by the rule in "
                 "nndl_lib/reproduction/fast_spread.py. Re-measure with python -m "
                 "nndl_lib.reproduction.fast_spread --measure ... --write after changing a fast "
                 "configuration.",
        "measured": datetime.now(UTC).date().isoformat(),
        "rule": {"kernel_margin": KERNEL_MARGIN, "sigma_margin": SIGMA_MARGIN, "floor": FLOOR,
                 "chaos": CHAOS},
        "kernels": kernels, "rows": rows,
    }


def apply_to_table(spread: Mapping[str, Any], table: Path | None = None) -> list[str]:
    """Write each measured row's proposed ``expected`` and ``band`` into the ``fast`` entry of
    its row in ``experiments.toml`` (the rest of the file is kept as it is); return the keys
    changed."""
    import re

    from nndl_lib.reference_values import EXPERIMENT_TABLE

    table = Path(table or EXPERIMENT_TABLE)
    text = table.read_text(encoding="utf-8")
    blocks = text.split("[[experiment]]")
    changed = []
    for i, block in enumerate(blocks):
        key = re.search(r'^key = "([^"]+)"', block, re.M)
        row = spread["rows"].get(key.group(1)) if key else None
        if row is None:
            continue
        values = f"expected = {float(row['expected'])!r}, band = {float(row['band'])!r}"
        new = re.sub(r"^(fast = \{.*)\bexpected = [^,}\s]+, band = [^,}\s]+",
                     lambda m, values=values: m.group(1) + values, block, count=1, flags=re.M)
        if new == block and values not in block:
            raise ValueError(f"{key.group(1)}: no 'fast = {{... expected = E, band = B}}' line "
                             f"in {table} to update")
        if new != block:
            blocks[i] = new
            changed.append(key.group(1))
    table.write_text("[[experiment]]".join(blocks), encoding="utf-8")
    return changed


def load_spread(path: str | Path = SPREAD_PATH) -> dict[str, Any] | None:
    """The committed measurement, or None when there is none."""
    path = Path(path)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def chaotic(keys: Sequence[str]) -> list[str]:
    """The rows of ``keys`` that the committed spread measurement marks chaotic."""
    spread = load_spread()
    if spread is None:
        raise SystemExit(f"--chaotic needs {SPREAD_PATH} (python -m "
                         "nndl_lib.reproduction.fast_spread --measure ... --write)")
    return [k for k in keys if spread["rows"].get(k, {}).get("chaotic")]


def describe(key: str) -> str:
    """What the committed spread measurement says of fast row ``key`` (for a failing row)."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    spread = load_spread()
    row = (spread or {}).get("rows", {}).get(key)
    if row is None:
        return f"    {key}: not in {SPREAD_PATH.name}; no measured spread to compare with"
    stale = row["signature"] != EXPERIMENTS[key].signature("fast")
    per = ", ".join(f"{k} {v:.4g}" for k, v in row["ci_value"].items())
    return (f"    measured ({spread['measured']}): {per}; one run's spread over seeds "
            f"{row['sigma_one_run']:.3g}" + (" (its configuration has changed since)"
                                              if stale else ""))


def measure(kernels: Sequence[str], workers: int, out: Path = MEASURE_DIR) -> list[Path]:
    """Run the fast tier once per ``KERNEL[:SEEDS]`` (e.g. "Haswell:6"; "own" for the CPU's
    choice) into ``out/<kernel>.json``; return the ledgers written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in kernels:
        kernel, _, seeds = item.partition(":")
        path = out / f"{kernel}.json"
        command = [sys.executable, "-m", "nndl_lib.reproduce", "--tier", "fast", "--fresh",
                   "--workers", str(workers), "--threads", "1", "--ledger", str(path)]
        if seeds:
            command += ["--seeds", seeds]
        if kernel != "own":
            command += ["--blas-kernel", kernel]
        print("$", " ".join(command), flush=True)
        code = subprocess.run(command, cwd=ROOT).returncode
        if code not in (0, 1):  # 1: rows outside their (old) bands, expected while measuring
            raise SystemExit(f"the fast tier under {kernel} failed (exit {code})")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nndl_lib.reproduction.fast_spread",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--measure", nargs="+", metavar="KERNEL[:SEEDS]",
                        help="run the fast tier under each kernel (with SEEDS seeds per row)")
    parser.add_argument("--from-ledgers", nargs="+", type=Path, default=[], metavar="FILE",
                        help="fast ledgers measured earlier (or on other machines) to include")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help=f"write {SPREAD_PATH.name}")
    parser.add_argument("--toml", action="store_true",
                        help="write each row's proposed expected and band into experiments.toml")
    args = parser.parse_args(argv)
    ledgers = list(args.from_ledgers)
    if args.measure:
        ledgers += measure(args.measure, args.workers)
    if not ledgers:
        parser.error("nothing to summarise: give --measure or --from-ledgers")
    spread = summarize(ledgers)
    spread["machine"] = f"{platform.system()} {platform.machine()}"
    print(f"{'row':<28} {'kernels':>8} {'expected':>9} {'band':>6} {'moved':>6} {'σ(cmp)':>8}"
          "  per kernel")
    for key, row in spread["rows"].items():
        per = ", ".join(f"{k} {v:.4g}" for k, v in row["ci_value"].items())
        print(f"{key:<28} {len(row['runs']):>8} {row['expected']:>9.4g} {row['band']:>6g} "
              f"{row['kernel_moved_one_run']:>6.3g} {row['sigma_compared']:>8.3g}  {per}")
    if args.write:
        SPREAD_PATH.write_text(json.dumps(spread, indent=1, sort_keys=False) + "\n",
                               encoding="utf-8")
        print(f"wrote {SPREAD_PATH}")
    if args.toml:
        changed = apply_to_table(spread)
        print(f"experiments.toml: {len(changed)} rows' fast expected value and band updated"
              + (f" ({', '.join(changed)})" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
