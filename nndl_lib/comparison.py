"""The chapters' "book vs live" tables: one row per experiment key, one column per source.

A table is built from the keys of the book's experiments (``experiments.toml``) and an ordered
mapping of columns, ``{heading: cell(key)}``. A cell function returns the text of one cell, or
``None`` where that source has no value for the key; a column that has no value for any key is
left out, so a table never shows a column of placeholders. The result is GitHub-flavoured
Markdown, which the book renders with the cell metadata ``mystnb.markdown_format: gfm`` and
JupyterLab renders as it is.

Adding a source is one entry in the mapping. For instance the reproduction ledger's full runs,
once committed (``nndl_lib.ledger.full_results()``, a dict key -> row with ``best``/``mean``)::

    columns["ours (full, best of 3)"] = lambda k: percent(full[k].best) if k in full else None
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

__all__ = ["percent", "markdown_table"]

Cell = Callable[[str], "str | None"]


def percent(value: float | None, digits: int = 2) -> str | None:
    """``value`` (already in percent) as text such as ``"95.42%"``; None stays None."""
    return None if value is None else f"{value:.{digits}f}%"


def _escape(text: str) -> str:
    """A cell's text with the characters that would break a GFM table row escaped."""
    return text.replace("|", r"\|").replace("\n", " ")


def markdown_table(keys: Iterable[str], columns: Mapping[str, Cell]) -> str:
    """A GFM table: a row per key, a column per entry of ``columns`` that has any value.

    keys: experiment keys, in the order of the rows. columns: ``{heading: cell}`` where
    ``cell(key)`` returns the cell's text or None (an empty cell); headings keep their order.
    Raises ValueError when no column has a value (there would be nothing to show).
    """
    keys = list(keys)
    if not keys:
        raise ValueError("markdown_table needs at least one key (one row); got none")
    cells = {head: [cell(k) for k in keys] for head, cell in columns.items()}
    shown = {head: values for head, values in cells.items()
             if any(v is not None for v in values)}
    if not shown:
        raise ValueError(f"no column has a value for any of {keys}; columns given: "
                         f"{list(columns)}")
    lines = ["| " + " | ".join(_escape(h) for h in shown) + " |",
             "|" + "|".join("---" for _ in shown) + "|"]
    for i in range(len(keys)):
        row = ["" if values[i] is None else _escape(str(values[i])) for values in shown.values()]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
