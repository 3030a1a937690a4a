"""Promises of chapters 1 and 2 (second edition) beyond the rules every chapter keeps
(``test_chapter_rules.py``): the book's configurations and the worked example on the page."""

from __future__ import annotations

from helpers import ROOT, text_of

CH1 = ROOT / "chapters" / "ch01_digits.ipynb"
CH2 = ROOT / "chapters" / "ch02_backprop.ipynb"


def test_chapter_1_runs_the_book_configuration():
    code = text_of(CH1, "code")
    # the book's runs: 30 epochs on all training images, mini-batch 10
    assert "SGD(training_data, 30, 10, 3.0" in code
    assert "SGD(training_data, 30, 10, 0.001" in code and "SGD(training_data, 30, 10, 100.0" in code
    assert "dropout" not in code.lower()


def test_chapter_2_works_the_example_by_hand_in_the_books_notation():
    prose = text_of(CH2, "markdown")
    assert "a^1_k \\delta^2_j" in prose and "a^0" not in prose and "\\delta^1" not in prose
    assert "dark" not in prose.lower()
    assert 'v("dE_dw5")' in prose and 'v("dE_dw1")' in prose
