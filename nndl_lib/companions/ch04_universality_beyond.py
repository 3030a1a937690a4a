"""Universality beyond one input and beyond sigmoid neurons (the second half of chapter 4).

The first half, :mod:`nndl_lib.companions.ch04_universality`, builds sigmoid step and bump networks
of one input.
Here, with the same :class:`~nndl_lib.companions.ch04_universality.ConstructedNetwork` and error
measures:

- ReLU has no such limits, but the difference of two ramps is a step and three ramps make a hat,
  so ReLU networks interpolate any f piecewise linearly (:func:`relu_step`, :func:`hat`,
  :func:`relu_network`);
- two inputs: steps in x and y, a bump in each direction and a threshold neuron make a tower, and
  towers trace out f(x, y) (:func:`tower_network`); shifted copies fill the holes that the
  windows of failure leave at the corners (:func:`shifted_tower_network`).
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import relu
from nndl_lib.companions.ch04_steps import sigmoid_inverse
from nndl_lib.companions.ch04_universality import (  # chapter 4's shared blocks
    ApproximationError,
    ConstructedNetwork,
    Function1D,
    Function2D,
    _cell_centres,
    _check_output,
    _evaluate,
    step_edges,
    sum_networks,
)
from nndl_lib.validate import check_int, check_positive

__all__ = [
    "relu_step",
    "hat",
    "relu_network",
    "tower_network",
    "shifted_tower_network",
    "approximation_error_2d",
]


def relu_step(x: np.ndarray, s: float, w: float) -> np.ndarray:
    """A step at s from two ReLU neurons: relu(w (x - s) + 1/2) - relu(w (x - s) - 1/2).

    0 left of s - 1/(2w), 1 right of s + 1/(2w), a straight ramp in between. x: (N,) -> (N,).
    """
    w = check_positive(w, "w")
    z = w * (np.asarray(x, dtype=np.float64) - s)
    return relu(z + 0.5) - relu(z - 0.5)


def hat(x: np.ndarray, c: float, d: float) -> np.ndarray:
    """A hat of height 1 on [c - d, c + d] from three ramps (ReLU neurons).

    (relu(x - c + d) - 2 relu(x - c) + relu(x - c - d)) / d. x: (N,) -> (N,).
    """
    d = check_positive(d, "d")
    x = np.asarray(x, dtype=np.float64)
    return (relu(x - c + d) - 2 * relu(x - c) + relu(x - c - d)) / d


def relu_network(f: Function1D, n_pieces: int) -> ConstructedNetwork:
    """A ReLU network with n_pieces hidden neurons that interpolates f linearly on [0, 1].

    Knots t_j = j / n. Hidden neuron j is the ramp relu(x - t_j); its output weight is the change
    of slope at t_j, and the output bias is f(0). On [0, 1] the output equals the broken line
    through (t_j, f(t_j)), so |error| <= L / (2 n) for an L-Lipschitz f (and 0 for a linear f).
    """
    n = check_int(n_pieces, "n_pieces", minimum=1)
    knots = np.linspace(0.0, 1.0, n + 1)
    values = _evaluate(f, "f", knots)
    slopes = np.diff(values) * n
    slope_changes = np.diff(slopes, prepend=0.0)  # m_j - m_{j-1}, m_{-1} = 0
    w1 = np.ones((n, 1))
    b1 = -knots[:-1]  # ramp j starts at t_j
    w2 = slope_changes[None, :]
    b2 = values[:1].copy()
    return ConstructedNetwork((w1, w2), (b1, b2), "relu", "linear")


def tower_network(f: Function2D, n_per_axis: int, w: float = 1e4, threshold_weight: float = 50.0,
                  output: str = "linear", offset: float = 0.0,
                  scale: float = 1.0) -> ConstructedNetwork:
    """A two-hidden-layer network that approximates f(x, y) on [0, 1]^2 with towers.

    Layer 1: step neurons in x and in y at the edges of :func:`step_edges` (shared by all towers).
    Layer 2: one neuron per cell (i, j), with weight H = threshold_weight on x-steps i and y-step j,
    -H on x-step i+1 and y-step j+1, and bias -3H/2. Its weighted input is H (B_x + B_y - 3/2),
    where B_x and B_y are bumps of height 1: only where both are on does it exceed 0, so for large
    H the neuron is a tower, about 1 on the cell and 0 elsewhere. Output: towers weighted by
    f(centre) (``output="linear"``) or sigma^{-1}(f(centre)) (``output="sigmoid"``), times scale.
    Returns weights (2 (n + 1), 2), (n^2, 2 (n + 1)), (1, n^2), n the number of cells per axis.
    """
    output = _check_output(output)
    w = check_positive(w, "w")
    big_h = check_positive(threshold_weight, "threshold_weight")
    edges = step_edges(n_per_axis, offset)
    centres = _cell_centres(edges)
    n_cells, n_edges = centres.size, edges.size
    # layer 1: x-steps first, then y-steps; each neuron sees one input variable
    w1 = np.zeros((2 * n_edges, 2))
    w1[:n_edges, 0] = w
    w1[n_edges:, 1] = w
    b1 = -w * np.concatenate([edges, edges])
    # layer 2: tower (i, j) at row i * n_cells + j
    w2 = np.zeros((n_cells * n_cells, 2 * n_edges))
    b2 = np.full(n_cells * n_cells, -1.5 * big_h)
    for i in range(n_cells):
        for j in range(n_cells):
            row = i * n_cells + j
            w2[row, [i, n_edges + j]] = big_h  # B_x: step i minus step i+1, same for y
            w2[row, [i + 1, n_edges + j + 1]] = -big_h
    cx, cy = np.meshgrid(centres, centres, indexing="ij")
    target = _evaluate(f, "f", cx.ravel(), cy.ravel())
    heights = scale * (sigmoid_inverse(target) if output == "sigmoid" else target)
    w3 = heights[None, :]
    b3 = np.zeros(1)
    return ConstructedNetwork((w1, w2, w3), (b1, b2, b3), "sigmoid", output)


def shifted_tower_network(f: Function2D, n_per_axis: int, n_shifts: int, w: float = 1e4,
                          threshold_weight: float = 50.0,
                          output: str = "linear") -> ConstructedNetwork:
    """M = n_shifts tower networks for f / M, copy m shifted by m / (M n) in x and in y, summed."""
    m_total = check_int(n_shifts, "n_shifts", minimum=1)
    n = check_int(n_per_axis, "n_per_axis", minimum=1)
    return sum_networks([
        tower_network(f, n, w, threshold_weight, output, offset=m / (m_total * n),
                      scale=1 / m_total)
        for m in range(m_total)
    ])


def approximation_error_2d(net: ConstructedNetwork, f: Function2D,
                           n_points: int = 201) -> ApproximationError:
    """max and mean of |f(x, y) - net(x, y)| over an n_points x n_points grid of [0, 1]^2."""
    g = np.linspace(0.0, 1.0, check_int(n_points, "n_points", minimum=1))
    x, y = (a.ravel() for a in np.meshgrid(g, g, indexing="ij"))
    err = np.abs(_evaluate(f, "f", x, y) - net(np.stack([x, y], axis=1)))
    return ApproximationError(float(err.max()), float(err.mean()))
