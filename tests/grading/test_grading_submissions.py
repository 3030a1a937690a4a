"""Submissions made from source notebooks (nndl_lib.grading.submissions)."""

from __future__ import annotations

import copy

import pytest
from grading_support import ASSIGNMENTS, source_nb

from nndl_lib.grading.leaks import MARKERS, find_leaks, notebook_text, protected_lines
from nndl_lib.grading.notebook_cells import nbgrader_meta
from nndl_lib.grading.submissions import stub_answer, submission

CELL = ("def f(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    return 2 * x\n"
        "    ### END SOLUTION\n")


def test_a_stub_keeps_the_indentation_of_the_solution_region():
    assert stub_answer(CELL) == ("def f(x):\n    # YOUR CODE HERE\n"
                                 "    raise NotImplementedError()\n")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_submissions_hold_no_marker_no_hidden_test_and_no_output(assignment):
    source = source_nb(assignment)
    before = copy.deepcopy(source)
    hidden = protected_lines(source, solutions=False)
    for answers in ("reference", "stub"):
        nb = submission(source, answers)
        text = notebook_text(nb)
        assert not any(m in text for m in MARKERS)
        assert not find_leaks(text, hidden)
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    stub_text = notebook_text(submission(source, "stub"))
    assert not find_leaks(stub_text, protected_lines(source, hidden=False))
    assert source == before  # the source notebook is not changed


def test_replace_puts_other_code_in_the_named_cell_only():
    source = source_nb(ASSIGNMENTS[0])
    gid = next(nbgrader_meta(c)["grade_id"] for c in source["cells"]
               if c["cell_type"] == "code" and nbgrader_meta(c).get("solution"))
    nb = submission(source, replace={gid: "x = 1"})
    changed = [c for c in nb["cells"] if c["source"] == "x = 1"]
    assert [nbgrader_meta(c)["grade_id"] for c in changed] == [gid]


def test_an_unknown_kind_of_answers_is_refused():
    with pytest.raises(ValueError, match="'reference' or 'stub'"):
        submission(source_nb(ASSIGNMENTS[0]), "solutions")
