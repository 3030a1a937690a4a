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

Issue 23's figures: a class of 100 on the hub, graded as the hub's instructor grades (an ordinary
user, the sandbox on), at 1 and 2 workers. As root, ``--as-user`` runs the whole measurement as
that user (setpriv) with a Python that user can run (``--python``; the tests make one in
_build/ordinary-user/venv, see tests/grading/ordinary_user.py); the checkout must be readable by
that user, and the JSON is written by root as usual:

    sudo python benchmarks/bench_grading.py --assignment ch02_backprop --students 10 100 \
        --jobs 1 2 --as-user nndl-instructor --python _build/ordinary-user/venv/bin/python
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
    p.add_argument("--jobs", type=int, nargs="+", default=[2],
                   help="workers (nndl-course autograde --jobs); several: each in turn")
    p.add_argument("--sandbox", choices=["on", "off", "both"], default="on",
                   help="grade with the operating-system boundary, without it (--no-sandbox), "
                        "or both, alternately")
    p.add_argument("--as-user", default=None,
                   help="as root: run the measurement as this ordinary user (setpriv), as "
                        "an instructor on the hub grades")
    p.add_argument("--python", default=sys.executable,
                   help="with --as-user: a Python that user can run (default: this one)")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    if args.as_user and os.geteuid() == 0:
        runs, user = _as_user(args), args.as_user
    else:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        modes = {"on": [True], "off": [False], "both": [False, True]}[args.sandbox]
        runs = [grade_class(args.assignment, n, jobs, mode)
                for n in args.students for jobs in args.jobs for mode in modes]
        user = _whoami()
    for run in runs:
        run["user"] = user
    print(f"\n{'students':>8} {'jobs':>5} {'boundary':>9} {'s/submission':>13} "
          f"{'vs without':>11} {'vs 1 job':>9}")
    for run in runs:
        base = next((r for r in runs if r["students"] == run["students"]
                     and r["jobs"] == run["jobs"] and not r["boundary"]), None)
        ratio = (f"{run['per_submission_seconds'] / base['per_submission_seconds']:.2f}x"
                 if base and run["boundary"] else "")
        one = next((r for r in runs if r["students"] == run["students"] and r["jobs"] == 1
                    and r["boundary"] == run["boundary"]), None)
        speedup = (f"{one['autograde_seconds'] / run['autograde_seconds']:.2f}x"
                   if one and run["jobs"] != 1 else "")
        print(f"{run['students']:>8} {run['jobs']:>5} {'on' if run['boundary'] else 'off':>9} "
              f"{run['per_submission_seconds']:>13.2f} {ratio:>11} {speedup:>9}")
    print(f"graded as {user}")
    path = write_json("bench_grading", {"benchmark": "bench_grading", "runs": runs,
                                        "machine": machine_info()}, args.out)
    print(f"wrote {path}")
    if any(r["full_marks"] != r["students"] for r in runs):
        sys.exit("not every reference submission got full marks")


def _whoami() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def _as_user(args: argparse.Namespace) -> list[dict]:
    """This script run again as ``args.as_user`` (root only); returns its runs."""
    import pwd
    import subprocess

    entry = pwd.getpwnam(args.as_user)
    python = os.path.abspath(args.python)  # not resolved: a venv's python is a link
    with tempfile.TemporaryDirectory(prefix="nndl-bench-as-user-") as tmp:
        os.chmod(tmp, 0o777)
        out = Path(tmp) / "runs.json"
        cmd = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
               "--init-groups", "--", python, str(Path(__file__).resolve()),
               "--assignment", args.assignment, "--students", *map(str, args.students),
               "--jobs", *map(str, args.jobs), "--sandbox", args.sandbox, "--out", str(out)]
        env = {"PATH": os.pathsep.join([str(Path(python).parent), "/usr/bin", "/bin"]),
               "HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name,
               "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        print(f"running as {entry.pw_name}: {' '.join(cmd[5:])}", flush=True)
        proc = subprocess.run(cmd, env=env, cwd=tmp)
        if not out.is_file():
            sys.exit(f"the run as {entry.pw_name} wrote no results (exit {proc.returncode})")
        runs = json.loads(out.read_text())["runs"]
        if proc.returncode != 0:
            print(f"the run as {entry.pw_name} ended with exit {proc.returncode}")
        return runs


if __name__ == "__main__":
    main()
