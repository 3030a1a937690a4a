"""An assignment's checks, planned, run and scored; the one import of every assignment module.

An :class:`Assignment` lists :class:`Task` s, one per graded object the learner writes (a function
or a class; declared with :mod:`~nndl_lib.grading.task_spec`, graded into the results of
:mod:`~nndl_lib.grading.task_results`, both importable from here). A task is worth the sum of its
:class:`SubCheck` s' points; a sub-check passes when every one of its cases agrees with the
reference, so credit is partial per sub-check. Cases are plain data (:class:`Case`), generated from
a seed, and run through a driver (:mod:`nndl_lib.grading.drivers`) on the learner's object and on
the reference alike; a compare function then turns the two outputs into a
:class:`~nndl_lib.grading.checks.CheckResult`.

Two properties hold for every task, whatever its own sub-checks:

- **Inputs are left alone.** Every task declares ``in_place``, the arguments it updates in
  place (``()`` for most); the assignment then adds a sub-check of kind ``"inputs"`` worth the
  task's ``inputs_points``, which passes when *every* graded call of the task (all cases of all
  its sub-checks) left every other data argument unchanged, and names the argument when one
  changed. It is credited only when another sub-check of the task passes (a function that
  computes nothing right earns nothing for leaving its inputs alone). A task that takes no
  array or list arguments gets no such sub-check.
- **Numerics at the extremes** are a sub-check kind: :func:`extremes` builds one whose cases
  are saturated inputs, rows of very different scale or the edges of a float type's range, and
  whose name states what is expected there (finite, no warning, the reference's value).

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
import inspect
import io
import secrets
import sys
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nndl_lib.grading import notebook
from nndl_lib.grading.checks import CheckResult
from nndl_lib.grading.compare import (
    all_of,
    compare_arg,
    compare_extreme,
    compare_ret,
    compare_value,
    describe_error,
    inputs_unchanged,
    join_names,
    unsupported_result,
)
from nndl_lib.grading.drivers import (
    Case,
    call_case,
    given_inputs,
    preload,
    run_driver,
    where_raised,
)
from nndl_lib.grading.task_results import SubResult, TaskResult
from nndl_lib.grading.task_spec import INPUTS_HINT, PlannedCase, SubCheck, Task, extremes
from nndl_lib.grading.wire import RaisedError, Unsupported

__all__ = [
    "Case",
    "call_case",
    "SubCheck",
    "Task",
    "Assignment",
    "SubResult",
    "TaskResult",
    "PlannedCase",
    "compare_ret",
    "compare_arg",
    "compare_extreme",
    "compare_value",
    "all_of",
    "describe_error",
    "extremes",
    "INPUTS_HINT",
]


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
        return RaisedError(type(exc).__name__, str(exc), where_raised(exc))


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

    def __post_init__(self) -> None:
        self._names: dict[tuple[str, str | None], list[str]] = {}
        for task in self.tasks:
            self._add_inputs_subcheck(task)

    def _add_inputs_subcheck(self, task: Task) -> None:
        """Check ``task``'s in-place declaration against the arguments its calls pass and add
        the "inputs" sub-check when some data argument is not updated in place."""
        if not isinstance(task.in_place, tuple):
            raise TypeError(f"task {task.name}: in_place must be a tuple of argument names; "
                            f"got {task.in_place!r}")
        if task.inputs_subcheck is not None:
            raise ValueError(f"task {task.name}: the 'inputs' sub-check is added by the "
                             "assignment; declare in_place instead")
        seen: dict[str, bool] = {}  # argument name -> holds data that could be changed
        for p in self.plan(task, self.visible_seed(task.name), costly=False):
            names = self.input_names(p)
            for key, value in given_inputs(p.driver, p.case.data).items():
                name = names.get(key, key)
                seen[name] = seen.get(name, False) or isinstance(
                    value, np.ndarray | list | tuple | dict)
            for name in names.values():
                seen.setdefault(name, False)
        unknown = [n for n in task.in_place if n not in seen]
        if unknown:
            raise ValueError(f"task {task.name}: in_place names {unknown}, which its calls do "
                             f"not pass; its arguments: {sorted(seen)}")
        kept = [n for n, data in seen.items() if data and n not in task.in_place]
        if task.fixed_answer or not kept:
            return
        name = f"{join_names(kept)} left unchanged by every call"
        if task.in_place:
            name += f" ({join_names(list(task.in_place))} updated in place)"
        task.subchecks.append(SubCheck(name, task.inputs_points, None, None,
                                       hint=INPUTS_HINT, kind="inputs"))

    def _signature(self, data: dict) -> list[str]:
        """The positional parameter names of the reference a "call" case calls."""
        fn, attr = data.get("fn"), data.get("attr")
        if (fn, attr) not in self._names:
            names: list[str] = []
            target = self.references.get(fn) if isinstance(fn, str) else None
            if target is not None and attr:
                target = getattr(target, attr, None)
            if target is not None:
                try:
                    names = [q.name for q in inspect.signature(target).parameters.values()
                             if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
                except (TypeError, ValueError):
                    names = []
            self._names[(fn, attr)] = names
        return self._names[(fn, attr)]

    def input_names(self, p: PlannedCase) -> dict[str, str]:
        """Driver input key -> the argument's name in the reference (``"0"`` -> ``"x"``)."""
        if p.driver not in ("call", "call_with_gradient", "call_by_batch_size",
                            "call_catching"):
            return {}
        params = self._signature(p.case.data)
        return {str(i): n for i, n in enumerate(params)}

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

    def plan(self, task: Task, seed: int, *, costly: bool = True) -> list[PlannedCase]:
        """Every case of every sub-check of ``task``, drawn from ``seed`` (without the costly
        sub-checks' when ``costly`` is false)."""
        planned = []
        for i, sc in enumerate(task.subchecks):
            if sc.cases is None or (sc.costly and not costly):
                continue  # "inputs" has no cases: it checks the other sub-checks' calls
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
        inputs = task.inputs_subcheck
        if inputs is not None:
            counts[inputs], failed = self._check_inputs(task, planned, outcomes)
            others = [i for i in range(len(task.subchecks)) if i != inputs]
            if failed is None and all(i in first_failure for i in others):
                # leaving the inputs alone is worth something only in a function that works
                failed = ("", CheckResult(task.name, False, "not-credited",
                                          message=f"{task.name}: the arguments were left "
                                                  "unchanged, which counts once another check "
                                                  f"of {task.name} passes"))
            if failed is not None:
                first_failure[inputs] = failed
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

    def _check_inputs(self, task: Task, planned: list[PlannedCase],
                      outcomes: Sequence[dict | RaisedError]
                      ) -> tuple[int, tuple[str, CheckResult] | None]:
        """Every call of ``task`` that returned left its arguments (but ``task.in_place``)
        unchanged. Returns the number of calls checked and the first failure (the first
        error when no call returned)."""
        checked, first_error = 0, None
        for p, got in zip(planned, outcomes, strict=True):
            if not isinstance(got, dict) or not isinstance(got.get("inputs"), dict):
                if first_error is None:  # a crash is reported by the check it crashed in
                    first_error = ("", CheckResult(
                        task.name, False, "not-credited",
                        message=f"{task.name}: not checked, as no call returned (see the "
                                "error above); it counts once another check passes",
                        details={"type": got.type_name} if isinstance(got, RaisedError)
                        else {}))
                continue
            checked += 1
            result = inputs_unchanged(given_inputs(p.driver, p.case.data), got["inputs"],
                                      self.input_names(p), task.name, task.in_place)
            if not result.passed:
                return checked, (p.case.label, result)
        return checked, (first_error if checked == 0 else None)

    def run(self, name: str, ns: Mapping[str, Any], *, seed: int | None = None,
            mode: str = "visible", as_graded: bool = False) -> TaskResult:
        """Run task ``name`` on the objects in ``ns`` in this process. as_graded: the learner's
        object sees the course library as the out-of-kernel grader lets it (see
        :func:`nndl_lib.grading.notebook.as_graded`)."""
        task = self.task(name)
        if seed is None:
            seed = self.visible_seed(name) if mode == "visible" else secrets.randbits(62)
        planned = self.plan(task, seed)
        if as_graded:
            ns = dict(ns)
            preload(p.driver for p in planned)  # as the grader's child does, before the view
        view = notebook.as_graded(ns, name, self.allowed_modules) if as_graded else \
            contextlib.nullcontext({})
        with view as removed:
            outcomes = [call_safely(p.driver, ns, p.case.data) for p in planned]
        return self.score(task, planned, outcomes, mode, notebook.graded_notes(removed))

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
        result = self.run(name, ns, mode="hidden" if hidden else "visible", as_graded=True)
        if not quiet:
            print(result.report())
        return result
