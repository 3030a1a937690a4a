"""Promises of chapter 3 (second edition) beyond the rules every chapter keeps
(``test_chapter_rules.py``): the book's experiments at its configuration where they are cheap."""

from __future__ import annotations

from helpers import ROOT, text_of

CH3 = ROOT / "chapters" / "ch03_improving.ipynb"


def test_the_cheap_experiments_run_at_the_books_configuration():
    code = text_of(CH3, "code")
    # the 1,000-image runs take the book's spec unchanged (400 epochs), as do the full-data runs
    for key in ("ch3_overfit_1000", "ch3_l2_1000", "ch3_full_l2", "ch3_ce_30"):
        assert f'ex.spec_from_book("{key}")' in code, key
    assert 'ex.spec_from_book(f"ch3_init_{init}_30")' in code
    assert "ex.more_data_sweep(ns_live, training_data, validation_data" in code
    assert "epochs_of = pick(" not in code  # the old 40-epoch fast tier is gone


def test_the_learning_slowdown_plots_outputs_and_the_book_learning_rate():
    code = text_of(CH3, "code")
    assert "eta_quad, eta_ce = 0.15, 0.005" in code
    assert "run.a" in code  # the output a over time, not the two costs on one axis
    assert "Which learning rate is" in text_of(CH3, "markdown")


def test_dropout_text_matches_the_per_example_masks():
    md = text_of(CH3, "markdown")
    assert "one mask per example" in text_of(CH3, "code")
    assert "per **mini-batch**" in md and "**each\nexample**" in md
