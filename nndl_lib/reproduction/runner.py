"""Re-run the book's published experiments and keep the results in a ledger.

    python -m nndl_lib.reproduce --tier fast                  # every row, reduced (CI: minutes)
    python -m nndl_lib.reproduce --tier full --only 'ch3_*'   # the book's configurations
    python -m nndl_lib.reproduce --tier full --workers 2      # two local worker processes
    python -m nndl_lib.reproduce --tier full --dask tcp://scheduler:8786   # a Dask cluster
    python -m nndl_lib.reproduce --tier full --report         # print the ledger, run nothing

Each (row, seed) of ``experiments.toml`` is one task:
``nndl_lib.reproduction.experiments.run(key, tier, seed)``; :mod:`~nndl_lib.reproduction.planning`
decides which tasks are still to run, :mod:`~nndl_lib.reproduction.execution` where they run, and
this module keeps the ledger and reads the command line.
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
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nndl_lib.reproduction import blas_kernels, fast_spread
from nndl_lib.reproduction.execution import execute
from nndl_lib.reproduction.ledger import (
    ROOT,
    LedgerError,
    ledger_lock,
    ledger_path,
    read_ledger,
    summarize,
    write_ledger,
)
from nndl_lib.reproduction.planning import plan, planned_seeds, select
from nndl_lib.reproduction.task import environment, limit_threads, mnist

__all__ = ["Runner", "report", "main"]

CHECKPOINTS = ROOT / "_build" / "reproduction" / "checkpoints"


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
            errors = execute(tasks, runner.tier, runner.record, workers=args.workers,
                             threads=threads, dask=args.dask, checkpoints=args.checkpoints,
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
