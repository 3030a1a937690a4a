"""Restart and Run All reaches the end of every exercise notebook whatever is left unfinished
(issue 26): a learner with one task left still sees every later check. Demonstration cells
that call an unwritten function say "Not implemented yet" and the check cells report, never
raise."""

from __future__ import annotations

import nbformat
import pytest
from grading_support import ASSIGNMENTS, cell_text, learner_notebook, nbgrader_meta
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
        assert float(result["data"]["text/plain"]) == 0.0, cell_text(cell)
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
