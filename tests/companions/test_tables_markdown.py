"""Tests for nndl_lib.companions.tables.markdown_table (tables whose rows are not the book's
results)."""

from __future__ import annotations

import pytest

from nndl_lib.companions.tables import markdown_table


def test_one_row_per_key_in_order_with_the_label_heading_the_first_column():
    table = markdown_table(["b", "a"], {"value": {"a": "1", "b": "2"}}, label="name")
    assert table.splitlines() == ["| name | value |", "|---|---|", "| b | 2 |", "| a | 1 |"]


def test_missing_cells_show_a_dash_and_columns_without_values_are_dropped():
    columns = {"by hand": {"x": "0.5"}, "library": {"x": "0.5", "y": "0.25"}, "ledger": {}}
    lines = markdown_table(["x", "y"], columns, label="quantity").splitlines()
    assert lines[0] == "| quantity | by hand | library |"
    assert lines[2:] == ["| x | 0.5 | 0.5 |", "| y | — | 0.25 |"]


def test_adding_a_column_is_one_entry_and_pipes_are_escaped():
    columns = {"value": {"k": "a|b"}}
    before = markdown_table(["k"], columns)
    columns["ours (full)"] = {"k": "95.1%"}
    assert before.splitlines()[2] == r"| k | a\|b |"
    assert markdown_table(["k"], columns).splitlines()[2] == r"| k | a\|b | 95.1% |"


def test_no_keys_or_no_values_are_errors():
    with pytest.raises(ValueError, match="keys is empty"):
        markdown_table([], {"c": {}})
    with pytest.raises(ValueError, match="no column has a value"):
        markdown_table(["a"], {"c": {"b": "1"}})
