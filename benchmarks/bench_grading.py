"""How long `nndl-course autograde` takes for a class: N reference submissions of one assignment.

Copies the course's source into a temporary course, releases the assignment, collects N
submissions (the released notebook with the reference answers filled in, as a learner would hand
it in), autogrades them with --jobs workers and reports the wall time for the class and per
submission, the load average, and checks that every submission got full marks. Writes
benchmarks/results/bench_grading.json.

    python benchmarks/bench_grading.py                      # 30 students of ch01_digits, 2 jobs
    python benchmarks/bench_grading.py --students 5 --assignment ch03_improving

Issue 19's figures: the cost of the operating-system boundary and whether the time per
submission grows with the class (each class is graded with the boundary and without it,
``--no-sandbox``, alternately, in the same process):

    python benchmarks/bench_grading.py --assignment ch02_backprop --students 30 120 \
        --sandbox both
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import machine_info, write_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nndl_lib.grading.course import Course  # noqa: E402
from nndl_lib.grading.submissions import submission  # noqa: E402


def grade_class(assignment: str, students: int, jobs: int, sandbox: bool) -> dict:
    """One class of ``students`` reference submissions, autograded with ``jobs`` workers."""
    with tempfile.TemporaryDirectory(prefix="nndl-bench-grading-") as tmp:
        root = Path(tmp) / "exercises"
        shutil.copytree(ROOT / "exercises" / "source", root / "source")
        shutil.copy(ROOT / "exercises" / "nbgrader_config.py", root)
        course = Course(root)
        t0 = time.perf_counter()
        course.release(assignment)
        release_s = time.perf_counter() - t0
        src, _ = course.source_notebook(assignment)
        downloads = Path(tmp) / "downloads"
        downloads.mkdir()
        text = json.dumps(submission(json.loads(src.read_text(encoding="utf-8"))))
        for i in range(students):
            (downloads / f"student{i:03d}_{i}_{assignment}.ipynb").write_text(text)
        course.collect(assignment, downloads)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        outcomes = course.autograde(assignment, jobs=jobs, sandbox=sandbox)
        autograde_s = time.perf_counter() - t0
        load_after = os.getloadavg()
        t0 = time.perf_counter()
        course.feedback(assignment)
        feedback_s = time.perf_counter() - t0
    full = sum(o.out_of_kernel == o.max_points and o.in_kernel == o.max_points
               for o in outcomes)
    per = [o.seconds for o in outcomes]
    print(f"{students} reference submissions of {assignment}, {jobs} jobs, "
          f"{'with' if sandbox else 'WITHOUT'} the boundary, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.1f} -> {load_after[0]:.1f}")
    print(f"  release         {release_s:7.1f} s")
    print(f"  autograde       {autograde_s:7.1f} s  ({autograde_s / students:.2f} s per "
          f"submission; one submission alone takes {min(per):.1f}-{max(per):.1f} s)")
    print(f"  feedback        {feedback_s:7.1f} s")
    print(f"  full marks      {full} of {students}", flush=True)
    return {"assignment": assignment, "students": students, "jobs": jobs,
            "boundary": sandbox, "release_seconds": release_s,
            "autograde_seconds": autograde_s, "per_submission_seconds": autograde_s / students,
            "submission_seconds": per, "feedback_seconds": feedback_s, "full_marks": full,
            "load_average_before": load_before, "load_average_after": load_after}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--assignment", default="ch01_digits")
    p.add_argument("--students", type=int, nargs="+", default=[30],
                   help="class sizes (each graded in turn)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--sandbox", choices=["on", "off", "both"], default="on",
                   help="grade with the operating-system boundary, without it (--no-sandbox), "
                        "or both, alternately")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.sandbox]
    runs = [grade_class(args.assignment, n, args.jobs, mode)
            for n in args.students for mode in modes]
    print(f"\n{'students':>8} {'boundary':>9} {'s/submission':>13} {'vs without':>11}")
    for run in runs:
        base = next((r for r in runs if r["students"] == run["students"]
                     and not r["boundary"]), None)
        ratio = (f"{run['per_submission_seconds'] / base['per_submission_seconds']:.2f}x"
                 if base and run["boundary"] else "")
        print(f"{run['students']:>8} {'on' if run['boundary'] else 'off':>9} "
              f"{run['per_submission_seconds']:>13.2f} {ratio:>11}")
    path = write_json("bench_grading", {"benchmark": "bench_grading", "runs": runs,
                                        "machine": machine_info()}, args.out)
    print(f"wrote {path}")
    if any(r["full_marks"] != r["students"] for r in runs):
        sys.exit("not every reference submission got full marks")


if __name__ == "__main__":
    main()
