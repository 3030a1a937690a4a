"""Where the reproduction runner's tasks run: in this process, in local worker processes, or on
a Dask cluster, with one text progress bar per row fed by the workers' epoch ticks."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from tqdm import tqdm

from nndl_lib.reproduction.planning import Task
from nndl_lib.reproduction.task import run_task, units

__all__ = ["execute"]


class _Bars(dict):
    """One text progress bar per row (epochs of all its seeds), opened when the row's first
    epoch ends and closed when its last run is recorded."""

    def __init__(self, tasks: Sequence[Task], tier: str) -> None:
        super().__init__()
        self.totals: dict[str, int] = {}
        for task in tasks:
            key = task.keys[0]
            self.totals[key] = self.totals.get(key, 0) + units(key, tier)
        self.interactive = sys.stderr.isatty()

    def __contains__(self, key: object) -> bool:
        return key in self.totals

    def __missing__(self, key: str) -> tqdm:
        bar = tqdm(total=self.totals[key], desc=key, unit="ep", leave=True, dynamic_ncols=True,
                   ascii=not self.interactive, mininterval=0.5 if self.interactive else 60,
                   disable=False)
        self[key] = bar
        return bar

    def advance(self, key: str, n: int) -> None:
        bar = self[key]
        bar.update(n)
        if bar.n >= bar.total:
            bar.close()


def execute(tasks: Sequence[Task], tier: str,
            record: Callable[[Sequence[str], dict[str, Any]], None], *, workers: int,
            threads: int | None, dask: str | None, checkpoints: str | None,
            checkpoint_every: int) -> list[str]:
    """Run ``tasks`` of ``tier`` in the main process (workers 0), in local processes, or on a
    Dask cluster; ``record(keys, run)`` each as it finishes (the runner's ledger). Returns the
    error messages of failed tasks."""
    bars = _Bars(tasks, tier)
    ticks = _Ticks(bars)
    errors: list[str] = []

    def finished(task: Task, outcome: Callable[[], dict]) -> None:
        key = task.keys[0]
        try:
            run = outcome()
        except Exception as exc:  # noqa: BLE001 - report and go on with the other tasks
            errors.append(f"{key} seed {task.seed}: {type(exc).__name__}: {exc}")
            tqdm.write(f"FAILED {errors[-1]}", file=sys.stderr)
            return
        record(task.keys, run)
        ticks.finish(key, task.seed, units(key, tier))
        tqdm.write(f"{key} seed {task.seed}: {run['value']:.4g} in {run['wall_s']:.0f} s"
                   + (f" (also {', '.join(task.keys[1:])})" if len(task.keys) > 1 else ""),
                   file=sys.stderr)

    args = {"threads": threads, "checkpoints": checkpoints, "checkpoint_every": checkpoint_every}
    try:
        if dask:
            _execute_dask(dask, tier, tasks, args, finished)
        elif workers == 0:
            for task in tasks:
                finished(task, functools.partial(run_task, task.keys[0], tier,
                                                 task.seed, progress=ticks, **args))
        else:
            _execute_local(workers, tier, tasks, args, finished, ticks)
    finally:
        for bar in bars.values():
            bar.close()
    return errors


class _Ticks:
    """Epoch ticks from running tasks moved onto the rows' progress bars."""

    def __init__(self, bars: _Bars) -> None:
        self.bars, self.seen = bars, {}

    def put(self, item: tuple[str, int, int]) -> None:
        key, seed, n = item
        if key in self.bars:
            self.seen[key, seed] = self.seen.get((key, seed), 0) + n
            self.bars.advance(key, n)

    def finish(self, key: str, seed: int, total: int) -> None:
        """A task ended: move its bar by whatever its ticks did not report."""
        if key in self.bars:
            self.bars.advance(key, max(0, total - self.seen.pop((key, seed), 0)))


def _execute_local(workers: int, tier: str, tasks: Sequence[Task], args: dict,
                   finished: Callable, ticks: _Ticks) -> None:
    import multiprocessing as mp
    import queue

    if args["threads"] is not None:  # BLAS reads these when a worker starts
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args["threads"])
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        events = manager.Queue()
        futures = {pool.submit(run_task, t.keys[0], tier, t.seed, progress=events, **args): t
                   for t in tasks}
        try:
            while futures:
                done, _ = wait(futures, timeout=1.0, return_when=FIRST_COMPLETED)
                with contextlib.suppress(queue.Empty):
                    while True:
                        ticks.put(events.get_nowait())
                for future in done:
                    finished(futures.pop(future), future.result)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _execute_dask(address: str, tier: str, tasks: Sequence[Task], args: dict,
                  finished: Callable) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise SystemExit("--dask needs dask.distributed: pip install 'distributed' (see "
                         "pyproject.toml's [dask] extra)") from exc
    with Client(address) as client:
        futures = {client.submit(run_task, t.keys[0], tier, t.seed, pure=False, **args): t
                   for t in tasks}
        for future in as_completed(futures):
            finished(futures[future], future.result)
