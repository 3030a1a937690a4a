"""Tests for nndl_lib.comparison (the chapters' book-vs-live tables)."""

from __future__ import annotations

import pytest

from nndl_lib.comparison import markdown_table, percent


def test_percent_formats_and_keeps_none():
    assert percent(95.4213) == "95.42%"
    assert percent(9.8, digits=1) == "9.8%"
    assert percent(None) is None


def test_markdown_table_has_a_header_a_rule_and_one_row_per_key_in_order():
    book = {"a": 95.42, "b": 96.59}
    table = markdown_table(["b", "a"], {"experiment": str.upper,
                                        "book": lambda k: percent(book[k])})
    assert table.splitlines() == ["| experiment | book |", "|---|---|",
                                  "| B | 96.59% |", "| A | 95.42% |"]


def test_a_column_without_any_value_is_left_out_and_missing_cells_are_empty():
    full = {"a": 95.1}  # e.g. the ledger holds only some keys
    columns = {"key": str, "ours (full)": lambda k: percent(full.get(k)),
               "never": lambda k: None}
    lines = markdown_table(["a", "b"], columns).splitlines()
    assert lines[0] == "| key | ours (full) |"
    assert lines[2:] == ["| a | 95.10% |", "| b |  |"]


def test_adding_a_column_is_one_entry():
    columns = {"key": str}
    before = markdown_table(["a"], columns)
    columns["ours"] = lambda k: "1"
    after = markdown_table(["a"], columns)
    assert before.count("|") < after.count("|") and after.splitlines()[2] == "| a | 1 |"


def test_pipes_in_cells_are_escaped():
    assert markdown_table(["x"], {"c": lambda k: "a|b"}).splitlines()[2] == r"| a\|b |"


def test_empty_keys_or_no_values_are_errors():
    with pytest.raises(ValueError, match="at least one key"):
        markdown_table([], {"c": str})
    with pytest.raises(ValueError, match="no column has a value"):
        markdown_table(["a"], {"c": lambda k: None})
