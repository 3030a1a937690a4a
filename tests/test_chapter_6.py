"""What chapter 6 promises beyond the rules of every chapter page: the backward pass of a
convolution and of max pooling is derived on the page, the naive kernels are printed beside the
equations, and the page checks them with centred differences (the cell fails when they disagree)."""

from __future__ import annotations

import json

from helpers import ROOT

PAGE = ROOT / "chapters" / "ch06_deep_learning.ipynb"


def _cells(kind: str) -> list[str]:
    nb = json.loads(PAGE.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def test_the_page_derives_the_conv_and_pooling_gradients():
    text = "\n".join(_cells("markdown"))
    assert "## Backpropagation through convolution and pooling" in text
    for idea in ("cross-correlated with $\\delta$", "full convolution of $\\delta$",
                 "**flipped**", "**first maximum**", "\\partial C}{\\partial b_f}"):
        assert idea in text, idea


def test_the_page_checks_the_naive_kernels_numerically_and_fails_when_they_disagree():
    (check,) = [c for c in _cells("code") if "conv_check" in c and "numerical_gradient" in c]
    assert "conv.conv2d_backward_naive(" in check and "conv.maxpool_backward_naive(" in check
    assert "assert max(conv_check.values()) < 1e-7" in check
