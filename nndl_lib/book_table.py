"""The "book beside ours" table of a chapter: one row per published experiment, one column per
source of numbers (this page's live runs, the reproduction ledger's full runs, ...).

Only comparable numbers belong in it: a chapter passes a column entry for an experiment only when
it ran that experiment at the book's configuration. A column with no entry for any row is left
out, so a source that has nothing to show adds nothing (no placeholder columns).

    columns = {"live (this page)": {"ch3_l2_1000": 87.37, ...}}
    Markdown(comparison_table(columns, chapter=3))

Adding the reproduction ledger's full runs is one more entry:
``columns["ours (full runs)"] = ledger_cells(full_results())``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nndl_lib.experiments import EXPERIMENTS
from nndl_lib.reference_values import BOOK_RESULTS, book_result

__all__ = ["comparison_table", "ledger_cells"]


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, str):
        return value
    return f"{float(value):.{digits}f}"


def comparison_table(columns: Mapping[str, Mapping[str, Any]], *, chapter: int | None = None,
                     digits: int = 2) -> str:
    """A Markdown table: experiment, the book's configuration, what is measured, the book's value,
    then one column per entry of ``columns`` (header -> {experiment key: number or text}).

    Rows: every key that appears in some column (restricted to ``chapter`` if given), in the
    book's order. A column without an entry for any of those rows is left out; a missing entry is
    an empty cell. Numbers are printed with ``digits`` decimals. Unknown keys raise KeyError.
    """
    for entries in columns.values():
        for key in entries:
            book_result(key)  # a clear KeyError for a typo
    keys = [k for k in BOOK_RESULTS
            if any(k in entries for entries in columns.values())
            and (chapter is None or BOOK_RESULTS[k].chapter == chapter)]
    shown = {h: e for h, e in columns.items() if any(k in e for k in keys)}
    header = ["experiment", "the book's configuration", "measured on", "book", *shown]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key in keys:
        result, spec = book_result(key), EXPERIMENTS[key].spec
        config = spec.describe() if spec is not None else ""
        cells = [result.description, config, result.metric, _cell(result.accuracy, digits)]
        cells += [_cell(e[key], digits) if key in e else "" for e in shown.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ledger_cells(rows: Mapping[str, Any], digits: int = 2) -> dict[str, str]:
    """Table cells for reproduction-ledger rows (key -> row with ``mean``, ``std``, ``best``,
    ``seeds`` and ``compare``, as ``nndl_lib.ledger.full_results()`` returns them): the compared
    number, with the mean and spread over the seeds when there are several."""
    out = {}
    for key, row in rows.items():
        seeds = len(row["seeds"])
        if seeds <= 1:
            out[key] = _cell(row["mean"], digits)
        elif row["compare"] == "best":
            out[key] = (f"{row['best']:.{digits}f} (best of {seeds}; "
                        f"mean {row['mean']:.{digits}f})")
        else:
            out[key] = f"{row['mean']:.{digits}f} ± {row['std']:.{digits}f} ({seeds} seeds)"
    return out
