"""The book's structural diagrams, drawn with matplotlib at build time in one style.

Each function draws one diagram into a new figure and returns the
:class:`matplotlib.figure.Figure`, with the diagram's description for readers who cannot see it in
``fig.alt_text`` (the same text as ``ALT[name]``; a chapter puts it in its figure cell's
``mystnb.image.alt`` metadata, which Jupyter Book writes into the page's ``alt`` attribute).

Diagrams and the chapters that use them:

- :func:`perceptron`, :func:`sigmoid_neuron`, :func:`layered_network`, :func:`mnist_network`
  (chapter 1);
- :func:`notation`, :func:`paths` (chapter 2);
- :func:`deep_network` (chapter 5);
- :func:`local_receptive_field`, :func:`shared_weights`, :func:`pooling`, :func:`conv_network`
  (chapter 6).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

__all__ = [
    "ALT",
    "DIAGRAMS",
    "perceptron",
    "sigmoid_neuron",
    "layered_network",
    "mnist_network",
    "notation",
    "paths",
    "deep_network",
    "local_receptive_field",
    "shared_weights",
    "pooling",
    "conv_network",
]

# one style for every diagram
INK, FAINT, ACCENT, ACCENT2 = "#222222", "#b8b8b8", "#c0392b", "#2471a3"
NEURON_FILL, INPUT_FILL = "#fdf6e3", "#eaeaea"
RADIUS = 0.22
FONT = 10

ALT = {
    "perceptron": (
        "Diagram of a perceptron: three inputs x1, x2, x3 on the left, each joined by an arrow "
        "labelled with its weight w1, w2, w3 to one circle, the neuron, which holds the bias b; "
        "one arrow leaves it on the right, labelled output 0 or 1."),
    "sigmoid_neuron": (
        "Diagram of a sigmoid neuron: the same layout as the perceptron, three inputs with "
        "weights w1, w2, w3 into one circle holding the bias b, but the inputs may be any numbers "
        "between 0 and 1, the circle shows a small S-shaped sigmoid curve, and the output is "
        "sigma of w dot x plus b, a number between 0 and 1."),
    "layered_network": (
        "Diagram of a feedforward network drawn as columns of circles: an input layer of six "
        "neurons on the left, two hidden layers of four neurons, and an output layer of one "
        "neuron on the right; every neuron is joined by a line to every neuron of the next "
        "column, and each column is labelled input layer, hidden layers or output layer."),
    "mnist_network": (
        "Diagram of the network for MNIST: on the left a column standing for the 784 input "
        "neurons, one per pixel of the 28 by 28 image, of which a few are drawn with dots between "
        "them; in the middle a hidden layer of 15 neurons; on the right ten output neurons "
        "labelled 0 to 9. Lines join every neuron of one layer to every neuron of the next."),
    "notation": (
        "Diagram of the notation for a network's parameters: three layers of neurons; one line, "
        "drawn thick and red, joins the fourth neuron of layer 2 to the second neuron of layer 3 "
        "and is labelled w superscript 3 subscript 2 4, the weight from neuron k equals 4 in layer "
        "l minus 1 to neuron j equals 2 in layer l equals 3. The second neuron of layer 3 is "
        "labelled with its bias b superscript 3 subscript 2 and activation a superscript 3 "
        "subscript 2."),
    "paths": (
        "Diagram of chapter 2's sum over paths: a network with an input layer, three hidden layers "
        "and an output layer feeding the cost C. One weight in the first layer is drawn red; from "
        "the neuron it feeds, several coloured paths run through one neuron of each later layer "
        "to the outputs and the cost. The derivative of the cost with respect to the weight is the "
        "sum over all such paths of the product of the local rates along each path."),
    "deep_network": (
        "Diagram of chapter 5's deep network: an input layer standing for 784 pixels, four hidden "
        "layers of 30 neurons each, labelled hidden layer 1 to hidden layer 4, and ten output "
        "neurons, with every neuron joined to every neuron of the next layer. An arrow along the "
        "bottom points from the output back towards the input and says the gradient shrinks "
        "on the way back."),
    "local_receptive_field": (
        "Diagram of a local receptive field: on the left the 28 by 28 grid of input pixels with a "
        "5 by 5 square outlined in red at the top left; lines join its corners to one neuron, "
        "drawn red, at the top left of the 24 by 24 grid of the first hidden layer on the right. "
        "A second square, shifted one pixel to the right and outlined in blue, is joined in the "
        "same way to the neighbouring hidden neuron."),
    "shared_weights": (
        "Diagram of a convolutional layer with shared weights: the 28 by 28 input on the left "
        "with two 5 by 5 windows, one near the top left and one near the bottom right, both "
        "joined to their hidden neurons in one 24 by 24 feature map, with the note that both use "
        "the same 5 by 5 weights w and the same bias b. Behind that map two more maps are "
        "stacked; the label says that each feature map has its own filter and that the layer "
        "has 20 of them."),
    "pooling": (
        "Diagram of 2 by 2 max pooling: on the left a 24 by 24 feature map with a 2 by 2 block "
        "outlined in red at the top left; a line joins it to one unit, drawn red, of the 12 by 12 "
        "pooled map on the right. The caption inside says that each pooled unit keeps the largest "
        "of its four inputs."),
    "conv_network": (
        "Diagram of chapter 6's convolutional network from left to right: a 28 by 28 input "
        "image; a convolutional layer of 20 feature maps of 24 by 24, drawn as a stack of "
        "squares, with a 5 by 5 receptive field marked; 2 by 2 max pooling to 20 maps of 12 by "
        "12; a fully connected layer of 100 neurons; and an output layer of ten softmax "
        "neurons labelled 0 to 9."),
}


def _finish(fig: Figure, ax: Axes, name: str) -> Figure:
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    fig.alt_text = ALT[name]  # type: ignore[attr-defined]
    return fig


def _neuron(ax: Axes, x: float, y: float, *, fill: str = NEURON_FILL, edge: str = INK,
            r: float = RADIUS, lw: float = 1.4) -> None:
    ax.add_patch(Circle((x, y), r, facecolor=fill, edgecolor=edge, linewidth=lw, zorder=3))


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *,
           color: str = INK, lw: float = 1.2) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color,
                                 linewidth=lw, zorder=2, shrinkA=0, shrinkB=0))


def _column(n: int, x: float, height: float) -> list[tuple[float, float]]:
    """n neuron centres in a column at x, centred on y = 0, spread over ``height``."""
    if n == 1:
        return [(x, 0.0)]
    return [(x, y) for y in np.linspace(height / 2, -height / 2, n)]


def _layers(ax: Axes, sizes: Sequence[int], *, spacing: float = 2.0,
            height: float | None = None, fills: Sequence[str] | None = None,
            line_color: str = FAINT) -> list[list[tuple[float, float]]]:
    """Fully connected columns of neurons; returns the centres, layer by layer."""
    height = height if height is not None else 0.7 * (max(sizes) - 1)
    columns = [_column(n, i * spacing, height * (n - 1) / max(max(sizes) - 1, 1))
               for i, n in enumerate(sizes)]
    for left, right in zip(columns[:-1], columns[1:], strict=True):
        for a in left:
            for b in right:
                ax.plot([a[0], b[0]], [a[1], b[1]], color=line_color, linewidth=0.7, zorder=1)
    for i, column in enumerate(columns):
        for x, y in column:
            _neuron(ax, x, y, fill=(fills[i] if fills else NEURON_FILL))
    return columns


def _single_neuron(name: str, *, inputs: str, output: str, curve: bool) -> Figure:
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    centre = (3.0, 0.0)
    for k, y in enumerate((1.0, 0.0, -1.0)):
        ax.text(0.0, y, f"$x_{k + 1}$", ha="center", va="center", fontsize=FONT + 2)
        _arrow(ax, (0.3, y), (centre[0] - 0.5, centre[1] + 0.25 * y))
        ax.text(1.4, 0.62 * y + 0.15, f"$w_{k + 1}$", ha="center", va="bottom", fontsize=FONT,
                color=ACCENT2)
    ax.add_patch(Circle(centre, 0.5, facecolor=NEURON_FILL, edgecolor=INK, linewidth=1.6, zorder=3))
    if curve:  # a small sigmoid inside the neuron
        z = np.linspace(-5, 5, 60)
        ax.plot(centre[0] + z * 0.07, centre[1] - 0.2 + 0.4 / (1 + np.exp(-z)), color=ACCENT,
                linewidth=1.5, zorder=4)
        ax.text(centre[0], centre[1] - 0.32, "$b$", ha="center", va="center", fontsize=FONT,
                zorder=4)
    else:
        ax.text(centre[0], centre[1], "$b$", ha="center", va="center", fontsize=FONT + 2, zorder=4)
    _arrow(ax, (centre[0] + 0.5, 0.0), (5.0, 0.0))
    ax.text(5.1, 0.0, output, ha="left", va="center", fontsize=FONT)
    ax.text(0.0, -1.6, inputs, ha="center", va="center", fontsize=FONT - 1, color="#555555")
    ax.set_xlim(-0.5, 8.3)
    ax.set_ylim(-1.9, 1.5)
    return _finish(fig, ax, name)


def perceptron() -> Figure:
    """A perceptron: binary inputs x_j, weights w_j, bias b, output 0 or 1 (chapter 1)."""
    return _single_neuron("perceptron", inputs="inputs 0 or 1",
                          output="output 0 or 1:\n1 if $w \\cdot x + b > 0$", curve=False)


def sigmoid_neuron() -> Figure:
    """A sigmoid neuron: inputs in [0, 1], output sigma(w . x + b) (chapter 1)."""
    return _single_neuron("sigmoid_neuron", inputs="inputs in $[0, 1]$",
                          output="output\n$\\sigma(w \\cdot x + b)$", curve=True)


def layered_network() -> Figure:
    """A feedforward network with its input, hidden and output layers named (chapter 1)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    sizes = (6, 4, 4, 1)
    columns = _layers(ax, sizes, fills=(INPUT_FILL, NEURON_FILL, NEURON_FILL, NEURON_FILL))
    top = max(y for c in columns for _, y in c) + 0.7
    ax.text(columns[0][0][0], top, "input layer", ha="center", fontsize=FONT)
    ax.text((columns[1][0][0] + columns[2][0][0]) / 2, top, "hidden layers", ha="center",
            fontsize=FONT)
    ax.text(columns[3][0][0], top, "output layer", ha="center", fontsize=FONT)
    ax.set_ylim(-top, top + 0.5)
    return _finish(fig, ax, "layered_network")


def _labelled_io_network(ax: Axes, sizes_shown: Sequence[int], *, spacing: float = 3.0,
                         height: float = 6.3) -> list[list[tuple[float, float]]]:
    columns = _layers(ax, sizes_shown, spacing=spacing, height=height,
                      fills=[INPUT_FILL] + [NEURON_FILL] * (len(sizes_shown) - 1))
    for digit, (x, y) in enumerate(columns[-1]):
        ax.text(x + 0.4, y, str(digit), ha="left", va="center", fontsize=FONT - 1)
    x0 = columns[0][0][0]
    middle = len(columns[0]) // 2
    ax.add_patch(Rectangle((x0 - 0.3, columns[0][middle][1] - 0.35), 0.6, 0.7, color="white",
                           zorder=4))
    ax.text(x0, columns[0][middle][1], "⋮", ha="center", va="center", fontsize=FONT + 4, zorder=5)
    return columns


def mnist_network(hidden: int = 15) -> Figure:
    """The [784, hidden, 10] network of chapter 1 (784 inputs drawn as a few, with dots)."""
    if not 1 <= hidden <= 40:
        raise ValueError(f"hidden must be between 1 and 40 to be drawn; got {hidden}")
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    columns = _labelled_io_network(ax, (9, hidden, 10))
    top = 3.15 + 0.8
    for (x, _), text in zip((c[0] for c in columns),
                            ("input layer\n784 neurons\n(28 × 28 pixels)",
                             f"hidden layer\n{hidden} neurons", "output layer\n10 neurons"),
                            strict=True):
        ax.text(x, top, text, ha="center", va="bottom", fontsize=FONT - 1)
    ax.set_ylim(-3.6, top + 1.3)
    return _finish(fig, ax, "mnist_network")


def notation() -> Figure:
    """w^l_jk, b^l_j and a^l_j on a small network (chapter 2)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    columns = _layers(ax, (4, 4, 2), spacing=3.0, height=3.0)
    start, end = columns[1][3], columns[2][1]  # neuron k = 4 of layer 2 -> neuron j = 2 of layer 3
    ax.plot([start[0], end[0]], [start[1], end[1]], color=ACCENT, linewidth=2.6, zorder=2)
    _neuron(ax, *start, edge=ACCENT, lw=2.2)
    _neuron(ax, *end, edge=ACCENT, lw=2.2)
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    ax.text(mid[0] + 0.1, mid[1] - 0.55, "$w^3_{24}$", color=ACCENT, fontsize=FONT + 3)
    ax.text(end[0] + 0.4, end[1] - 0.1, "$b^3_2,\\ a^3_2$", color=ACCENT, fontsize=FONT + 2,
            va="center")
    for i, column in enumerate(columns):
        ax.text(column[0][0], 2.1, f"layer {i + 1}", ha="center", fontsize=FONT)
    ax.text(4.5, -2.4, "$w^l_{jk}$: from neuron $k$ of layer $l-1$ to neuron $j$ of layer $l$",
            ha="center", fontsize=FONT)
    ax.set_ylim(-2.8, 2.6)
    return _finish(fig, ax, "notation")


def paths() -> Figure:
    """Chapter 2's sum over paths: from one weight, through the layers, to the cost."""
    fig, ax = plt.subplots(figsize=(7.2, 3.8))
    sizes = (4, 4, 4, 4, 3)
    columns = _layers(ax, sizes, spacing=2.0, height=3.0)
    cost = (10.0, 0.0)
    for x, y in columns[-1]:
        ax.plot([x, cost[0]], [y, cost[1]], color=FAINT, linewidth=0.7, zorder=1)
    ax.add_patch(Rectangle((cost[0] - 0.3, -0.3), 0.6, 0.6, facecolor=NEURON_FILL, edgecolor=INK,
                           zorder=3))
    ax.text(*cost, "$C$", ha="center", va="center", fontsize=FONT + 2, zorder=4)
    a, b = columns[0][0], columns[1][1]  # the weight w^2_{21}
    ax.plot([a[0], b[0]], [a[1], b[1]], color=ACCENT, linewidth=2.8, zorder=2)
    ax.text(0.7, 1.5, "$w^2_{21}$", color=ACCENT, fontsize=FONT + 2)
    chosen = [(1, 0, 2), (0, 3, 1), (2, 1, 0), (3, 2, 1)]  # one neuron in each later layer
    colors = ["#2471a3", "#28b463", "#d68910", "#8e44ad"]
    for path, color in zip(chosen, colors, strict=True):
        points = [b] + [columns[2 + i][k] for i, k in enumerate(path)] + [cost]
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color=color, linewidth=1.8, alpha=0.9, zorder=2)
    ax.text(5.0, -2.3, "$\\partial C/\\partial w$ = sum over all paths of the product of the "
            "rates along each path", ha="center", fontsize=FONT - 1)
    ax.set_ylim(-2.7, 2.2)
    return _finish(fig, ax, "paths")


def deep_network() -> Figure:
    """Chapter 5's [784, 30, 30, 30, 30, 10] network, its hidden layers numbered."""
    fig, ax = plt.subplots(figsize=(7.6, 4.4))
    columns = _labelled_io_network(ax, (9, 6, 6, 6, 6, 10), spacing=2.2, height=5.4)
    top = 3.4
    labels = ["input\n784"] + [f"hidden\nlayer {i}\n30" for i in range(1, 5)] + ["output\n10"]
    for column, text in zip(columns, labels, strict=True):
        ax.text(column[0][0], top, text, ha="center", va="bottom", fontsize=FONT - 1)
    _arrow(ax, (columns[-1][0][0], -3.5), (columns[1][0][0], -3.5), color=ACCENT)
    ax.text((columns[-1][0][0] + columns[1][0][0]) / 2, -3.95,
            "backpropagation: the gradient tends to shrink on the way back", ha="center",
            fontsize=FONT - 1, color=ACCENT)
    ax.set_ylim(-4.3, top + 1.3)
    return _finish(fig, ax, "deep_network")


def _grid(ax: Axes, x0: float, y0: float, n: int, cell: float, *, color: str = FAINT,
          fill: str = "white") -> None:
    """An n x n grid of squares with its top-left corner at (x0, y0)."""
    ax.add_patch(Rectangle((x0, y0 - n * cell), n * cell, n * cell, facecolor=fill,
                           edgecolor=INK, linewidth=1.0, zorder=1))
    for k in range(1, n):
        ax.plot([x0 + k * cell] * 2, [y0, y0 - n * cell], color=color, linewidth=0.3, zorder=1)
        ax.plot([x0, x0 + n * cell], [y0 - k * cell] * 2, color=color, linewidth=0.3, zorder=1)


def _window(ax: Axes, x0: float, y0: float, row: int, col: int, size: int, cell: float,
            color: str) -> tuple[float, float, float, float]:
    """Outline size x size cells at (row, col) of a grid; returns its left, top, right, bottom."""
    left, top = x0 + col * cell, y0 - row * cell
    ax.add_patch(Rectangle((left, top - size * cell), size * cell, size * cell, fill=False,
                           edgecolor=color, linewidth=2.0, zorder=3))
    return left, top, left + size * cell, top - size * cell


def _cell_fill(ax: Axes, x0: float, y0: float, row: int, col: int, cell: float,
               color: str) -> tuple[float, float]:
    ax.add_patch(Rectangle((x0 + col * cell, y0 - (row + 1) * cell), cell, cell, color=color,
                           zorder=3))
    return x0 + (col + 0.5) * cell, y0 - (row + 0.5) * cell


def local_receptive_field() -> Figure:
    """A 5 x 5 local receptive field of the input and the hidden neuron it feeds (chapter 6)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    cell = 0.2
    _grid(ax, 0.0, 5.6, 28, cell)
    _grid(ax, 7.4, 5.2, 24, cell)
    for shift, color in ((0, ACCENT), (1, ACCENT2)):
        left, top, right, bottom = _window(ax, 0.0, 5.6, 1, 1 + shift, 5, cell, color)
        cx, cy = _cell_fill(ax, 7.4, 5.2, 1, 1 + shift, cell, color)
        for corner in ((right, top), (right, bottom)):
            ax.plot([corner[0], cx], [corner[1], cy], color=color, linewidth=0.9, zorder=2)
    ax.text(2.8, -0.15, "input: 28 × 28 pixels", ha="center", va="top", fontsize=FONT)
    ax.text(9.8, 0.1, "first hidden layer: 24 × 24 neurons", ha="center", va="top", fontsize=FONT)
    ax.text(2.8, 6.0, "a 5 × 5 local receptive field,\nand the same field moved by one pixel",
            ha="center", fontsize=FONT - 1)
    return _finish(fig, ax, "local_receptive_field")


def shared_weights() -> Figure:
    """Two windows feeding one feature map with the same weights and bias; several maps."""
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    cell = 0.2
    _grid(ax, 0.0, 5.6, 28, cell)
    for depth in (2, 1):  # the maps behind, drawn offset
        _grid(ax, 7.4 + 0.35 * depth, 5.2 + 0.35 * depth, 24, cell, fill="#f4f4f4")
    _grid(ax, 7.4, 5.2, 24, cell)
    for (row, col), color in (((1, 1), ACCENT), ((18, 19), ACCENT)):
        left, top, right, bottom = _window(ax, 0.0, 5.6, row, col, 5, cell, color)
        cx, cy = _cell_fill(ax, 7.4, 5.2, row, col, cell, color)
        ax.plot([right, cx], [(top + bottom) / 2, cy], color=color, linewidth=0.9, zorder=2)
    ax.text(6.6, 2.8, "same 5 × 5 weights $w$\nsame bias $b$", ha="center", va="center",
            fontsize=FONT - 1, color=ACCENT,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    ax.text(2.8, -0.15, "input: 28 × 28", ha="center", va="top", fontsize=FONT)
    ax.text(10.1, 0.1, "feature maps: one filter ($w$, $b$) each;\nthe layer has 20 such maps",
            ha="center", va="top", fontsize=FONT - 1)
    return _finish(fig, ax, "shared_weights")


def pooling() -> Figure:
    """2 x 2 max pooling of a 24 x 24 feature map into a 12 x 12 map (chapter 6)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    cell = 0.2
    _grid(ax, 0.0, 4.8, 24, cell)
    _grid(ax, 6.6, 3.6, 12, cell)
    left, top, right, bottom = _window(ax, 0.0, 4.8, 0, 0, 2, cell, ACCENT)
    cx, cy = _cell_fill(ax, 6.6, 3.6, 0, 0, cell, ACCENT)
    ax.plot([right, cx], [top, cy], color=ACCENT, linewidth=0.9, zorder=2)
    ax.plot([right, cx], [bottom, cy], color=ACCENT, linewidth=0.9, zorder=2)
    ax.text(2.4, -0.15, "feature map: 24 × 24", ha="center", va="top", fontsize=FONT)
    ax.text(7.8, 1.05, "max-pooled: 12 × 12", ha="center", va="top", fontsize=FONT)
    ax.text(7.8, 4.3, "each unit keeps the largest\nof its 2 × 2 inputs", ha="center",
            fontsize=FONT - 1, color=ACCENT)
    return _finish(fig, ax, "pooling")


def conv_network() -> Figure:
    """Chapter 6's network: input, 20 conv maps, 2 x 2 max pooling, 100 FC neurons, 10 outputs."""
    fig, ax = plt.subplots(figsize=(9.0, 4.0))
    ax.add_patch(Rectangle((0.0, -1.4), 2.8, 2.8, facecolor=INPUT_FILL, edgecolor=INK))
    ax.add_patch(Rectangle((0.3, 0.5), 0.5, 0.5, fill=False, edgecolor=ACCENT, linewidth=1.8,
                           zorder=3))
    for depth in range(5, -1, -1):  # 20 maps, drawn as a stack
        ax.add_patch(Rectangle((3.8 + 0.12 * depth, -1.2 + 0.12 * depth), 2.4, 2.4,
                               facecolor=NEURON_FILL, edgecolor=INK, linewidth=0.9))
    ax.plot([0.8, 3.95], [1.0, 1.05], color=ACCENT, linewidth=0.9)
    ax.plot([0.8, 3.95], [0.5, 0.95], color=ACCENT, linewidth=0.9)
    for depth in range(5, -1, -1):
        ax.add_patch(Rectangle((7.3 + 0.1 * depth, -0.6 + 0.1 * depth), 1.2, 1.2,
                               facecolor=NEURON_FILL, edgecolor=INK, linewidth=0.9))
    fc = _column(8, 10.4, 3.2)
    out = _column(10, 12.6, 3.6)
    for a in fc:
        for b in out:
            ax.plot([a[0], b[0]], [a[1], b[1]], color=FAINT, linewidth=0.5, zorder=1)
        for y in (-0.5, 0.0, 0.5):
            ax.plot([8.9, a[0]], [y, a[1]], color=FAINT, linewidth=0.4, zorder=1)
    for x, y in fc:
        _neuron(ax, x, y, r=0.16)
    for digit, (x, y) in enumerate(out):
        _neuron(ax, x, y, r=0.16)
        ax.text(x + 0.3, y, str(digit), va="center", fontsize=FONT - 2)
    labels = [(1.4, "input\n28 × 28"), (5.3, "convolution\n20 maps of 24 × 24\n(5 × 5 filters)"),
              (8.0, "max pooling\n20 maps of 12 × 12"), (10.4, "fully connected\n100 neurons"),
              (12.6, "softmax\n10 outputs")]
    for x, text in labels:
        ax.text(x, -2.2, text, ha="center", va="top", fontsize=FONT - 1)
    ax.set_xlim(-0.3, 13.3)
    ax.set_ylim(-3.6, 2.2)
    return _finish(fig, ax, "conv_network")


#: Every diagram by name (the keys of ``ALT``), e.g. for a test that builds them all.
DIAGRAMS = {
    "perceptron": perceptron,
    "sigmoid_neuron": sigmoid_neuron,
    "layered_network": layered_network,
    "mnist_network": mnist_network,
    "notation": notation,
    "paths": paths,
    "deep_network": deep_network,
    "local_receptive_field": local_receptive_field,
    "shared_weights": shared_weights,
    "pooling": pooling,
    "conv_network": conv_network,
}
