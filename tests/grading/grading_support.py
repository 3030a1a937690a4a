"""Helpers for the grading tests: reference and stub submissions built from the source
notebooks, namespaces to run checks in, and notebook edits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
from helpers import ROOT

from nndl_lib.grading.course import Course
from nndl_lib.grading.notebook_cells import cell_source, nbgrader_meta
from nndl_lib.grading.submissions import reference_answer, submission

COURSE = ROOT / "exercises"
#: every assignment of the course (a notebook in exercises/source/<name>/ and a check module
#: nndl_lib/grading/assignments/<name>.py): the tests cover each one found here
ASSIGNMENTS = Course(COURSE).assignments()
MODULES = {a: Course(COURSE).check_module(a) for a in ASSIGNMENTS}


def source_nb(assignment: str) -> dict:
    return json.loads((COURSE / "source" / assignment / f"{assignment}.ipynb").read_text())


def solution_code(assignment: str) -> dict[str, str]:
    """grade_id -> the reference answer cell's code (markers removed)."""
    return {nbgrader_meta(c)["grade_id"]: reference_answer(cell_source(c))
            for c in source_nb(assignment)["cells"]
            if c["cell_type"] == "code" and nbgrader_meta(c).get("solution")}


def learner_notebook(assignment: str, answers: str = "reference",
                     replace: dict[str, str] | None = None) -> dict:
    """A submission as a learner would hand it in (``nndl_lib.grading.submissions``): the
    released notebook whose answer cells hold the reference code ("reference") or the stub
    ("stub"), with the cells named in ``replace`` (grade_id -> source) replaced."""
    return submission(source_nb(assignment), answers, replace)


def namespace(assignment: str, replace: dict[str, str] | None = None,
              answers: str = "reference") -> dict[str, Any]:
    """Run the assignment's prelude and every answer cell (as in learner_notebook) in a fresh
    namespace, as the learner's kernel would hold them."""
    module = Course(COURSE).check_module(assignment)
    ns: dict[str, Any] = {"__name__": "__main__", "np": np}
    exec(module.ASSIGNMENT.prelude, ns)
    nb = learner_notebook(assignment, answers, replace)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and nbgrader_meta(cell).get("solution"):
            exec(cell_source(cell), ns)
    return ns


#: Two "graded" draws besides the visible cases.
GRADED_SEEDS = (11, 2024)


def visible_and_graded_runs(assignment: Any, task: str, ns: dict) -> Iterator[Any]:
    """``assignment.run`` of ``task`` on ``ns``: the visible cases, then each graded draw."""
    yield assignment.run(task, ns, mode="visible")
    for seed in GRADED_SEEDS:
        yield assignment.run(task, ns, seed=seed, mode="graded")
