"""``nndl-course``: the instructor's commands, one per step (see the README).

    nndl-course release ASSIGNMENT            learner notebooks into release/ASSIGNMENT/
    nndl-course collect ASSIGNMENT PATH       LMS downloads (folder or .zip) into submitted/
    nndl-course autograde ASSIGNMENT          nbgrader per student, isolated, then the
                                              out-of-kernel pass that decides the grade
    nndl-course feedback ASSIGNMENT           one HTML page per student into feedback/
    nndl-course grades [--csv FILE]           student, assignment, score, max_score, flag, ...

``--course DIR`` (default ``exercises/``) is the nbgrader course folder. Without installing,
run ``python -m nndl_lib.grading.cli ...``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nndl_lib.grading.course import DEFAULT_COURSE, Course, CourseError, Outcome
from nndl_lib.grading.outofkernel_parent import Limits

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nndl-course", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", default=str(DEFAULT_COURSE),
                   help="the nbgrader course folder (default: exercises/)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="generate the learner notebooks (no solutions, no "
                                       "hidden tests) into release/ASSIGNMENT/")
    r.add_argument("assignment")
    c = sub.add_parser("collect", help="copy LMS downloads into submitted/<student>/ASSIGNMENT/")
    c.add_argument("assignment")
    c.add_argument("path", help="a folder or .zip of downloaded notebooks, one per student")
    c.add_argument("--id-regex", default=None,
                   help="regular expression with a group named 'student' that picks the "
                        "student id out of each file name (default: the part before the "
                        "first '_', of the top-level folder for Moodle-style folders)")
    a = sub.add_parser("autograde", help="grade every collected submission")
    a.add_argument("assignment")
    a.add_argument("--student", action="append", default=None,
                   help="grade only this student (repeat for several)")
    a.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    a.add_argument("--cell-timeout", type=int, default=None,
                   help="seconds per cell for nbgrader (default: nbgrader_config.py's)")
    a.add_argument("--case-timeout", type=float, default=Limits.case_s,
                   help="seconds per graded call in the out-of-kernel pass")
    a.add_argument("--no-sandbox", action="store_true",
                   help="grade even where the operating-system sandbox (Landlock) is not "
                        "available: learner code then runs with only the audit hook and the "
                        "limits; the grades CSV flags every submission graded this way")
    f = sub.add_parser("feedback", help="one HTML feedback page per student")
    f.add_argument("assignment")
    f.add_argument("--student", action="append", default=None)
    g = sub.add_parser("grades", help="the grades as CSV (stdout, or --csv FILE)")
    g.add_argument("--csv", default=None, help="write the CSV to this file")
    return p


def _print_outcome(o: Outcome) -> None:
    ik = "died" if o.in_kernel is None else f"{o.in_kernel:g}"
    print(f"  {o.student}: {o.out_of_kernel:g}/{o.max_points:g} (in-kernel {ik}) "
          f"in {o.seconds:.1f} s" + (f"  [{'; '.join(o.flags)[:200]}]" if o.flags else ""),
          flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # nbgrader runs `alembic` from PATH: make this environment's bin/ come first.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                          os.environ.get("PATH", "")])
    try:
        course = Course(args.course)
        if args.command == "release":
            path = course.release(args.assignment)
            print(f"released {path.relative_to(course.root)}")
        elif args.command == "collect":
            copied = course.collect(args.assignment, args.path, args.id_regex)
            for student, name in copied:
                print(f"  {name} -> submitted/{student}/{args.assignment}/")
            print(f"collected {len(copied)} submissions")
        elif args.command == "autograde":
            limits = Limits(case_s=args.case_timeout)
            print(f"autograding {args.assignment}:", flush=True)
            outcomes = course.autograde(args.assignment, args.student, jobs=args.jobs,
                                        limits=limits, cell_timeout=args.cell_timeout,
                                        progress=_print_outcome,
                                        sandbox=not args.no_sandbox)
            flagged = sum(1 for o in outcomes if o.flags)
            print(f"autograded {len(outcomes)} submissions ({flagged} flagged); "
                  "see `nndl-course grades`")
        elif args.command == "feedback":
            pages = course.feedback(args.assignment, args.student)
            print(f"wrote {len(pages)} feedback pages under "
                  f"{(course.root / 'feedback').relative_to(course.root.parent)}/")
        elif args.command == "grades":
            course.write_grades(path=args.csv)
            if args.csv:
                print(f"wrote {args.csv}", file=sys.stderr)
    except CourseError as err:
        print(f"nndl-course: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
