"""Interactive (ipywidgets) cells stay out of the built book.

A widget cell executed by the book build leaves widget state in the notebook, and MyST-NB then loads
the widget manager's JavaScript from a CDN on that page (the browser check forbids any request off
127.0.0.1). So every cell that builds widgets carries two tags: ``skip-execution`` (the build's
kernel never runs it, so no widget state exists) and ``remove-cell`` (the page does not show an
unexecuted cell). JupyterLab and nbval run these cells as usual; each one has a static figure next
to it that carries the same idea on the web page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CHAPTERS, ROOT, cells_of

WIDGET_MARKERS = ("ipywidgets", "interactive(", "interact(")


def _widget_cells(nb_path: Path) -> list[dict]:
    return [c for c in cells_of(nb_path, "code")
            if any(m in "".join(c["source"]) for m in WIDGET_MARKERS)]


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_widget_cells_are_neither_executed_nor_shown_by_the_book_build(nb):
    for cell in _widget_cells(nb):
        tags = set(cell.get("metadata", {}).get("tags", []))
        missing = {"skip-execution", "remove-cell"} - tags
        first_line = "".join(cell["source"]).splitlines()[0]
        assert not missing, (
            f"{nb.name}: the widget cell starting {first_line!r} lacks the tags {sorted(missing)}; "
            "without them the book would load widget JavaScript from a CDN"
        )


def test_chapter_4_keeps_its_sliders():
    cells = _widget_cells(ROOT / "chapters" / "ch04_universality.ipynb")
    sources = "".join("".join(c["source"]) for c in cells)
    assert len(cells) >= 3
    for slider in ("show_step", "show_bump", "show_bumps"):  # step position, bump height, N bumps
        assert f"interactive({slider}" in sources
