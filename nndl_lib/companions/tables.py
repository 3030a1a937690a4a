"""The book's published numbers beside measured ones, as a Markdown table for a chapter.

A chapter collects what it measured in columns, ``{column title: {result key: value}}``, and
:func:`book_comparison_table` lays them out next to the book's value of each key (from
:mod:`nndl_lib.reference_values`). Adding a column, for example the reproduction ledger's
full-length runs, is one more entry of that dict; a column with no value for any of the keys is
left out, so a table never carries an empty placeholder column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nndl_lib.reference_values import book_result

__all__ = ["format_value", "book_comparison_table", "markdown_table", "ledger_column"]

#: How a value of each unit of the experiment table is written (see ``experiments.toml``).
UNIT_FORMATS = {"%": "{:.2f}%", "norm": "{:.3f}"}


def format_value(value: float | str, unit: str = "%") -> str:
    """A number in a row's unit: percent with two decimals, a gradient norm with three.

    A string is returned unchanged (a cell formatted by the caller, e.g. "0.07 ± 0.01").
    """
    if isinstance(value, str):
        return value
    if unit not in UNIT_FORMATS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(UNIT_FORMATS)}")
    return UNIT_FORMATS[unit].format(float(value))


def book_comparison_table(keys: Iterable[str],
                          columns: Mapping[str, Mapping[str, float | str]],
                          *, label: str = "experiment (book configuration)") -> str:
    """A GitHub-flavoured Markdown table: one row per result key, the book's value, then columns.

    keys: result keys of :mod:`nndl_lib.reference_values` (rows, in this order).
    columns: ``{title: {key: value}}``; a value is a number in the row's unit (percent or norm)
        or a ready string. A key missing from a column shows "—"; a column without any of the
        keys is dropped.
    Returns the table as one string (display it with ``IPython.display.Markdown``).
    """
    keys = list(keys)
    if not keys:
        raise ValueError("keys is empty; pass the result keys to tabulate")
    results = [book_result(k) for k in keys]  # raises KeyError naming unknown keys
    shown = {title: col for title, col in columns.items() if any(k in col for k in keys)}
    header = ["| " + " | ".join(_escape(c) for c in [label, "book", *shown]) + " |",
              "|" + "---|" * (2 + len(shown))]
    rows = []
    for key, r in zip(keys, results, strict=True):
        cells = [r.description, format_value(r.accuracy, r.unit)]
        cells += [format_value(col[key], r.unit) if key in col else "—" for col in shown.values()]
        rows.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    return "\n".join(header + rows)


def ledger_column(rows: Mapping[str, Any], keys: Iterable[str] | None = None) -> dict[str, str]:
    """Table cells for the reproduction ledger's full runs
    (``nndl_lib.reproduction.ledger.full_results()``).

    rows: {key: row} with ``value`` (the compared number), ``compare`` ("best" or "mean"),
    ``mean``, ``std``, ``seeds``, ``unit`` and ``passed``. Each cell reads, e.g.,
    "95.13% (best of 3 seeds, in band)" or "96.60% ± 0.05 (3 seeds, outside band)". keys:
    keep only these (default: every row). An empty result adds no column to
    :func:`book_comparison_table`.
    """
    wanted = None if keys is None else set(keys)
    cells = {}
    for key, row in rows.items():
        if wanted is not None and key not in wanted or row.value is None:
            continue
        n = len(row.seeds)
        seeds = f"{n} seed{'s' * (n != 1)}"
        band = "in band" if row.passed else "outside band"
        if row.compare == "best" and n > 1:
            spread = f" (best of {seeds}, {band})"
        elif n > 1:
            spread = f" ± {format_value(row.std, row.unit).rstrip('%')} ({seeds}, {band})"
        else:
            spread = f" ({seeds}, {band})"
        cells[key] = format_value(row.value, row.unit) + spread
    return cells


def markdown_table(keys: Iterable[str], columns: Mapping[str, Mapping[str, str]],
                   *, label: str = "") -> str:
    """A GitHub-flavoured Markdown table of ready-made cells, one row per key.

    keys: the rows, in this order; each row starts with its key, under the heading ``label``.
    columns: ``{title: {key: text}}``, as for :func:`book_comparison_table`; a key missing from a
        column shows "—", and a column without any of the keys is dropped.
    For tables whose rows are not the book's results (a worked example, the time of each run).
    """
    keys = list(keys)
    if not keys:
        raise ValueError("keys is empty; pass the row labels to tabulate")
    shown = {title: col for title, col in columns.items() if any(k in col for k in keys)}
    if not shown:
        raise ValueError(f"no column has a value for any of the keys {keys}; columns given: "
                         f"{list(columns)}")
    header = ["| " + " | ".join(_escape(c) for c in [label, *shown]) + " |",
              "|" + "---|" * (1 + len(shown))]
    rows = ["| " + " | ".join(_escape(str(c)) for c in
                              [key, *(col.get(key, "—") for col in shown.values())]) + " |"
            for key in keys]
    return "\n".join(header + rows)


def _escape(cell: str) -> str:
    """A cell's text with its pipes escaped (e.g. "||dC/db||"), so they do not split the row."""
    return cell.replace("|", "\\|")
