"""Shared helpers for the benchmark scripts: threads, timing, tables, JSON, machine facts.

Benchmarks are scripts, not tests: run them as ``python benchmarks/<script>.py`` (the script's
folder is then on ``sys.path``, so they import this module as ``import common`` /
``from common import ...``). Each script compares implementations in ONE process, prints a table
of seconds and ratios against its targets, states the thread count, and writes
``benchmarks/results/<name>.json`` (a git-ignored folder).

Fair comparisons: NumPy's BLAS and PyTorch get the same number of threads (``set_threads``),
every implementation gets a warm-up run before it is timed, and timings are the best (and median)
of a few repeats measured with ``time.perf_counter``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "RESULTS_DIR",
    "THREAD_ENV_VARS",
    "blas_threads",
    "set_threads",
    "thread_report",
    "torch_or_none",
    "time_it",
    "time_interleaved",
    "format_table",
    "print_table",
    "machine_info",
    "write_json",
    "check_target",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# keeps the threadpoolctl limiter alive for the whole run
_LIMITER: Any = None


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def _env_threads() -> int | None:
    for var in THREAD_ENV_VARS:
        value = os.environ.get(var, "")
        if value.strip().isdigit() and int(value) > 0:
            return int(value)
    return None


def blas_threads() -> int:
    """Threads NumPy's BLAS uses now: threadpoolctl if installed, else the environment
    (OMP/OPENBLAS/MKL_NUM_THREADS), else ``os.cpu_count()``."""
    tpc = _threadpoolctl()
    if tpc is not None:
        counts = [p["num_threads"] for p in tpc.threadpool_info() if p["user_api"] == "blas"]
        if counts:
            return int(max(counts))
    return _env_threads() or os.cpu_count() or 1


def set_threads(n: int | None = None, torch: Any = None) -> int:
    """Give NumPy's BLAS ``n`` threads (None: keep its current count) and PyTorch the same.

    Returns the thread count both use. Without threadpoolctl, NumPy's count can only be set by
    the environment before the process starts (e.g. ``OMP_NUM_THREADS=1``); a warning says so.
    """
    global _LIMITER
    if n is not None:
        if n < 1:
            raise ValueError(f"threads must be >= 1; got {n}")
        tpc = _threadpoolctl()
        if tpc is not None:
            _LIMITER = tpc.threadpool_limits(limits=n, user_api="blas")
        elif blas_threads() != n:
            print(
                f"warning: threadpoolctl is not installed, so NumPy keeps {blas_threads()} "
                f"BLAS threads; start the script with OMP_NUM_THREADS={n} instead",
                file=sys.stderr,
            )
    count = blas_threads() if n is None or _threadpoolctl() is None else n
    if torch is not None:
        torch.set_num_threads(count)
    return count


def thread_report(torch: Any = None) -> dict[str, Any]:
    """Thread settings as seen by this process: env vars, BLAS pools, PyTorch, CPU count."""
    report: dict[str, Any] = {var: os.environ.get(var) for var in THREAD_ENV_VARS}
    report["cpu_count"] = os.cpu_count()
    report["numpy_blas_threads"] = blas_threads()
    tpc = _threadpoolctl()
    report["threadpools"] = (
        [
            {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
            for p in tpc.threadpool_info()
        ]
        if tpc is not None
        else "threadpoolctl not installed"
    )
    report["torch_threads"] = torch.get_num_threads() if torch is not None else None
    return report


def torch_or_none(verbose: bool = True):
    """``import torch``, or None with a clear message when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        if verbose:
            print(
                "PyTorch is not installed: skipping the PyTorch reference column "
                "(pip install 'nndl-lib[torch]' to include it)."
            )
        return None
    return torch


def time_it(
    fn: Callable[[Any], Any],
    repeats: int = 3,
    setup: Callable[[], Any] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Time ``fn(setup())`` ``repeats`` times (setup untimed) on ``clock``.

    Returns ``{"best": s, "median": s, "times": [s, ...]}``. Warm up before calling this.
    """
    return time_interleaved({"fn": (fn, setup)}, repeats, clock)["fn"]


def time_interleaved(
    cases: dict[str, tuple[Callable[[Any], Any], Callable[[], Any] | None]],
    repeats: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, dict[str, Any]]:
    """Time several cases in interleaved rounds: a, b, c, a, b, c, ... (setups untimed).

    ``cases`` maps a name to ``(fn, setup)`` as in :func:`time_it`. On a shared, busy machine the
    load then drifts over all cases alike, so ratios of their times are steadier than when each
    case is timed in one block. ``clock``: wall time by default; ``time.process_time`` gives
    process CPU time (all threads added up). Returns ``{name: {"best", "median", "times"}}``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1; got {repeats}")
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (fn, setup) in cases.items():
            arg = setup() if setup is not None else None
            start = clock()
            fn(arg)
            times[name].append(clock() - start)
    return {
        name: {"best": min(t), "median": statistics.median(t), "times": t}
        for name, t in times.items()
    }


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table; floats are shown with 4 significant digits, None as '-'."""

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in text]
    return "\n".join(out)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    print(format_table(headers, rows))


def _blas_name() -> str | None:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - best effort; the benchmark runs without it
        return None


def machine_info(torch: Any = None) -> dict[str, Any]:
    """Versions and machine facts worth keeping next to a timing."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "blas": _blas_name(),
        "torch": getattr(torch, "__version__", None),
    }
    try:
        info["load_average"] = list(os.getloadavg())
    except (AttributeError, OSError):
        info["load_average"] = None
    return info


def write_json(name: str, data: dict[str, Any], path: str | Path | None = None) -> Path:
    """Write ``data`` to ``path`` (default ``benchmarks/results/<name>.json``); return the path."""
    target = Path(path) if path is not None else RESULTS_DIR / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
    tmp.replace(target)
    return target


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def check_target(name: str, value: float | None, op: str, threshold: float) -> dict[str, Any]:
    """A target as a record: ``value op threshold`` with op ">=" or "<="; None is 'skipped'."""
    if op not in (">=", "<="):
        raise ValueError(f"op must be '>=' or '<='; got {op!r}")
    if value is None:
        status = "SKIP"
    else:
        ok = value >= threshold if op == ">=" else value <= threshold
        status = "PASS" if ok else "FAIL"
    return {"target": name, "value": value, "op": op, "threshold": threshold, "status": status}
