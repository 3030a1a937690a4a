"""One (row, seed) of the reproduction ledger, as a task for a worker process (local or Dask).

:func:`run_task` runs ``nndl_lib.reproduction.experiments.run(key, tier, seed)`` with a given
number of BLAS
threads and returns the ledger's record of the run: the value, the wall time and the environment
it ran in (:func:`environment`). It lives in its own module so that Dask workers import it by
this name (under ``python -m nndl_lib.reproduce`` the runner itself is ``__main__``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nndl_lib.reproduction.ledger import ROOT

__all__ = ["run_task", "environment", "blas_kernel", "units", "limit_threads", "mnist"]

@functools.cache
def _git_commit() -> str | None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "nndl_lib"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{' (nndl_lib modified)' if dirty else ''}" if head else None


def environment(threads: int | None = None, dtype: str | None = None) -> dict[str, Any]:
    """Where a run ran: versions, BLAS and its threads, dtype, machine."""
    import numpy as np

    env: dict[str, Any] = {
        "python": platform.python_version(), "numpy": np.__version__,
        "nndl_lib_commit": _git_commit(), "dtype": dtype, "threads": threads,
        "host": platform.node(), "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(), "cpu": _cpu_model(),
        # the machine's load when the record was made: runs on a busy machine take longer
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg")
        else None,
    }
    try:
        from threadpoolctl import threadpool_info

        env["blas"] = [f"{i.get('internal_api')} {i.get('version')} "
                       f"({i.get('num_threads')} threads)" for i in threadpool_info()
                       if i.get("user_api") == "blas"]
    except ImportError:
        env["blas"] = None
    # OpenBLAS picks its kernel by CPU (or by OPENBLAS_CORETYPE); a short float32 run can end
    # differently per kernel, so the record says which one ran
    env["blas_kernel"] = blas_kernel()
    env["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE")
    with contextlib.suppress(ImportError):
        import sklearn

        env["scikit_learn"] = sklearn.__version__
    return env


@functools.cache
def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def blas_kernel() -> str | None:
    """The kernel family numpy's OpenBLAS runs in this process ("Haswell", "SkylakeX", ...), or
    None when that cannot be told (another BLAS, or threadpoolctl missing)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for info in threadpool_info():
        if info.get("user_api") == "blas" and info.get("architecture"):
            return str(info["architecture"])
    return None


@functools.cache
def mnist(dtype: str) -> tuple:
    """The MNIST split in ``dtype``, loaded once per worker process."""
    from nndl_lib.data import load_mnist

    return load_mnist(dtype=dtype)


def limit_threads(threads: int | None) -> Any:
    """A context that holds BLAS to ``threads`` threads (None: unchanged)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(threads)


def run_task(key: str, tier: str, seed: int, threads: int | None = None,
             checkpoints: str | None = None, checkpoint_every: int = 5,
             progress: Any = None) -> dict[str, Any]:
    """Run row ``key`` at ``tier`` with ``seed`` and return the ledger's record of the run.

    threads: BLAS threads for this run. checkpoints: a folder for chapter 6's resumable pieces.
    progress: a queue (or None) that receives (key, seed, 1) after each epoch.
    """
    from nndl_lib.reproduction.experiments import EXPERIMENTS, run
    from nndl_lib.reproduction.resumable import checkpoint_seconds

    experiment = EXPERIMENTS[key]
    spec = experiment.spec_for(tier)
    dtype = spec.dtype if spec is not None else "float32"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    env = environment(threads, dtype)  # the code's commit as the run starts
    checkpoint = None
    if checkpoints is not None and spec is not None and spec.network is not None:
        checkpoint = Path(checkpoints) / tier / f"{key}-seed{seed}"

    def tick(epoch: int, model: Any, history: Any) -> None:
        if progress is not None:
            progress.put((key, seed, 1))

    earlier = checkpoint_seconds(checkpoint)  # training time saved before an interruption
    with limit_threads(threads):
        result = run(key, tier, seed, data=mnist(dtype), callback=tick, checkpoint=checkpoint,
                     checkpoint_every=checkpoint_every)
        env = environment(threads, dtype) | {"nndl_lib_commit": env["nndl_lib_commit"]}
    history = result.history
    record = {
        "seed": seed, "value": round(float(result.value), 8),
        "wall_s": round(earlier + result.seconds, 3),
        "signature": experiment.signature(tier), "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"), "environment": env,
    }
    if history is not None:
        record.update(epochs_run=history.epochs_run, best_epoch=history.best_epoch)
    if earlier:
        record["resumed_after_s"] = round(earlier, 3)  # included in wall_s
    if checkpoint is not None:
        shutil.rmtree(checkpoint, ignore_errors=True)  # the result is all that is kept
    return record


def units(key: str, tier: str) -> int:
    """Progress units of one run of ``key`` (epochs, times ensemble members; 1 without
    training)."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    experiment = EXPERIMENTS[key]
    spec = experiment.spec_for(tier)
    if spec is None or experiment.measure == "gradient_norm":
        return 1
    return spec.epochs * experiment.setting("ensemble", tier)
