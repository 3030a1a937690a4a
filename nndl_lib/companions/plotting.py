"""Figure helpers shared by the chapters (matplotlib only).

Every helper draws into a new figure, or into the ``ax`` it is given, and returns the
:class:`matplotlib.figure.Figure`. Nothing is shown or saved: in a notebook write
``fig = show_digits(...)`` and the inline backend displays the figure once at the end of the cell;
in a script call ``fig.savefig(...)`` or ``matplotlib.pyplot.show()`` yourself.

Helpers:

- :func:`show_digits`: a grid of 28x28 digits with optional labels and predictions.
- :func:`plot_curves`: one or more per-epoch series (accuracy, cost), with optional reference lines.
- :func:`plot_activations`: activation functions on one axes (chapter 1's step vs sigmoid).
- :func:`plot_descent_on_surface`: contours of a 2-D cost with a gradient-descent path on top.
- :func:`show_filters`: a grid of small 2-D arrays on one colour scale (conv filters, feature maps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nndl_lib.activations import get_activation, step
from nndl_lib.validate import check_int

__all__ = [
    "as_digit_images",
    "show_digits",
    "plot_curves",
    "plot_activations",
    "plot_descent_on_surface",
    "show_filters",
]

_SIDE = 28  # MNIST images are 28 x 28 pixels


def as_digit_images(x: np.ndarray) -> np.ndarray:
    """Reshape digits to ``(N, 28, 28)`` for drawing.

    x: ``(N, 784)``, ``(N, 28, 28)``, ``(N, 1, 28, 28)`` or one digit
    ``(784,)`` / ``(28, 28)``.
    """
    x = np.asarray(x)
    if x.ndim == 1 and x.size == _SIDE * _SIDE:
        return x.reshape(1, _SIDE, _SIDE)
    if x.ndim == 2 and x.shape == (_SIDE, _SIDE):
        return x.reshape(1, _SIDE, _SIDE)
    if x.ndim == 2 and x.shape[1] == _SIDE * _SIDE:
        return x.reshape(-1, _SIDE, _SIDE)
    if x.ndim == 3 and x.shape[1:] == (_SIDE, _SIDE):
        return x
    if x.ndim == 4 and x.shape[1:] == (1, _SIDE, _SIDE):
        return x.reshape(-1, _SIDE, _SIDE)
    raise ValueError(
        "digits must have shape (N, 784), (N, 28, 28) or (N, 1, 28, 28) "
        f"(or one digit (784,) / (28, 28)); got {x.shape}. Pass rows of a load_mnist() array."
    )


def _check_labels(name: str, values, n: int) -> np.ndarray | None:
    if values is None:
        return None
    values = np.asarray(values)
    if values.ndim == 2:  # one-hot rows
        values = values.argmax(axis=1)
    if values.shape != (n,):
        raise ValueError(
            f"{name} must have one entry per digit, shape ({n},); got {values.shape}. "
            "Pass integer labels (or one-hot rows) for exactly the digits drawn."
        )
    return values


def show_digits(
    x: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    predictions: Sequence[int] | np.ndarray | None = None,
    *,
    ncols: int = 10,
    cmap: str = "gray_r",
    panel_size: float = 1.0,
    title: str | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Draw digits in a grid, one small panel per image.

    x: ``(N, 784)`` (or ``(N, 28, 28)``, ``(N, 1, 28, 28)``) pixel intensities, 0 = background.
    labels: ``(N,)`` true digits (or one-hot ``(N, 10)``), shown above each panel.
    predictions: ``(N,)`` predicted digits; with labels, each title reads "true 7, net 2" and wrong
    predictions are drawn in red.
    ncols: panels per row; the number of rows follows from N.
    fig: an existing (empty) figure to draw into; by default a new one sized from the grid.
    Returns the figure; its axes are in row-major order, one per digit (unused cells are removed).
    """
    images = as_digit_images(x)
    n = images.shape[0]
    if n == 0:
        raise ValueError("show_digits needs at least one digit; got an empty array.")
    ncols = check_int(ncols, "ncols", minimum=1)
    labels = _check_labels("labels", labels, n)
    predictions = _check_labels("predictions", predictions, n)
    ncols = int(min(ncols, n))
    nrows = -(-n // ncols)
    has_titles = labels is not None or predictions is not None
    if fig is None:
        height = nrows * panel_size * (1.3 if has_titles else 1.0) + (0.4 if title else 0.0)
        fig = plt.figure(figsize=(ncols * panel_size, height))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(images[i], cmap=cmap, vmin=0.0, vmax=max(1.0, float(images[i].max())))
        ax.set_xticks([])
        ax.set_yticks([])
        if labels is not None and predictions is not None:
            wrong = labels[i] != predictions[i]
            ax.set_title(f"true {labels[i]}, net {predictions[i]}", fontsize=8,
                         color="tab:red" if wrong else "black")
        elif labels is not None:
            ax.set_title(f"{labels[i]}", fontsize=9)
        elif predictions is not None:
            ax.set_title(f"net {predictions[i]}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _target_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax.figure, ax


def plot_curves(
    series: Mapping[str, Sequence[float]] | Sequence[float],
    *,
    xlabel: str = "epoch",
    ylabel: str = "accuracy",
    title: str | None = None,
    x: Sequence[float] | None = None,
    references: Mapping[str, float] | None = None,
    percent: bool = False,
    marker: str | None = "o",
    ax: Axes | None = None,
) -> Figure:
    """Plot per-epoch series, e.g. evaluation accuracy of several runs.

    series: ``{"name": values}`` (one line each, with a legend) or a single sequence of values.
    x: common x values; by default 0, 1, 2, ... (epoch numbers, as the library counts them).
    references: ``{"name": value}`` drawn as dashed horizontal lines (e.g. the book's result).
    percent: multiply values (and references) by 100, for fractions in [0, 1].
    Returns the figure with labelled axes.
    """
    if not isinstance(series, Mapping):
        series = {"": series}
    if len(series) == 0:
        raise ValueError("plot_curves needs at least one series; got an empty mapping.")
    fig, ax = _target_axes(ax, (6.0, 3.8))
    scale = 100.0 if percent else 1.0
    for name, values in series.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"series {name!r} must be a non-empty 1-D sequence; got shape {values.shape}."
            )
        xs = np.arange(values.size) if x is None else np.asarray(x, dtype=float)
        if xs.shape != values.shape:
            raise ValueError(
                f"x has {xs.size} values but series {name!r} has {values.size}; "
                "pass one x per value."
            )
        ms = marker if values.size <= 60 else None
        ax.plot(xs, scale * values, marker=ms, markersize=3, label=name or None)
    for k, (name, value) in enumerate((references or {}).items()):
        ax.axhline(scale * float(value), linestyle="--", linewidth=1, color=f"C{k + 5}",
                   label=name)
    if x is None:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(series) > 1 or references or next(iter(series)):
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_activations(
    names: Sequence[str] = ("step", "sigmoid"),
    *,
    z: np.ndarray | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw activation functions of ``z`` on one axes (default: the perceptron's step and σ).

    names: activation names understood by :func:`nndl_lib.activations.get_activation`, or
    ``"step"`` for the perceptron's threshold.
    z: the grid of weighted inputs; default 401 points on [-6, 6].
    """
    if len(names) == 0:
        raise ValueError("plot_activations needs at least one activation name.")
    z = np.linspace(-6.0, 6.0, 401) if z is None else np.asarray(z, dtype=float)
    if z.ndim != 1:
        raise ValueError(f"z must be 1-D; got shape {z.shape}.")
    fig, ax = _target_axes(ax, (6.0, 3.6))
    for name in names:
        if name == "step":
            ax.step(z, step(z), where="post", label="step (perceptron)", linewidth=2)
        else:
            act = get_activation(name)
            ax.plot(z, act.fn(z), label=act.name, linewidth=2)
    ax.set_xlabel("weighted input $z = w \\cdot x + b$")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_descent_on_surface(
    cost: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray] | np.ndarray,
    *,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    levels: int = 15,
    xlabel: str = "$v_1$",
    ylabel: str = "$v_2$",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Contours of a two-variable cost ``C(v1, v2)`` with gradient-descent paths drawn on top.

    cost: vectorised ``C(V1, V2)`` on meshgrid arrays.
    paths: ``(steps + 1, 2)`` array of positions ``v`` (or ``{"name": array}`` for several);
    each path is drawn as connected points from its start (square) to its end (star).
    """
    if not isinstance(paths, Mapping):
        paths = {"": paths}
    fig, ax = _target_axes(ax, (6.0, 4.4))
    v1, v2 = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    c = np.asarray(cost(v1, v2), dtype=float)
    if c.shape != v1.shape:
        raise ValueError(
            f"cost(V1, V2) must return an array of the grid's shape {v1.shape}; got {c.shape}. "
            "Write it with NumPy operations so it works element-wise."
        )
    contours = ax.contour(v1, v2, c, levels=levels, cmap="viridis", linewidths=0.8)
    fig.colorbar(contours, ax=ax, label="cost $C$", shrink=0.8)
    for k, (name, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
            raise ValueError(f"path {name!r} must have shape (steps + 1, 2); got {path.shape}.")
        color = f"C{k + 1}"
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=3, linewidth=1.2,
                label=name or None)
        ax.plot(*path[0], "s", color=color, markersize=7)
        ax.plot(*path[-1], "*", color=color, markersize=11)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    if any(paths):
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def show_filters(
    w: np.ndarray,
    *,
    channel: int = 0,
    ncols: int = 10,
    cmap: str = "RdBu_r",
    symmetric: bool = True,
    titles: Sequence[str] | None = None,
    panel_size: float = 0.9,
    title: str | None = None,
    colorbar: bool = True,
) -> Figure:
    """Draw F small 2-D arrays in a grid on ONE shared colour scale (chapter 6's filters).

    w: conv filters ``(F, C, KH, KW)`` (channel ``channel`` is drawn) or any stack ``(F, H, W)``
    (e.g. feature maps ``a[n]``). symmetric: centre the scale on 0 (``±max|w|``), so with the
    default diverging colormap positive weights are red, negative blue and zero white; otherwise
    the scale runs from the minimum to the maximum. titles: one per panel, or None.
    Returns the figure (panels in row-major order, then the colour bar if ``colorbar``).
    """
    w = np.asarray(w)
    if w.ndim == 4:
        if not 0 <= channel < w.shape[1]:
            raise ValueError(f"channel must be in [0, {w.shape[1]}) for filters of shape "
                             f"{w.shape}; got {channel}")
        w = w[:, channel]
    if w.ndim != 3 or w.shape[0] == 0:
        raise ValueError(f"w must have shape (F, C, KH, KW) or (F, H, W) with F >= 1; "
                         f"got {w.shape}")
    if titles is not None and len(titles) != w.shape[0]:
        raise ValueError(f"titles needs one entry per panel ({w.shape[0]}); got {len(titles)}")
    ncols = check_int(ncols, "ncols", minimum=1)
    n = w.shape[0]
    ncols = int(min(ncols, n))
    nrows = -(-n // ncols)
    if symmetric:
        vmax = float(np.max(np.abs(w))) or 1.0
        vmin = -vmax
    else:
        vmin, vmax = float(np.min(w)), float(np.max(w))
    height = nrows * panel_size * (1.25 if titles is not None else 1.0) + (0.4 if title else 0.0)
    fig = plt.figure(figsize=(ncols * panel_size + (0.8 if colorbar else 0.0), height))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    image = None
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            fig.delaxes(ax)
            continue
        image = ax.imshow(w[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title)
    if colorbar:
        fig.colorbar(image, ax=[a for a in axes.ravel() if a.figure is fig and a in fig.axes],
                     shrink=0.8)
    return fig
