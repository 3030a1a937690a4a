"""The book's diagrams: every one builds, returns a figure with its alt text, and the chapters
show each with the library's alt text (one description, kept in one place)."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from helpers import ROOT  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nndl_lib.companions import diagrams  # noqa: E402

CALL = re.compile(r"diagrams\.(\w+)\(")


@pytest.mark.parametrize("name", sorted(diagrams.DIAGRAMS))
def test_every_diagram_builds_a_figure_with_alt_text(name):
    fig = diagrams.DIAGRAMS[name]()
    try:
        assert isinstance(fig, Figure)
        assert fig.axes and fig.axes[0].patches, "a diagram draws shapes"
        assert fig.alt_text == diagrams.ALT[name]
        assert len(fig.alt_text.split()) >= 20 and fig.alt_text.startswith("Diagram of")
        fig.canvas.draw()  # renders (catches bad mathtext in the labels)
    finally:
        plt.close(fig)


def test_every_diagram_has_alt_text_and_every_alt_text_a_diagram():
    assert set(diagrams.DIAGRAMS) == set(diagrams.ALT)
    assert set(diagrams.DIAGRAMS) <= set(diagrams.__all__)


def test_the_mnist_network_refuses_a_hidden_layer_it_cannot_draw():
    with pytest.raises(ValueError, match="between 1 and 40"):
        diagrams.mnist_network(hidden=784)


def test_the_chapters_show_every_diagram_as_a_figure_with_the_library_alt_text():
    shown = {}
    for page in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(page.read_text(encoding="utf-8"))["cells"]:
            calls = CALL.findall("".join(cell["source"])) if cell["cell_type"] == "code" else []
            for name in calls:
                meta = cell["metadata"]["mystnb"]
                assert meta["image"]["alt"] == diagrams.ALT[name], (page.stem, name)
                assert meta["figure"]["caption"].strip() and meta["figure"]["name"]
                shown[name] = page.stem
    assert set(shown) == set(diagrams.DIAGRAMS), set(diagrams.DIAGRAMS) - set(shown)
