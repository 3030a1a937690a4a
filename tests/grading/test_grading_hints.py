"""Hints that lead (issue 26): no hint of a check, and no recap or hint of a released notebook,
hands out a line of the reference solution; every task's Markdown offers hints opened one at a
time (what to look at, then the equation)."""

from __future__ import annotations

import re

import pytest
from grading_support import (
    ASSIGNMENTS,
    MODULES,
    cell_source,
    learner_notebook,
    nbgrader_meta,
    solution_code,
)

from nndl_lib.grading.hints import code_shape, code_spans, handed_out, solution_fragments


def _fragments(assignment: str) -> set[str]:
    return set().union(*(solution_fragments(code)
                         for code in solution_code(assignment).values()))


def test_a_renamed_line_has_the_same_shape():
    assert code_shape("nabla_w = delta.T @ a_prev") == code_shape(
        "nabla_w[i] = delta.T @ activations[i]")
    assert code_shape("a = sigma(a @ w.T + b)") == code_shape("a = sigmoid(a @ w.T + b)")
    assert handed_out(solution_fragments(
        "    return (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)"),
        "draw rng.standard_normal((n_out, n_in)) once, then scale")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_check_hint_hands_out_a_solution_line(assignment):
    fragments = _fragments(assignment)
    for task in MODULES[assignment].ASSIGNMENT.tasks:
        for sc in task.subchecks:
            assert handed_out(fragments, sc.hint) == [], (task.name, sc.name, sc.hint)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_recap_or_hint_of_the_released_notebook_hands_out_a_solution_line(assignment):
    fragments = _fragments(assignment)
    for cell in learner_notebook(assignment, answers="stub")["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for code in code_spans(cell_source(cell)):
            assert handed_out(fragments, code) == [], (nbgrader_meta(cell).get("grade_id"),
                                                       code)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_offers_hints_one_at_a_time(assignment):
    """Two closed <details> per task's Markdown: what to look at, then the equation."""
    cells = learner_notebook(assignment, answers="stub")["cells"]
    named: list[str] = []
    for cell in cells:
        text = cell_source(cell)
        if cell["cell_type"] != "markdown" or "**Task.**" not in text:
            continue
        first = re.findall(r"<summary>Hint 1 \(([^)]*)\): what to look at</summary>", text)
        second = re.findall(r"<summary>Hint 2 \(([^)]*)\): the equation</summary>", text)
        assert first == second and len(first) == 1, nbgrader_meta(cell).get("grade_id")
        assert text.count("<details>") == text.count("</details>") == 2
        assert text.index("Hint 1") < text.index("Hint 2")
        named += first[0].split(", ")
    assert sorted(named) == sorted(t.name for t in MODULES[assignment].ASSIGNMENT.tasks)
