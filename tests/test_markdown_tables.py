"""Every Markdown table the book renders has, on every row, as many cells as its header: a pipe
inside a cell (``||dC/db||``) must be escaped, or GFM splits the row and shifts every cell after it.

Checked on the pages' sources (every markdown cell of the chapters and the reproduction page) and on
the tables the pages generate from the library (the reproduction ledger's tables, the chapters'
comparison tables)."""

from __future__ import annotations

import json
import re

import pytest
from helpers import ROOT

PAGES = sorted((ROOT / "chapters").glob("*.ipynb")) + [ROOT / "reproduction" / "results.ipynb"]
DELIMITER = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def cells(line: str) -> list[str]:
    """The cells of one GFM table line: split at pipes not escaped with a backslash."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return re.split(r"(?<!\\)\|", line)


def tables(text: str) -> list[list[str]]:
    """The GFM tables in ``text``: runs of lines starting with a pipe whose second line is a
    delimiter row (``|---|---|``). Fenced code blocks are skipped."""
    found, block, fenced = [], [], False
    for line in text.splitlines() + [""]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.lstrip().startswith("|"):
            block.append(line)
            continue
        if len(block) >= 2 and DELIMITER.match(block[1].strip()):
            found.append(block)
        block = []
    return found


def assert_rows_match_header(table: list[str], where: str) -> None:
    width = len(cells(table[0]))
    for line in table[1:]:
        assert len(cells(line)) == width, (
            f"{where}: a row has {len(cells(line))} cells, the header {width}: {line[:120]!r}; "
            "escape a pipe inside a cell as \\|")


def test_the_splitter_sees_escaped_pipes_as_text():
    assert cells(r"| a | \|\|dC/db\|\| | c |") == [" a ", r" \|\|dC/db\|\| ", " c "]
    assert len(cells("| a | ||dC/db|| | c |")) == 7  # the bug this file guards against
    assert len(tables("| h | k |\n|---|---|\n| 1 | 2 |\n\ntext")) == 1


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_table_in_a_pages_source_is_rectangular(page):
    nb = json.loads(page.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            for table in tables("".join(cell["source"])):
                assert_rows_match_header(table, f"{page.stem}, cell {i}")


@pytest.mark.parametrize("chapter", [1, 3, 5, 6])
def test_the_reproduction_ledger_tables_are_rectangular(chapter):
    from nndl_lib.reproduction.experiments import EXPERIMENTS
    from nndl_lib.reproduction.ledger import full_results
    from nndl_lib.reproduction.report import ledger_table

    text = ledger_table(EXPERIMENTS, full_results(), chapters=[chapter])
    (table,) = tables(text)
    assert len(table) == 2 + sum(e.chapter == chapter for e in EXPERIMENTS.values())
    assert_rows_match_header(table, f"ledger table, chapter {chapter}")


def test_a_pipe_in_a_ledger_description_is_escaped():
    from nndl_lib.reproduction.experiments import EXPERIMENTS
    from nndl_lib.reproduction.ledger import full_results
    from nndl_lib.reproduction.report import ledger_table

    text = ledger_table(EXPERIMENTS, full_results(), chapters=[5])
    assert r"\|\|dC/db\|\|" in text and "||dC/db||" not in text.replace(r"\|", "")


def test_the_comparison_tables_of_the_chapters_are_rectangular():
    from nndl_lib.companions.tables import book_comparison_table, ledger_column
    from nndl_lib.reproduction.ledger import full_results

    keys = ["ch5_grad_2h_layer1", "ch5_grad_2h_layer2", "ch6_conv2"]
    text = book_comparison_table(keys, {"this page": {"ch5_grad_2h_layer1": "0.07 | odd"},
                                        "ledger": ledger_column(full_results(), keys)})
    (table,) = tables(text)
    assert_rows_match_header(table, "book_comparison_table")
