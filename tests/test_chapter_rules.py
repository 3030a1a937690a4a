"""The rules every chapter page keeps (chapters 1-6, the foundations page and the appendix): prose
numbers computed inline, the plumbing hidden, every figure captioned, tables as GFM, the kernels
on the page, no placeholders. What one chapter promises beyond these is in its own test file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import CHAPTERS, read_notebook, text_of

HIDDEN = {"remove-input", "hide-input"}
#: The library source each chapter prints, by how it prints it (``inspect.getsource(name)`` or the
#: chapter's ``show_source(name)``): the algorithm on the page, never a wrapper around it.
PRINTED = {
    "ch01_digits": ("inspect.getsource(fc.feedforward)", "inspect.getsource(fc.update_mini_batch)",
                    "inspect.getsource(fc.sgd)"),
    "ch02_backprop": ("inspect.getsource(fc.backprop_example)", "inspect.getsource(fc.backprop)"),
    "ch03_improving": tuple(f"show_source({name})" for name in (
        "QuadraticCost.delta", "CrossEntropyCost.delta", "regularize", "training.sgd_step",
        "optimizers.Momentum._update", "softmax")),
    "ch06_deep_learning": ("inspect.getsource(conv.conv2d_backward_naive)",
                           "inspect.getsource(conv.maxpool_backward_naive)"),
}
#: A code cell that draws (and so must be a captioned figure).
DRAWS = re.compile(r"plt\.subplots|plt\.figure\(|plot_curves\(|show_digits\(|show_filters\("
                   r"|plot_descent_on_surface\(")


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _executed_code(path: Path) -> list[dict]:
    """The code cells the book build runs (widget cells are ``skip-execution``)."""
    return [c for c in read_notebook(path)["cells"]
            if c["cell_type"] == "code" and "skip-execution" not in _tags(c)]


def test_the_rules_cover_every_chapter_page():
    pages = {nb.stem.split("_")[0] for nb in CHAPTERS}
    assert pages >= {"foundations", "appendix"} | {f"ch0{i}" for i in range(1, 7)}
    assert set(PRINTED) <= {nb.stem for nb in CHAPTERS}


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_prose_numbers_are_evaluated_inline(nb):
    assert read_notebook(nb)["metadata"]["mystnb"] == {"execution_mode": "inline"}
    assert "{eval}" in text_of(nb, "markdown")
    assert "{glue" not in text_of(nb, "markdown")


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_hidden_cells_are_collapsed_and_only_widget_cells_are_removed_whole(nb):
    # remove-cell would defer the cell's execution past the next markdown cell in MyST-NB's inline
    # mode, so the {eval} roles there would see undefined names: computed cells use remove-input.
    # Widget cells are never executed by the build (skip-execution), so they may be removed.
    for i, cell in enumerate(read_notebook(nb)["cells"]):
        tags = _tags(cell)
        assert "remove-cell" not in tags or "skip-execution" in tags, i
        if tags & HIDDEN:
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, i


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_configuration_and_import_cells_come_first_and_are_hidden(nb):
    config_cell, import_cell = _executed_code(nb)[:2]
    config_source = "".join(config_cell["source"])
    assert "import nndl_lib.config" in config_source or "from nndl_lib import config" in (
        config_source)
    assert "import" in "".join(import_cell["source"])
    for cell in (config_cell, import_cell):
        assert _tags(cell) & HIDDEN


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_every_plot_is_a_figure_with_a_caption_a_name_and_alt_text(nb):
    names = []
    for i, cell in enumerate(_executed_code(nb)):
        src = "".join(cell["source"])
        meta = cell["metadata"].get("mystnb", {})
        if DRAWS.search(src) and "import matplotlib" not in src:
            assert "figure" in meta, (i, src[:80])
        if "figure" in meta:
            assert meta["figure"]["caption"].strip(), i
            assert meta["figure"]["name"].startswith("fig-"), i
            assert meta["image"]["alt"].strip(), i
            names.append(meta["figure"]["name"])
    assert names, "a chapter page without a figure"
    assert len(names) == len(set(names))


def test_figure_names_are_unique_across_the_book():
    names = [c["metadata"]["mystnb"]["figure"]["name"] for nb in CHAPTERS
             for c in _executed_code(nb) if "figure" in c["metadata"].get("mystnb", {})]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_tables_are_rendered_as_gfm(nb):
    for cell in _executed_code(nb):
        src = "".join(cell["source"])
        if "markdown_table(" in src or "book_comparison_table(" in src:
            assert cell["metadata"]["mystnb"]["markdown_format"] == "gfm"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_the_kernels_are_printed_never_a_wrapper(nb):
    code = text_of(nb, "code")
    for shown in PRINTED.get(nb.stem, ()):
        assert shown in code, shown
    assert "getsource(Network" not in code and "getsource(net" not in code


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_no_placeholders_and_no_hand_kept_ledger(nb):
    text = (text_of(nb, "markdown") + text_of(nb, "code")).lower()
    for phrase in ("to come", "todo", "placeholder", '"—"', "ledger: dict", "ledger = {"):
        assert phrase not in text, phrase
