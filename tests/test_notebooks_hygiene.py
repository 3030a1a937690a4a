"""Promises every committed notebook keeps (see the README's "Adding a chapter")."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from helpers import CHAPTERS, ROOT, cells_of, read_notebook

import nndl_lib

NOTEBOOKS = CHAPTERS + sorted((ROOT / "exercises" / "source").glob("**/*.ipynb"))


def _is_graded_solution(cell: dict) -> bool:
    """An exercise's answer cell (nbgrader ``solution: true``): it defines, on purpose, the
    function the learner writes, under the library's own name."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _code(nb_path: Path, skip_solutions: bool = False) -> list[str]:
    out = []
    for cell in cells_of(nb_path):
        if skip_solutions and _is_graded_solution(cell):
            continue
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            # IPython magics and shell escapes are not Python.
            lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            out.append("\n".join(lines))
    return out


def _library_names() -> set[str]:
    names: set[str] = set()
    # Every module of every subpackage (core, deep, companions, reproduction, grading).
    for mod in pkgutil.walk_packages(nndl_lib.__path__, "nndl_lib."):
        module = importlib.import_module(mod.name)
        names |= set(getattr(module, "__all__", []))
    return names


def test_there_are_chapters():
    assert CHAPTERS, "chapters/ has no notebooks"


def test_the_solution_exemption_covers_only_answer_cells():
    exercises = [nb for nb in NOTEBOOKS if nb not in CHAPTERS]
    assert exercises, "exercises/source has no notebooks"
    for nb in CHAPTERS:  # chapters have no answer cells: nothing of theirs is exempt
        assert not any(_is_graded_solution(c) for c in cells_of(nb)), nb.name
    for nb in exercises:
        cells = cells_of(nb)
        exempt = [c for c in cells if _is_graded_solution(c)]
        assert exempt and len(exempt) < len(cells), nb.name


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(nb):
    dirty = [i for i, c in enumerate(cells_of(nb))
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert dirty == [], f"{nb.name}: cells {dirty} have outputs or execution counts; strip them"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_does_not_redefine_library_code(nb):
    # Exercise answer cells are exempt (learners rewrite library functions there, graded against
    # the library); every other cell of an exercise notebook, and every chapter cell, is not.
    library = _library_names()
    defined = set()
    for src in _code(nb, skip_solutions=True):
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
    clash = sorted(defined & library)
    assert clash == [], f"{nb.name} redefines {clash}, which nndl_lib exports: import them instead"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_the_full_switch_summary_and_exercises(nb):
    code = "\n".join(_code(nb))
    assert "nndl_lib.config" in code or "from nndl_lib import config" in code, (
        f"{nb.name}: use nndl_lib.config (full_run / pick) for the fast/full switch"
    )
    headings = [line.strip().lstrip("#").strip().lower()
                for c in cells_of(nb) if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).splitlines() if line.startswith("#")]
    assert any("summary" in h for h in headings), f"{nb.name}: no Summary section"
    assert any("exercise" in h for h in headings), f"{nb.name}: no Exercises section"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapter_kernel_is_python3(nb):
    meta = read_notebook(nb)["metadata"]
    assert meta.get("kernelspec", {}).get("name") == "python3"


def _inline(nb_path: Path) -> bool:
    meta = read_notebook(nb_path)["metadata"]
    return meta.get("mystnb", {}).get("execution_mode") == "inline"


@pytest.mark.parametrize("nb", [nb for nb in CHAPTERS if _inline(nb)], ids=lambda p: p.name)
def test_inline_notebook_has_no_code_cell_ending_with_a_semicolon(nb):
    # MyST-NB evaluates {eval} roles with store_history=False, so IPython still sees the previous
    # cell as the last input: if that cell ends with ';', every {eval} of the next markdown cell
    # is silenced ("does not return any outputs") and renders empty.
    bad = [i for i, c in enumerate(cells_of(nb)) if c["cell_type"] == "code"
           and "".join(c["source"]).rstrip().endswith(";")]
    assert bad == [], f"{nb.name}: code cells {bad} end with ';'; drop it (it silences {{eval}})"
