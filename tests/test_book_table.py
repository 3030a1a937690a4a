"""The book-beside-ours table (nndl_lib.book_table)."""

from __future__ import annotations

import pytest

from nndl_lib.book_table import comparison_table, ledger_cells


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]


def test_rows_follow_the_book_and_only_keys_given_appear():
    table = comparison_table({"live": {"ch3_l2_1000": 87.374, "ch3_overfit_1000": 82.0}},
                             chapter=3)
    rows = _rows(table)
    assert rows[0] == ["experiment", "the book's configuration", "measured on", "book", "live"]
    assert [r[0] for r in rows[2:]] == ["overfitting: 1,000 training images",
                                       "L2 on 1,000 images"]
    assert rows[3][3:] == ["87.10", "87.37"]
    assert "400 epochs on 1,000 images" in rows[3][1]


def test_a_column_without_entries_is_left_out_and_missing_cells_are_empty():
    table = comparison_table({"live": {"ch3_l2_1000": 87.4}, "ledger": {},
                              "other": {"ch3_overfit_1000": "82.1 (3 seeds)"}}, chapter=3)
    rows = _rows(table)
    assert rows[0][-2:] == ["live", "other"]
    assert rows[2][-2:] == ["", "82.1 (3 seeds)"]  # overfitting row: no live entry


def test_chapter_filter_and_unknown_keys():
    table = comparison_table({"live": {"ch1_30": 95.0, "ch3_l2_1000": 87.0}}, chapter=3)
    assert "95.00" not in table
    with pytest.raises(KeyError, match="no book result"):
        comparison_table({"live": {"ch3_nonsense": 1.0}})


def test_ledger_cells_show_the_compared_number_and_the_spread():
    rows = {"ch3_l2_1000": {"seeds": [0, 1, 2], "mean": 87.5, "std": 0.31, "best": 88.0,
                            "compare": "mean"},
            "ch1_30": {"seeds": [0, 1, 2], "mean": 95.1, "std": 0.2, "best": 95.4,
                       "compare": "best"},
            "ch3_overfit_1000": {"seeds": [0], "mean": 82.0, "std": 0.0, "best": 82.0,
                                 "compare": "mean"}}
    cells = ledger_cells(rows)
    assert cells == {"ch3_l2_1000": "87.50 ± 0.31 (3 seeds)",
                     "ch1_30": "95.40 (best of 3; mean 95.10)",
                     "ch3_overfit_1000": "82.00"}
