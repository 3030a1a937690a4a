"""Tests for nndl_lib.companions.tables: the book's numbers beside measured ones."""

import pytest

from nndl_lib.companions.tables import book_comparison_table, format_value, ledger_column
from nndl_lib.reference_values import book_result


def test_format_value_uses_the_rows_unit():
    assert format_value(96.481, "%") == "96.48%"
    assert format_value(0.06612, "norm") == "0.066"
    assert format_value("0.07 ± 0.01", "norm") == "0.07 ± 0.01"
    with pytest.raises(ValueError, match="unknown unit"):
        format_value(1.0, "furlongs")


def test_table_has_the_books_values_and_one_column_per_non_empty_entry():
    keys = ["ch5_depth_1", "ch5_depth_4", "ch5_grad_2h_layer1"]
    table = book_comparison_table(keys, {"ours (fast)": {"ch5_depth_1": 95.1234,
                                                          "ch5_grad_2h_layer1": 0.0712},
                                         "ours (full)": {}})  # empty: left out
    lines = table.splitlines()
    assert lines[0] == "| experiment (book configuration) | book | ours (fast) |"
    assert lines[1] == "|---|---|---|"
    assert len(lines) == 2 + len(keys)
    d1 = book_result("ch5_depth_1")
    assert lines[2] == f"| {d1.description} | {d1.accuracy:.2f}% | 95.12% |"
    assert lines[3].endswith("| — |")  # no value for this key
    assert lines[4].endswith(f"| {book_result('ch5_grad_2h_layer1').accuracy:.3f} | 0.071 |")
    assert "ours (full)" not in table


def test_another_column_is_one_more_entry():
    keys = ["ch5_depth_2"]
    one = book_comparison_table(keys, {"a": {"ch5_depth_2": 1.0}})
    two = book_comparison_table(keys, {"a": {"ch5_depth_2": 1.0}, "b": {"ch5_depth_2": 2.0}})
    assert two.splitlines()[0].endswith("| a | b |")
    assert two.splitlines()[2] == one.splitlines()[2] + " 2.00% |"


def test_table_rejects_unknown_keys_and_empty_key_lists():
    with pytest.raises(KeyError, match="no book result"):
        book_comparison_table(["no_such_key"], {})
    with pytest.raises(ValueError, match="keys is empty"):
        book_comparison_table([], {})


def test_pipes_in_descriptions_are_escaped_so_rows_keep_their_cells():
    table = book_comparison_table(["ch5_grad_2h_layer1"], {"ours | fast": {"ch5_grad_2h_layer1":
                                                                             0.07}})
    assert "||dC/db||" in book_result("ch5_grad_2h_layer1").description
    for line in table.splitlines():
        assert line.replace("\\|", "").count("|") == 4  # three cells per row
    assert "\\|\\|dC/db\\|\\|" in table


def test_ledger_column_says_how_each_full_run_compares():
    from nndl_lib.reproduction.ledger import LedgerRow

    def row(value, compare, seeds, passed, unit="%", std=0.2):
        return LedgerRow(id="k", chapter=1, description="", tier="full", unit=unit, metric="test",
                         measure="max", compare=compare, book=95.0, band=0.5,
                         band_kind="absolute", low=None, high=None, best=value, mean=value,
                         std=std, value=value, passed=passed, seeds=seeds, seeds_planned=3,
                         complete=True, wall_s=1.0, command="")

    rows = {"ch1_30": row(95.13, "best", [0, 1, 2], True),
            "ch5_depth_1": row(96.6, "mean", [0, 1, 2], False, std=0.05),
            "ch5_grad_2h_layer1": row(0.069, "mean", [0], True, unit="norm")}
    cells = ledger_column(rows)
    assert cells["ch1_30"] == "95.13% (best of 3 seeds, in band)"
    assert cells["ch5_depth_1"] == "96.60% ± 0.05 (3 seeds, outside band)"
    assert cells["ch5_grad_2h_layer1"] == "0.069 (1 seed, in band)"
    assert list(ledger_column(rows, ["ch1_30"])) == ["ch1_30"]
    assert ledger_column({}, ["ch1_30"]) == {}
