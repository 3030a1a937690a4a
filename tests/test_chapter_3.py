"""Promises of chapter 3 (second edition): the book's experiments at its configuration where they
are cheap, the algorithm on the page, the plumbing hidden, numbers computed, no placeholders."""

from __future__ import annotations

import json
import re

from helpers import ROOT

CH3 = ROOT / "chapters" / "ch03_improving.ipynb"


def _nb() -> dict:
    return json.loads(CH3.read_text(encoding="utf-8"))


def _cells(kind: str) -> list[dict]:
    return [c for c in _nb()["cells"] if c["cell_type"] == kind]


def _text(kind: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(kind))


def test_prose_numbers_are_evaluated_inline():
    assert _nb()["metadata"]["mystnb"] == {"execution_mode": "inline"}
    assert _text("markdown").count("{eval}") > 100
    assert "{glue" not in _text("markdown")


def test_hidden_cells_are_collapsed_and_never_removed_whole():
    # remove-cell would defer the cell's execution past the next markdown cell in MyST-NB's inline
    # mode, so the {eval} roles there would see undefined names: computed cells use remove-input.
    for i, cell in enumerate(_nb()["cells"]):
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert "remove-cell" not in tags, i
        if tags & {"remove-input", "hide-input"}:
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, i


def test_configuration_and_import_cells_are_hidden():
    config_cell, import_cell = _cells("code")[:2]
    assert "nndl_lib.config" in "".join(config_cell["source"])
    assert "import" in "".join(import_cell["source"])
    for cell in (config_cell, import_cell):
        assert set(cell["metadata"].get("tags", [])) & {"remove-input", "hide-input"}


def test_every_figure_has_a_caption_and_alt_text_and_every_plot_is_a_figure():
    for i, cell in enumerate(_nb()["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        draws = re.search(r"plt\.subplots|plot_curves\(|show_digits\(|plot_descent_on_surface\(",
                          src) and "import matplotlib" not in src
        meta = cell["metadata"].get("mystnb", {})
        if draws:
            assert meta["figure"]["caption"].strip(), i
            assert meta["figure"]["name"].startswith("fig-"), i
            assert meta["image"]["alt"].strip(), i
    names = [c["metadata"]["mystnb"]["figure"]["name"] for c in _cells("code")
             if "figure" in c["metadata"].get("mystnb", {})]
    assert len(names) == len(set(names)) >= 25


def test_tables_are_rendered_as_gfm():
    for cell in _cells("code"):
        src = "".join(cell["source"])
        if "markdown_table(" in src or "book_comparison_table(" in src:
            assert cell["metadata"]["mystnb"]["markdown_format"] == "gfm"


def test_no_placeholders_and_no_hand_kept_ledger():
    text = (_text("markdown") + _text("code")).lower()
    for phrase in ("to come", "todo", "placeholder", '"—"', "ledger: dict", "ledger = {"):
        assert phrase not in text, phrase


def test_the_cheap_experiments_run_at_the_books_configuration():
    code = _text("code")
    # the 1,000-image runs take the book's spec unchanged (400 epochs), as do the full-data runs
    for key in ("ch3_overfit_1000", "ch3_l2_1000", "ch3_full_l2", "ch3_ce_30"):
        assert f'ex.spec_from_book("{key}")' in code, key
    assert 'ex.spec_from_book(f"ch3_init_{init}_30")' in code
    assert "ex.more_data_sweep(ns_live, training_data, validation_data" in code
    assert "epochs_of = pick(" not in code  # the old 40-epoch fast tier is gone


def test_the_equations_are_shown_as_library_source():
    code = _text("code")
    for shown in ("QuadraticCost.delta", "CrossEntropyCost.delta", "regularize",
                  "training.sgd_step", "optimizers.Momentum._update", "softmax"):
        assert f"show_source({shown})" in code, shown


def test_the_learning_slowdown_plots_outputs_and_the_book_learning_rate():
    code = _text("code")
    assert "eta_quad, eta_ce = 0.15, 0.005" in code
    assert "run.a" in code  # the output a over time, not the two costs on one axis
    assert "Which learning rate is" in _text("markdown")


def test_dropout_text_matches_the_per_example_masks():
    md = _text("markdown")
    assert "one mask per example" in _text("code")
    assert "per **mini-batch**" in md and "**each\nexample**" in md
