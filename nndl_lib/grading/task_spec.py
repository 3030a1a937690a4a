"""What an assignment declares: its tasks (graded objects), their sub-checks worth points, and
the cases a sub-check runs. Plain data; :class:`~nndl_lib.grading.framework.Assignment` plans,
runs and scores them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nndl_lib.grading.compare import EXTREME_BEHAVIOUR, Compare, compare_extreme
from nndl_lib.grading.drivers import Case

__all__ = ["SubCheck", "extremes", "Task", "PlannedCase", "INPUTS_HINT"]

#: The hint of every generated "inputs" sub-check.
INPUTS_HINT = ("the caller still needs the arrays it passed: compute new arrays instead of "
               "writing into the ones given (or put back every entry you change)")


@dataclass
class SubCheck:
    """A property worth ``points``: every case from ``cases(rng)`` must pass ``compare``.

    fixed: the cases do not depend on the seed (a book example, a truth table). kind:
    "values" (ordinary cases), "extremes" (see :func:`extremes`) or "inputs" (the sub-check the
    assignment adds to each task: it has no cases of its own and checks every call of the task).
    costly: drawing the cases loads data (a training set): they are drawn when the task runs,
    not when the assignment is built (its other sub-checks' calls show the arguments).
    """

    name: str
    points: float
    cases: Callable[[np.random.Generator], list[Case]] | None
    compare: Compare | None
    driver: str = "call"
    hint: str = ""
    fixed: bool = False
    kind: str = "values"
    costly: bool = False


def extremes(name: str, points: float, cases: Callable[[np.random.Generator], list[Case]], *,
             expect: Sequence[str] = ("finite", "quiet", "value"), location: str = "output",
             check_dtype: bool = False, driver: str = "call", hint: str = "",
             fixed: bool = False) -> SubCheck:
    """A sub-check of kind "extremes": the cases are extreme inputs (saturated, rows of very
    different scale, values at the edges of float32/float64), and each must satisfy every
    property in ``expect`` (see :data:`~nndl_lib.grading.compare.EXTREME_BEHAVIOUR`), which
    the sub-check's name states after a colon."""
    stated = ", ".join(EXTREME_BEHAVIOUR[k] for k in expect)
    return SubCheck(f"{name}: {stated}", points, cases,
                    compare_extreme(expect, location=location, check_dtype=check_dtype),
                    driver=driver, hint=hint, fixed=fixed, kind="extremes")


@dataclass
class Task:
    """A graded object called ``name`` in the learner's notebook.

    in_place: the arguments the object updates in place by contract (``l2_update``'s ``w``, an
    optimiser's ``params``), by their names in the reference; required, ``()`` for none. Every
    other data argument must be unchanged after every call: the assignment adds the sub-check
    (kind "inputs", worth ``inputs_points``). fixed_answer: the object takes no input (e.g. a
    worked example's setup), so every case is fixed; every other task has sub-checks on inputs
    drawn from the seed.
    """

    name: str
    subchecks: list[SubCheck]
    in_place: tuple[str, ...]
    summary: str = ""
    fixed_answer: bool = False
    inputs_points: float = 0.25

    @property
    def points(self) -> float:
        return float(sum(sc.points for sc in self.subchecks))

    @property
    def inputs_subcheck(self) -> int | None:
        """The index of the generated "inputs" sub-check, or None (no data arguments)."""
        for i, sc in enumerate(self.subchecks):
            if sc.kind == "inputs":
                return i
        return None


@dataclass
class PlannedCase:
    """A case of sub-check number ``subcheck`` of ``task``, ready to run."""

    task: str
    subcheck: int
    case: Case
    driver: str
