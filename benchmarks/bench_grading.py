"""How long `nndl-course autograde` takes for a class: N reference submissions of one assignment.

Copies the course's source into a temporary course, releases the assignment, collects N
submissions (the released notebook with the reference answers filled in, as a learner would hand
it in), autogrades them with --jobs workers and reports the wall time for the class and per
submission, the load average, and checks that every submission got full marks. Writes
benchmarks/results/bench_grading.json.

    python benchmarks/bench_grading.py                      # 30 students of ch01_digits, 2 jobs
    python benchmarks/bench_grading.py --students 5 --assignment ch03_improving
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--assignment", default="ch01_digits")
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="nndl-bench-grading-") as tmp:
        root = Path(tmp) / "exercises"
        shutil.copytree(ROOT / "exercises" / "source", root / "source")
        shutil.copy(ROOT / "exercises" / "nbgrader_config.py", root)
        course = Course(root)
        t0 = time.perf_counter()
        course.release(args.assignment)
        release_s = time.perf_counter() - t0
        src, _ = course.source_notebook(args.assignment)
        downloads = Path(tmp) / "downloads"
        downloads.mkdir()
        text = json.dumps(submission(json.loads(src.read_text(encoding="utf-8"))))
        for i in range(args.students):
            (downloads / f"student{i:02d}_{i}_{args.assignment}.ipynb").write_text(text)
        course.collect(args.assignment, downloads)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        outcomes = course.autograde(args.assignment, jobs=args.jobs)
        autograde_s = time.perf_counter() - t0
        load_after = os.getloadavg()
        t0 = time.perf_counter()
        course.feedback(args.assignment)
        feedback_s = time.perf_counter() - t0
    full = sum(o.out_of_kernel == o.max_points and o.in_kernel == o.max_points
               for o in outcomes)
    per = [o.seconds for o in outcomes]
    print(f"{args.students} reference submissions of {args.assignment}, {args.jobs} jobs, "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} -> {load_after[0]:.1f}")
    print(f"  release         {release_s:7.1f} s")
    print(f"  autograde       {autograde_s:7.1f} s  ({autograde_s / args.students:.1f} s per "
          f"submission; one submission alone takes {min(per):.1f}-{max(per):.1f} s)")
    print(f"  feedback        {feedback_s:7.1f} s")
    print(f"  full marks      {full} of {args.students}")
    path = write_json("bench_grading", {
        "benchmark": "bench_grading", "assignment": args.assignment,
        "students": args.students, "jobs": args.jobs, "release_seconds": release_s,
        "autograde_seconds": autograde_s, "per_submission_seconds": autograde_s / args.students,
        "submission_seconds": per, "feedback_seconds": feedback_s, "full_marks": full,
        "load_average_before": load_before, "load_average_after": load_after,
        "machine": machine_info(),
    }, args.out)
    print(f"wrote {path}")
    if full != args.students:
        sys.exit("not every reference submission got full marks")


if __name__ == "__main__":
    main()
