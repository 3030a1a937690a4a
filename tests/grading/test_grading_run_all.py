"""Restart and Run All reaches the end of every exercise notebook whatever is left unfinished
(issue 26): a learner with one task left still sees every later check. Demonstration cells
that call an unwritten function say "Not implemented yet" and the check cells report, never
raise."""

from __future__ import annotations

import nbformat
import pytest
from grading_support import ASSIGNMENTS, cell_source, learner_notebook, nbgrader_meta
from nbclient import NotebookClient

pytestmark = pytest.mark.grading


def _run_all(nb: dict, tmp_path) -> nbformat.NotebookNode:
    node = nbformat.from_dict(nb)
    NotebookClient(node, timeout=120, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return node


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_stub_notebook_runs_to_the_end_and_scores_zero_in_every_check(assignment, tmp_path):
    nb = _run_all(learner_notebook(assignment, answers="stub"), tmp_path)
    checks = [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
    assert checks
    for cell in checks:  # every check cell ran, reported and scored nothing
        (result,) = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        assert float(result["data"]["text/plain"]) == 0.0, cell_source(cell)
        assert "not written yet" in _printed(cell)
    demos = [c for c in nb.cells if c.cell_type == "code" and "checks.if_written" in c.source]
    assert demos and all("Not implemented yet" in _printed(c) for c in demos)


def test_the_reference_notebook_runs_to_the_end_with_full_marks(tmp_path):
    nb = _run_all(learner_notebook("ch02_backprop"), tmp_path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "Not implemented yet" not in _printed(cell), cell.source
            if nbgrader_meta(cell).get("grade"):
                (result,) = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
                assert float(result["data"]["text/plain"]) == nbgrader_meta(cell)["points"]


# --- exceptions are explained (issue 26) ----------------------------------------------------------

NO_TRANSPOSE = ("z = a @ w.T + b", "z = a @ w + b")


def _broken_backprop() -> str:
    from grading_support import solution_code

    return solution_code("ch02_backprop")["backprop"].replace(*NO_TRANSPOSE)


def test_a_crash_is_explained_once_with_the_learners_own_line_in_the_notebook(tmp_path):
    nb = _run_all(learner_notebook("ch02_backprop", replace={"backprop": _broken_backprop()}),
                  tmp_path)
    (cell,) = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "test_backprop"]
    report = _printed(cell)
    number = next(c.execution_count for c in nb.cells
                  if nbgrader_meta(c).get("grade_id") == "backprop")
    assert f"at line 5 of cell In[{number}] (in backprop): z = a @ w + b" in report, report
    assert "A's last size" in report and "transpose" in report
    assert "matmul: Input operand" not in report  # NumPy's words are translated
    assert report.count("raised ValueError") == 1  # one crash, explained once
    assert "not checked, as no call returned" in report


def test_a_crash_is_explained_with_the_learners_own_line_when_graded():
    from grading_support import MODULES, source_nb

    from nndl_lib.grading.outofkernel_parent import Limits, grade_notebook

    a = MODULES["ch02_backprop"].ASSIGNMENT
    sub = learner_notebook("ch02_backprop", replace={"backprop": _broken_backprop()})
    index = next(i for i, c in enumerate(sub["cells"])
                 if nbgrader_meta(c).get("grade_id") == "backprop")
    result = grade_notebook(a, source_nb("ch02_backprop"), sub, "eve", b"secret",
                            Limits(cell_s=5.0, case_s=5.0, grace_s=2.0, total_s=120.0))
    report = result.task("backprop").report()
    assert f"at line 5 of cell {index + 1} (in backprop): z = a @ w + b" in report, report
    assert report.count("raised ValueError") == 1 and "A's last size" in report
