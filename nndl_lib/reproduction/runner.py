"""Re-run the book's published experiments and keep the results in a ledger.

    python -m nndl_lib.reproduce --tier fast                  # every row, reduced (CI: minutes)
    python -m nndl_lib.reproduce --tier full --only 'ch3_*'   # the book's configurations
    python -m nndl_lib.reproduce --tier full --workers 2      # two local worker processes
    python -m nndl_lib.reproduce --tier full --dask tcp://scheduler:8786   # a Dask cluster
    python -m nndl_lib.reproduce --tier full --report         # print the ledger, run nothing

Each (row, seed) of ``experiments.toml`` is one task:
``nndl_lib.reproduction.experiments.run(key, tier, seed)``.
After every finished task the ledger file (``reproduction/ledger.json`` for the full tier,
``_build/reproduction/fast-ledger.json`` for the fast one) is rewritten atomically, so a run that
is stopped resumes where it stopped: finished (row, seed) pairs are never run again, and chapter 6
runs continue from their last checkpoint (every few epochs). Rows whose runs would be identical
(same configuration, measure and seed) share one run. A file that is not a ledger stops the
runner with an error and is left untouched.

Exit status: 0 when every finished row lies in its band, 1 when one does not, 2 on an error.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from tqdm import tqdm

from nndl_lib.reproduction import blas_kernels, fast_spread
from nndl_lib.reproduction.ledger import (
    ROOT,
    LedgerError,
    ledger_lock,
    ledger_path,
    read_ledger,
    summarize,
    write_ledger,
)
from nndl_lib.reproduction.task import environment, limit_threads, mnist, run_task, units

__all__ = ["Task", "plan", "select", "planned_seeds", "Runner", "main"]

CHECKPOINTS = ROOT / "_build" / "reproduction" / "checkpoints"


# -- what runs where ---------------------------------------------------------------------------

class Task(tuple):
    """(signature, seed, keys): one training run and the rows whose value it is."""

    __slots__ = ()

    def __new__(cls, signature: str, seed: int, keys: tuple[str, ...]) -> Task:
        return super().__new__(cls, (signature, seed, keys))

    signature = property(lambda self: self[0])
    seed = property(lambda self: self[1])
    keys = property(lambda self: self[2])


def select(patterns: Sequence[str] | None) -> list[str]:
    """Experiment keys matching any of ``patterns`` (shell wildcards), in the table's order."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    if not patterns:
        return list(EXPERIMENTS)
    keys = [k for k in EXPERIMENTS if any(fnmatch.fnmatchcase(k, p) for p in patterns)]
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(k, p) for k in EXPERIMENTS)]
    if unmatched:
        raise SystemExit(f"--only {' '.join(unmatched)}: no such experiment. Known keys: "
                         f"{', '.join(EXPERIMENTS)}")
    return keys


def planned_seeds(key: str, seeds: int | None, tier: str = "full") -> int:
    """How many seeds a row runs: its own ``seeds`` (3 unless deterministic; the fast tier may
    set fewer for its slow rows), or ``seeds``; deterministic rows always run one."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    own = EXPERIMENTS[key].seeds_at(tier)
    return own if seeds is None or EXPERIMENTS[key].seeds == 1 else seeds


def plan(keys: Sequence[str], tier: str, seeds: int | None,
         done: dict[str, dict[int, dict]], first: int | None = None) -> list[Task]:
    """The tasks still to run, seed by seed (every row's seed 0 first), rows with identical
    runs merged into one task. ``done[key][seed]``: the runs already in the ledger. first: run
    only seeds below this now (the rows stay partial)."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    tasks: dict[tuple[str, int], list[str]] = {}
    for seed in range(max(planned_seeds(k, seeds, tier) for k in keys)):
        for key in keys:
            if (seed >= planned_seeds(key, seeds, tier) or seed in done.get(key, {})
                    or (first is not None and seed >= first)):
                continue
            tasks.setdefault((EXPERIMENTS[key].signature(tier), seed), []).append(key)
    return [Task(sig, seed, tuple(ks)) for (sig, seed), ks in tasks.items()]


# -- the runner --------------------------------------------------------------------------------

class Runner:
    """Holds the ledger of one tier, records finished runs and rewrites the file."""

    def __init__(self, path: Path, tier: str, seeds: int | None) -> None:
        from nndl_lib.reproduction.experiments import EXPERIMENTS

        self.path, self.tier, self.seeds = path, tier, seeds
        self.rows = {r["id"]: r for r in read_ledger(path, tier)}
        self.runs: dict[str, dict[int, dict]] = {}
        for key, row in self.rows.items():
            if key not in EXPERIMENTS:
                print(f"note: {path} has a row {key!r} the table no longer has; kept as it is",
                      file=sys.stderr)
                continue
            signature = EXPERIMENTS[key].signature(tier)
            for run in row["runs"]:
                if run["signature"] == signature:
                    self.runs.setdefault(key, {})[int(run["seed"])] = run
                else:
                    print(f"note: {key} seed {run['seed']}: the ledger's run used another "
                          "configuration; it will be run again", file=sys.stderr)

    def share_identical(self, keys: Sequence[str]) -> int:
        """Give each of ``keys`` the finished runs of any row whose runs are identical to its own
        (same configuration, measure and seed); return how many runs were shared."""
        from nndl_lib.reproduction.experiments import EXPERIMENTS

        by_signature: dict[str, dict[int, tuple[str, dict]]] = {}
        for key, runs in self.runs.items():
            for seed, run in runs.items():
                by_signature.setdefault(run["signature"], {}).setdefault(seed, (key, run))
        shared = 0
        for key in keys:
            for seed, (other, run) in by_signature.get(EXPERIMENTS[key].signature(self.tier),
                                                       {}).items():
                mine = self.runs.setdefault(key, {})
                if seed not in mine:
                    mine[seed] = dict(run, same_run_as=[other])
                    shared += 1
        return shared

    def merge(self, other: Path) -> int:
        """Add the runs of another ledger of this tier (e.g. from another machine) that this one
        lacks and that match the table's configuration; return how many were added."""
        from nndl_lib.reproduction.experiments import EXPERIMENTS

        added = 0
        for row in read_ledger(other, self.tier):
            key = row["id"]
            if key not in EXPERIMENTS:
                continue
            signature = EXPERIMENTS[key].signature(self.tier)
            for run in row["runs"]:
                mine = self.runs.setdefault(key, {})
                if run["signature"] == signature and int(run["seed"]) not in mine:
                    mine[int(run["seed"])] = run
                    added += 1
        if added:
            self.write()
        return added

    def record(self, keys: Sequence[str], run: dict[str, Any]) -> None:
        for key in keys:
            shared = [k for k in keys if k != key]
            self.runs.setdefault(key, {})[int(run["seed"])] = (
                dict(run, same_run_as=shared) if shared else dict(run))
        self.write()

    def summary(self, key: str):
        from nndl_lib.reproduction.experiments import EXPERIMENTS

        planned = planned_seeds(key, self.seeds, self.tier)
        runs = list(self.runs.get(key, {}).values())
        return summarize(EXPERIMENTS[key], runs, self.tier, max(planned, len(runs)))

    def write(self) -> None:
        from nndl_lib.reproduction.experiments import EXPERIMENTS

        rows = [self.summary(k).as_dict() for k in EXPERIMENTS if k in self.runs]
        rows += [r for k, r in self.rows.items() if k not in EXPERIMENTS]
        write_ledger(self.path, rows)


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


def execute(runner: Runner, tasks: Sequence[Task], *, workers: int, threads: int | None,
            dask: str | None, checkpoints: str | None, checkpoint_every: int) -> list[str]:
    """Run ``tasks`` in the main process (workers 0), in local processes, or on a Dask
    cluster; record each as it finishes. Returns the error messages of failed tasks."""
    bars = _Bars(tasks, runner.tier)
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
        runner.record(task.keys, run)
        ticks.finish(key, task.seed, units(key, runner.tier))
        tqdm.write(f"{key} seed {task.seed}: {run['value']:.4g} in {run['wall_s']:.0f} s"
                   + (f" (also {', '.join(task.keys[1:])})" if len(task.keys) > 1 else ""),
                   file=sys.stderr)

    args = {"threads": threads, "checkpoints": checkpoints, "checkpoint_every": checkpoint_every}
    try:
        if dask:
            _execute_dask(dask, runner.tier, tasks, args, finished)
        elif workers == 0:
            for task in tasks:
                finished(task, functools.partial(run_task, task.keys[0], runner.tier,
                                                 task.seed, progress=ticks, **args))
        else:
            _execute_local(workers, runner.tier, tasks, args, finished, ticks)
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


# -- reporting ---------------------------------------------------------------------------------

def report(runner: Runner, keys: Sequence[str]) -> int:
    """Print the rows of ``keys`` (book vs ours); return how many finished rows left their
    band."""
    expected = "book" if runner.tier == "full" else "expected"
    print(f"\n{'row':<28} {expected:>8} {'ours':>8} {'cmp':>4} {'band':>12} {'seeds':>5} "
          f"{'wall s':>8}  result")
    failed = 0
    for key in keys:
        row = runner.summary(key)
        band = (f"±{100 * row.band:g}%" if row.band_kind == "relative" else f"±{row.band:g}")
        if row.value is None:
            print(f"{key:<28} {row.book:>8.4g} {'—':>8} {row.compare:>4} {band:>12} "
                  f"{'0':>5} {'':>8}  not run")
            continue
        verdict = {True: "pass", False: "FAIL", None: "no expected value"}[row.passed]
        failed += row.passed is False
        print(f"{key:<28} {row.book:>8.4g} {row.value:>8.4g} {row.compare:>4} {band:>12} "
              f"{len(row.seeds):>2}/{row.seeds_planned:<2} {row.wall_s:>8.0f}  {verdict}"
              + ("" if row.complete else " (partial)"))
        if row.passed is False and runner.tier == "fast":
            print(fast_spread.describe(key))
    return failed


def _time_epochs(keys: Sequence[str], images: int | None, threads: int) -> int:
    from nndl_lib.reproduction.experiments import EXPERIMENTS
    from nndl_lib.reproduction.row_timing import estimate, record_epoch_times, time_row_epoch

    trainable = [k for k in keys if EXPERIMENTS[k].spec is not None
                 and EXPERIMENTS[k].measure != "gradient_norm"]
    for key in trainable:
        spec = EXPERIMENTS[key].spec
        with limit_threads(threads):
            entry = time_row_epoch(key, images=images, data=mnist(spec.dtype))
            entry["environment"] = environment(threads, spec.dtype)
        record_epoch_times([entry])
        hours = estimate(entry)["per_seed_h"]
        print(f"{key}: one epoch {entry['epoch_s']:.0f} s (training {entry['train_s']:.0f} s "
              f"for {entry['training_size']:,} images, timed on {entry['images_timed']:,}; "
              f"evaluation {entry['eval_s']:.1f} s) -> {hours:.1f} h per seed", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nndl_lib.reproduce", description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--tier", choices=("fast", "full"), default="fast")
    parser.add_argument("--only", nargs="+", metavar="ROW",
                        help="row keys or wildcards, e.g. ch1_30 'ch3_more_data_*'")
    parser.add_argument("--seeds", type=int, default=None, metavar="N",
                        help="seeds per row (default: the row's own, 3 unless deterministic)")
    parser.add_argument("--first-seeds", type=int, default=None, metavar="K",
                        help="run only each row's first K seeds now (rows stay partial)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="local worker processes (0: run in this process)")
    parser.add_argument("--threads", type=int, default=None, metavar="T",
                        help="BLAS threads per worker (default: cores / workers)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="send each (row, seed) to this dask.distributed scheduler")
    parser.add_argument("--ledger", type=Path, default=None,
                        help="ledger file (default: reproduction/ledger.json for full, "
                             "_build/reproduction/fast-ledger.json for fast)")
    parser.add_argument("--checkpoints", default=str(CHECKPOINTS),
                        help="folder for chapter 6's resumable pieces (must be writable on "
                             "Dask workers)")
    parser.add_argument("--checkpoint-every", type=int, default=5, metavar="EPOCHS")
    parser.add_argument("--report", action="store_true", help="print the ledger; run nothing")
    parser.add_argument("--fresh", action="store_true",
                        help="start a new ledger: an existing file is renamed FILE.previous")
    parser.add_argument("--merge", nargs="+", type=Path, metavar="FILE",
                        help="add the runs of other ledgers of this tier; run nothing")
    parser.add_argument("--time-epoch", action="store_true",
                        help="time one epoch of each selected row's full configuration into "
                             "reproduction/epoch-times.json; run nothing else")
    parser.add_argument("--time-images", type=int, default=None, metavar="N",
                        help="with --time-epoch: time N images and scale to the whole set")
    parser.add_argument("--dry-run", action="store_true", help="print the tasks; run nothing")
    parser.add_argument("--chaotic", action="store_true",
                        help="of the selected rows, only those whose fast runs end differently "
                             "on two OpenBLAS kernels (marked in reproduction/fast-spread.json)")
    parser.add_argument("--blas-kernel", metavar="KERNEL",
                        help="run under this OpenBLAS kernel (OPENBLAS_CORETYPE, e.g. Haswell, "
                             "SkylakeX), or 'other': one that runs here and is not the CPU's "
                             "own; the ledger defaults to a file of its own per kernel")
    args = parser.parse_args(argv)
    if args.blas_kernel:
        given = list(sys.argv[1:] if argv is None else argv)
        return blas_kernels.rerun_under(args.blas_kernel, given,
                                        args.ledger or ledger_path(args.tier))
    if args.seeds is not None and args.seeds < 1 or args.workers < 0:
        parser.error("--seeds must be at least 1 and --workers at least 0")
    threads = args.threads or max(1, (os.cpu_count() or 1) // max(1, args.workers))
    keys = select(args.only)
    if args.chaotic:
        keys = fast_spread.chaotic(keys)
    if args.time_epoch:
        return _time_epochs(keys, args.time_images, threads)
    path = args.ledger or ledger_path(args.tier)
    try:
        with ledger_lock(path):
            if args.fresh and path.exists():
                path.replace(path.with_name(path.name + ".previous"))
                print(f"--fresh: the old ledger is now {path.name}.previous", file=sys.stderr)
            runner = Runner(path, args.tier, args.seeds)
            if runner.share_identical(keys):
                runner.write()
            if args.merge:
                added = sum(runner.merge(other) for other in args.merge)
                added += runner.share_identical(keys)
                runner.write()
                print(f"merged {added} runs into {path}")
                return 1 if report(runner, keys) else 0
            tasks = plan(keys, args.tier, args.seeds, runner.runs, args.first_seeds)
            if args.report or args.dry_run:
                for task in tasks if args.dry_run else ():
                    print(f"would run {' = '.join(task.keys)} seed {task.seed}")
                return 1 if report(runner, keys) else 0
            where = (f"Dask scheduler {args.dask}" if args.dask else
                     f"{args.workers} worker(s) x {threads} BLAS thread(s)")
            print(f"{args.tier} tier: {len(tasks)} runs to do for {len(keys)} rows on {where}; "
                  f"ledger {path}", file=sys.stderr)
            start = time.perf_counter()
            errors = execute(runner, tasks, workers=args.workers, threads=threads,
                             dask=args.dask, checkpoints=args.checkpoints,
                             checkpoint_every=args.checkpoint_every)
            if runner.runs:
                runner.write()
            failed = report(runner, keys)
            print(f"\n{len(tasks) - len(errors)} runs done in {time.perf_counter() - start:.0f} s;"
                  f" {failed} row(s) outside their band; ledger: {path}")
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if errors:
        print("failed runs:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
