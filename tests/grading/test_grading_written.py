"""Written questions that ask for application (issue 26): each is an nbgrader task cell that asks
for a prediction and a check of it in a new situation, with a rubric (what earns each point) in
a mark-scheme region: formgrader shows it to the grader (autograde restores the task cell's
source), the released notebook and the feedback do not."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from grading_support import (
    ASSIGNMENTS,
    MODULES,
    cell_source,
    learner_notebook,
    nbgrader_meta,
    source_nb,
)

from nndl_lib.grading import leaks


def _task_cell(assignment: str, name: str) -> dict:
    (cell,) = [c for c in source_nb(assignment)["cells"]
               if nbgrader_meta(c).get("grade_id") == name]
    return cell


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_written_question_is_a_task_with_a_rubric_worth_its_points(assignment):
    for name, points in MODULES[assignment].ASSIGNMENT.manual.items():
        cell = _task_cell(assignment, name)
        meta = nbgrader_meta(cell)
        assert meta["task"] and meta["locked"] and not meta["grade"] and not meta["solution"]
        assert meta["points"] == points
        text = cell_source(cell)
        for word in ("**Predict**", "**Check**"):
            assert word in text, name
        rubric = "\n".join(leaks._regions(text, "BEGIN MARK SCHEME", "END MARK SCHEME"))
        assert f"**Rubric ({points:g} points).**" in rubric
        earned = [float(p) for p in re.findall(r"^- (\d+(?:\.\d+)?) points?,", rubric, re.M)]
        assert sum(earned) == points and len(earned) >= 3, rubric
        assert "Model answer" in rubric


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_rubric_reaches_the_learner(assignment):
    src = source_nb(assignment)
    rubric = leaks.protected_lines(src, hidden=False)
    marked = {ln.strip() for c in src["cells"]
              for ln in leaks._regions(cell_source(c), "BEGIN MARK SCHEME", "END MARK SCHEME")
              if len(ln.strip()) >= leaks.MIN_LENGTH}
    assert marked and marked <= rubric
    released = learner_notebook(assignment, answers="stub")
    assert leaks.find_leaks(leaks.notebook_text(released), marked) == []
    # the feedback is made from the autograded notebook, where the task cell has its rubric again
    graded = nbformat.reads(json.dumps(src), as_version=4)  # sources as nbconvert reads them
    scrubbed, _ = leaks.ScrubHiddenTests().preprocess(graded, {})
    found = leaks.find_leaks(leaks.notebook_text(scrubbed), marked)
    assert [f for f in found if "SOLUTION" not in f] == []  # (the source keeps its solutions)
