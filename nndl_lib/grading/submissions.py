"""Submissions made from a source notebook, as a learner would hand them in.

An instructor (or a test, or the grading benchmark) needs notebooks that look exactly like a
learner's: the released notebook, without hidden tests or outputs, whose answer cells hold either
the reference answers (a submission that must earn every point) or nbgrader's stubs (one that
must earn none). :func:`submission` makes them from ``exercises/source/<name>/<name>.ipynb``.
"""

from __future__ import annotations

import copy

from nndl_lib.grading.notebook_cells import cell_source, nbgrader_meta, without_region

__all__ = ["submission", "reference_answer", "stub_answer", "without_hidden_tests"]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def reference_answer(text: str) -> str:
    """An answer cell's source with the reference answer kept and its markers removed."""
    return "\n".join(line for line in _lines(text)
                     if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def stub_answer(text: str) -> str:
    """An answer cell's source as nbgrader releases it: each solution region replaced by
    ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the region's indentation."""
    out, inside = [], False
    for line in _lines(text):
        if "BEGIN SOLUTION" in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def without_hidden_tests(text: str) -> str:
    """A cell's source without its hidden-test and mark-scheme regions (markers included), as
    nbgrader releases it."""
    for begin, end in (("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
                       ("BEGIN MARK SCHEME", "END MARK SCHEME")):
        text = without_region(text, begin, end)
    return text


def submission(source_nb: dict, answers: str = "reference",
               replace: dict[str, str] | None = None) -> dict:
    """A learner's submission made from a source notebook (the argument is not changed).

    answers: "reference" (the reference answers, markers removed) or "stub" (nbgrader's stubs;
        a manually graded Markdown answer becomes "YOUR ANSWER HERE").
    replace: {grade_id: source} for cells to replace by other code (a mutant, a hostile cell).
    Hidden tests, rubrics (mark schemes) and outputs are removed from every cell.
    """
    if answers not in ("reference", "stub"):
        raise ValueError(f"answers must be 'reference' or 'stub', not {answers!r}")
    nb = copy.deepcopy(source_nb)
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        text = cell_source(cell)
        if meta.get("solution"):
            text = reference_answer(text) if answers == "reference" else stub_answer(text)
            if cell["cell_type"] == "markdown" and answers == "stub":
                text = "YOUR ANSWER HERE"
        text = without_hidden_tests(text)
        if replace and meta.get("grade_id") in replace:
            text = replace[meta["grade_id"]]
        cell["source"] = text
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb
