"""Tasks, sub-checks with points, cases and reports: the shape of every assignment's checks.

An :class:`Assignment` lists :class:`Task` s, one per graded object the learner writes (a
function or a class). A task is worth the sum of its :class:`SubCheck` s' points; a sub-check
passes when every one of its cases agrees with the reference, so credit is partial per
sub-check. Cases are plain data (:class:`Case`), generated from a seed, and run through a
driver (:mod:`nndl_lib.grading.drivers`) on the learner's object and on the reference alike;
a compare function then turns the two outputs into a :class:`~nndl_lib.grading.checks.CheckResult`.

Three places run the same checks:

- the learner's kernel, by :meth:`Assignment.check` in a notebook's test cell: "visible" cases
  from a fixed seed, or with ``hidden=True`` (nbgrader's hidden test region) from a fresh one;
- nbgrader's autograde, which runs those test cells;
- the out-of-kernel pass (:mod:`nndl_lib.grading.outofkernel_parent`), which draws each student's
  cases from a course secret, calls the learner's code in a sandbox and compares here, in the
  trusted process (:meth:`Assignment.plan` and :meth:`Assignment.score`).
"""

from __future__ import annotations

import contextlib
import copy
import io
import secrets
import sys
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nndl_lib.grading.checks import CheckResult
from nndl_lib.grading.compare import (
    Compare,
    all_of,
    compare_arg,
    compare_ret,
    compare_unchanged,
    compare_value,
    describe_error,
    unsupported_result,
)
from nndl_lib.grading.drivers import Case, run_driver
from nndl_lib.grading.wire import RaisedError, Unsupported

__all__ = [
    "Case",
    "SubCheck",
    "Task",
    "Assignment",
    "SubResult",
    "TaskResult",
    "PlannedCase",
    "compare_ret",
    "compare_arg",
    "compare_unchanged",
    "compare_value",
    "all_of",
    "describe_error",
]



@dataclass
class SubCheck:
    """A property worth ``points``: every case from ``cases(rng)`` must pass ``compare``.

    fixed: the cases do not depend on the seed (a book example, a truth table).
    """

    name: str
    points: float
    cases: Callable[[np.random.Generator], list[Case]]
    compare: Compare
    driver: str = "call"
    hint: str = ""
    fixed: bool = False


@dataclass
class Task:
    """A graded object called ``name`` in the learner's notebook.

    fixed_answer: the object takes no input (e.g. a worked example's setup), so every case is
    fixed; every other task has sub-checks on inputs drawn from the seed.
    """

    name: str
    subchecks: list[SubCheck]
    summary: str = ""
    fixed_answer: bool = False

    @property
    def points(self) -> float:
        return float(sum(sc.points for sc in self.subchecks))


@dataclass
class PlannedCase:
    """A case of sub-check number ``subcheck`` of ``task``, ready to run."""

    task: str
    subcheck: int
    case: Case
    driver: str


@dataclass
class SubResult:
    """The outcome of one sub-check."""

    name: str
    points: float
    max_points: float
    passed: bool
    cases: int
    case_label: str = ""
    result: CheckResult | None = None
    hint: str = ""


@dataclass
class TaskResult:
    """The outcome of one task: points per sub-check and a readable report."""

    task: str
    points: float
    max_points: float
    subresults: list[SubResult]
    mode: str = "visible"
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.points == self.max_points

    def report(self) -> str:
        header = {
            "visible": "visible cases; the graded run repeats every check on new random inputs",
            "hidden": "cases drawn afresh for this run",
            "graded": "out-of-kernel grading on your own randomised inputs",
        }.get(self.mode, self.mode)
        lines = [f"{self.task}: {_num(self.points)} of {_num(self.max_points)} points "
                 f"({header})"]
        for sr in self.subresults:
            mark = "pass" if sr.passed else "FAIL"
            lines.append(f"  {mark}  {_num(sr.max_points):>4}  {sr.name}")
            if not sr.passed:
                if sr.case_label:
                    lines.append(f"              case: {sr.case_label}")
                if sr.result is not None:
                    lines.append(f"              {sr.result.message}")
                if sr.hint:
                    lines.append(f"              hint: {sr.hint}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def to_dict(self) -> dict:
        """Plain data for the grading records (no inputs, no expected arrays)."""
        return {
            "task": self.task, "points": self.points, "max_points": self.max_points,
            "mode": self.mode, "notes": list(self.notes),
            "subchecks": [{"name": s.name, "points": s.points, "max_points": s.max_points,
                           "passed": s.passed, "case": s.case_label,
                           "message": s.result.message if s.result is not None else "",
                           "kind": s.result.kind if s.result is not None else "ok"}
                          for s in self.subresults],
        }


def _num(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def call_safely(driver: str, ns: Mapping[str, Any], data: dict) -> dict | RaisedError:
    """Run a driver on learner code: exceptions (and sys.exit) become RaisedError; warnings
    and printed output are swallowed (nbgrader gives 0 points to a test cell that writes to
    stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return run_driver(driver, ns, copy.deepcopy(data))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from sys.exit() too
        return RaisedError(type(exc).__name__, str(exc))


@dataclass
class Assignment:
    """An assignment's checks.

    name: the nbgrader assignment id (``exercises/source/<name>/<name>.ipynb``).
    tasks: the graded objects, in notebook order. references: name -> reference object, for
    every name a driver looks up (graded names and helpers such as ``backprop_example``).
    prelude: the code the out-of-kernel pass runs before the learner's cells (imports the
    notebook's setup cell provides, minus the checks). allowed_modules: ``nndl_lib`` modules
    the learner's code may import in that pass; every other ``nndl_lib`` module, the
    references included, is blocked there.
    """

    name: str
    tasks: list[Task]
    references: dict[str, Any]
    prelude: str = "import numpy as np\n"
    allowed_modules: tuple[str, ...] = ()
    manual: dict[str, float] = field(default_factory=dict)

    def task(self, name: str) -> Task:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(f"assignment {self.name} has no task {name!r}; tasks: "
                       f"{[t.name for t in self.tasks]}")

    @property
    def points(self) -> float:
        """Autograded points (manually graded answers are in ``manual``)."""
        return float(sum(t.points for t in self.tasks))

    def visible_seed(self, task: str) -> int:
        return zlib.crc32(f"{self.name}/{task}/visible".encode())

    def plan(self, task: Task, seed: int) -> list[PlannedCase]:
        """Every case of every sub-check of ``task``, drawn from ``seed``."""
        planned = []
        for i, sc in enumerate(task.subchecks):
            rng = np.random.default_rng([int(seed) % 2**63, i])
            for case in sc.cases(rng):
                planned.append(PlannedCase(task.name, i, case, sc.driver))
        return planned

    def expected(self, planned: list[PlannedCase]) -> list[dict]:
        """The references' driver outputs for planned cases (trusted code only)."""
        out = []
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for p in planned:
                out.append(run_driver(p.driver, self.references, copy.deepcopy(p.case.data)))
        return out

    def score(self, task: Task, planned: list[PlannedCase],
              outcomes: Sequence[dict | RaisedError], mode: str,
              notes: Sequence[str] = ()) -> TaskResult:
        """Compare the learner's outcomes with the references' outputs, sub-check by sub-check.

        outcomes[i] is the learner's driver output for planned[i] (or the error it raised).
        """
        expected = self.expected(planned)
        first_failure: dict[int, tuple[str, CheckResult]] = {}
        counts = [0] * len(task.subchecks)
        for p, got, exp in zip(planned, outcomes, expected, strict=True):
            counts[p.subcheck] += 1
            if p.subcheck in first_failure:
                continue
            sc = task.subchecks[p.subcheck]
            if isinstance(got, RaisedError):
                result = describe_error(task.name, got)
            elif not isinstance(got, dict):
                result = unsupported_result(task.name, Unsupported(type(got).__name__))
            else:
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        result = sc.compare(got, exp, p.case, task.name)
                except Exception as exc:  # a malformed output that the compare choked on
                    result = CheckResult(task.name, False, "type",
                                         message=f"{task.name}: the output has an unexpected "
                                                 f"form ({type(exc).__name__}: {exc})")
            if not result.passed:
                first_failure[p.subcheck] = (p.case.label, result)
        subresults = []
        for i, sc in enumerate(task.subchecks):
            failed = first_failure.get(i)
            passed = failed is None and counts[i] > 0
            subresults.append(SubResult(
                sc.name, sc.points if passed else 0.0, sc.points, passed, counts[i],
                case_label=failed[0] if failed else "", result=failed[1] if failed else None,
                hint=sc.hint if failed else ""))
        points = float(sum(s.points for s in subresults))
        return TaskResult(task.name, points, task.points, subresults, mode, list(notes))

    def run(self, name: str, ns: Mapping[str, Any], *, seed: int | None = None,
            mode: str = "visible") -> TaskResult:
        """Run task ``name`` on the objects in ``ns`` in this process."""
        task = self.task(name)
        if seed is None:
            seed = self.visible_seed(name) if mode == "visible" else secrets.randbits(62)
        planned = self.plan(task, seed)
        outcomes = [call_safely(p.driver, ns, p.case.data) for p in planned]
        return self.score(task, planned, outcomes, mode)

    def check(self, name: str, obj: Any = None, *, hidden: bool = False,
              quiet: bool = False) -> TaskResult:
        """The notebooks' test cells: check the learner's ``name`` and print the report.

        obj: the learner's object (default: ``name`` in the calling notebook's namespace, which
        also provides any helper a check needs, e.g. ``backprop_example``). hidden: draw fresh
        random cases (nbgrader's hidden tests) instead of the visible ones. The cell's last
        line, ``result.points``, gives nbgrader the partial credit.
        """
        caller = sys._getframe(1).f_globals
        ns = dict(caller)
        if obj is not None:
            ns[name] = obj
        result = self.run(name, ns, mode="hidden" if hidden else "visible")
        if not quiet:
            print(result.report())
        return result
