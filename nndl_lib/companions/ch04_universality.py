"""Chapter 4: networks built by hand that approximate any continuous function.

Nothing here is trained. Every function writes down the weights and biases of a network whose
output approximates a target function, following the chapter's visual proof, from the steps and
bumps of :mod:`nndl_lib.companions.ch04_steps`:

- many bumps approximate any continuous ``f`` on [0, 1] (:func:`bump_network`), with a linear
  output neuron or a sigmoid one whose bumps approximate sigma^{-1}(f);
- the steps are never perfect: near each step there is a *window of failure*. Summing several
  approximations, each shifted and scaled by 1/M, keeps every point out of most windows
  (:func:`shifted_bump_network`).

Towers in two dimensions and ReLU networks are in
:mod:`nndl_lib.companions.ch04_universality_beyond`.

Networks are :class:`ConstructedNetwork` objects: the lists ``weights`` and ``biases`` in the layout
of :mod:`nndl_lib.fc` (``weights[i]``: ``(n_out, n_in)``, a layer computes ``a @ w.T + b``), so
``fc.feedforward(x, net.weights, net.biases, net.activation, net.output_activation)`` runs them;
calling ``net(x)`` does exactly that. Errors are measured on a uniform grid
(:func:`approximation_error`, :func:`error_vs_bumps`), and
:func:`lipschitz_error_bound` gives the bound the measured errors must respect.

Target functions are Python callables on NumPy arrays: ``f(x)`` with ``x: (N,)`` returns ``(N,)``;
``f(x, y)`` with ``x, y: (N,)`` returns ``(N,)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nndl_lib import fc
from nndl_lib.activations import get_activation, sigmoid
from nndl_lib.companions.ch04_steps import ActivationLike, activation_limits, sigmoid_inverse
from nndl_lib.validate import check_int, check_positive

__all__ = [
    "ConstructedNetwork",
    "ApproximationError",
    "step_edges",
    "ideal_staircase",
    "bump_network",
    "shifted_bump_network",
    "sum_networks",
    "approximation_error",
    "error_vs_bumps",
    "lipschitz_error_bound",
]

Function1D = Callable[[np.ndarray], np.ndarray]
Function2D = Callable[[np.ndarray, np.ndarray], np.ndarray]
_CHUNK_ELEMENTS = 2**22  # hidden activations held at once when a network is evaluated


# ----------------------------------------------------------------------------------------------
# Networks and errors
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConstructedNetwork:
    """A network written down by hand, in the layout of :mod:`nndl_lib.fc`.

    weights[i]: (n_out, n_in), biases[i]: (n_out,); ``activation`` is used by every hidden layer and
    ``output_activation`` by the output layer (one neuron). ``net(x)`` runs ``fc.feedforward``.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activation: str = "sigmoid"
    output_activation: str = "linear"

    @property
    def n_inputs(self) -> int:
        return self.weights[0].shape[1]

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """Number of neurons in each hidden layer."""
        return tuple(w.shape[0] for w in self.weights[:-1])

    @property
    def n_hidden(self) -> int:
        """Total number of hidden neurons."""
        return sum(self.hidden_sizes)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The network's output for every input.

        x: (N,) for one input variable, or (N, n_inputs). Returns (N,).
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and self.n_inputs == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ValueError(
                f"this network takes {self.n_inputs} input(s): pass x of shape (N, "
                f"{self.n_inputs})" + (" or (N,)" if self.n_inputs == 1 else "")
                + f"; got shape {x.shape}"
            )
        # in chunks of rows, so that a wide network on a fine grid does not need gigabytes
        rows = max(1, _CHUNK_ELEMENTS // max(w.shape[0] for w in self.weights))
        return np.concatenate([
            fc.feedforward(x[k:k + rows], self.weights, self.biases, self.activation,
                           self.output_activation)[:, 0]
            for k in range(0, x.shape[0], rows)
        ]) if x.shape[0] else np.zeros(0)


class ApproximationError(NamedTuple):
    """max |f - output| and mean |f - output| over a uniform grid."""

    max: float
    mean: float


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------

def _evaluate(f: Callable, name: str, *args: np.ndarray) -> np.ndarray:
    """Call the target f on arrays and check that it returns one finite value per point."""
    if not callable(f):
        raise TypeError(f"{name} must be a function of NumPy arrays; got {type(f).__name__}")
    n = args[0].shape[0]
    values = np.asarray(f(*args), dtype=np.float64)
    if values.shape == ():  # a constant function written as `lambda x: 0.5`
        values = np.full(n, float(values))
    if values.shape != (n,):
        raise ValueError(
            f"{name} must return one value per point, shape ({n},), when given arrays of shape "
            f"({n},); got shape {values.shape}. Write it with NumPy operations "
            "(np.sin, **, ...) so that it works element-wise."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} returned NaN or infinite values on [0, 1]; it must be finite "
                         "(and continuous) there")
    return values


def _check_output(output: str) -> str:
    if output not in ("linear", "sigmoid"):
        raise ValueError(f"output must be 'linear' or 'sigmoid'; got {output!r}")
    return output


# ----------------------------------------------------------------------------------------------
# Many bumps: any f on [0, 1]
# ----------------------------------------------------------------------------------------------

def step_edges(n_bumps: int, offset: float = 0.0, margin: float | None = None) -> np.ndarray:
    """The step positions of a bump network on [0, 1]: (n_cells + 1,).

    Interior steps lie at offset + i / n_bumps inside (0, 1); the two outer steps lie ``margin``
    outside the interval (default half a bump width), so that no window of failure touches its ends.
    With offset = 0 there are n_bumps cells; with 0 < offset < 1/n_bumps there is one more (the
    first and last are cut short), every cell at most 1/n_bumps wide.
    """
    n = check_int(n_bumps, "n_bumps", minimum=1)
    if not 0 <= offset < 1 / n:
        raise ValueError(f"offset must be in [0, 1/n_bumps) = [0, {1 / n:.4g}); got {offset!r}")
    margin = 0.5 / n if margin is None else check_positive(margin, "margin")
    k = np.arange(n + 1)
    interior = offset + k / n
    interior = interior[(interior > 0) & (interior < 1)]
    return np.concatenate([[-margin], interior, [1 + margin]])


def _cell_centres(edges: np.ndarray) -> np.ndarray:
    """Centres of the cells [edges[i], edges[i+1]] cut to [0, 1]."""
    return (np.clip(edges[:-1], 0, 1) + np.clip(edges[1:], 0, 1)) / 2


def ideal_staircase(f: Function1D, n_bumps: int, x: np.ndarray,
                    offset: float = 0.0) -> np.ndarray:
    """What bump_network would compute with perfect steps: f(centre of the cell containing x).

    The piecewise-constant function that the visual proof describes (linear output). x: (N,) in
    [0, 1] -> (N,).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or np.any(x < 0) or np.any(x > 1):
        raise ValueError(f"x must be a 1-D array of points in [0, 1]; got shape {x.shape}")
    edges = step_edges(n_bumps, offset)
    heights = _evaluate(f, "f", _cell_centres(edges))
    cell = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, heights.size - 1)
    return heights[cell]


def bump_network(f: Function1D, n_bumps: int, w: float = 1e4, output: str = "linear",
                 activation: ActivationLike = "sigmoid", offset: float = 0.0,
                 scale: float = 1.0, margin: float | None = None) -> ConstructedNetwork:
    """A network with one input, 2 n_bumps hidden neurons and one output: f on [0, 1], roughly.

    Each bump is a pair of hidden neurons with weight w, stepping at the two ends of a cell (see
    :func:`step_edges`), whose outputs are weighted h and -h. Its height h is the target at the
    cell's centre c:

    - ``output="linear"``: the output is the hidden layer's weighted output, and h = f(c);
    - ``output="sigmoid"``: the output is sigma(weighted output), so the bumps must add up to
      sigma^{-1}(f): h = sigma^{-1}(f(c)). f must take values in (0, 1).

    ``scale`` multiplies every height (``shifted_bump_network`` uses 1/M); ``activation`` may be
    any activation with two different finite limits (the output weights are divided by hi - lo).
    Returns the network: weights (2 n, 1) and (1, 2 n), n the number of cells.
    """
    output = _check_output(output)
    w = check_positive(w, "w")
    act = get_activation(activation)
    lo, hi = activation_limits(act)
    edges = step_edges(n_bumps, offset, margin)
    centres = _cell_centres(edges)
    target = _evaluate(f, "f", centres)
    h = scale * (sigmoid_inverse(target) if output == "sigmoid" else target)
    s1, s2 = edges[:-1], edges[1:]
    # hidden layer: neuron 2i steps at the cell's left end, 2i + 1 at its right end
    steps = np.stack([s1, s2], axis=1).ravel()
    w1 = np.full((steps.size, 1), w)
    b1 = -w * steps  # b = -w s puts each step at s
    w2 = (np.stack([h, -h], axis=1).ravel() / (hi - lo))[None, :]  # weights h and -h per pair
    b2 = np.zeros(1)
    return ConstructedNetwork((w1, w2), (b1, b2), act.name, output)


def sum_networks(nets: Sequence[ConstructedNetwork]) -> ConstructedNetwork:
    """One network whose output neuron adds up the weighted inputs of all of ``nets``.

    The networks must have the same inputs, depth and activations. Hidden layers are placed side
    by side (block-diagonal weights after the first layer); the output's weighted input is the sum
    of theirs, so with a linear output the outputs add up.
    """
    nets = list(nets)
    if not nets:
        raise ValueError("sum_networks needs at least one network")
    first = nets[0]
    for k, net in enumerate(nets[1:], start=1):
        same = (net.n_inputs == first.n_inputs and len(net.weights) == len(first.weights)
                and net.activation == first.activation
                and net.output_activation == first.output_activation)
        if not same:
            raise ValueError(
                f"network {k} differs from network 0 in inputs, depth or activations "
                f"({net.n_inputs}, {len(net.weights)}, {net.activation}, {net.output_activation}"
                f" vs {first.n_inputs}, {len(first.weights)}, {first.activation}, "
                f"{first.output_activation}); only networks of one shape can be summed"
            )
    weights = [np.vstack([net.weights[0] for net in nets])]
    biases = [np.concatenate([net.biases[0] for net in nets])]
    for i in range(1, len(first.weights) - 1):
        rows = [net.weights[i].shape[0] for net in nets]
        cols = [net.weights[i].shape[1] for net in nets]
        block = np.zeros((sum(rows), sum(cols)))
        r = c = 0
        for net, nr, nc in zip(nets, rows, cols, strict=True):
            block[r:r + nr, c:c + nc] = net.weights[i]
            r, c = r + nr, c + nc
        weights.append(block)
        biases.append(np.concatenate([net.biases[i] for net in nets]))
    weights.append(np.hstack([net.weights[-1] for net in nets]))
    biases.append(np.sum([net.biases[-1] for net in nets], axis=0))
    return ConstructedNetwork(tuple(weights), tuple(biases), first.activation,
                              first.output_activation)


def shifted_bump_network(f: Function1D, n_bumps: int, n_shifts: int, w: float = 1e4,
                         output: str = "linear",
                         activation: ActivationLike = "sigmoid") -> ConstructedNetwork:
    """The fix for the windows of failure: M = n_shifts bump networks for f / M, summed.

    Copy m has its steps shifted by m / (M n_bumps), so a point lies in the window of failure of at
    most one copy (when the windows are narrower than the shift). With a sigmoid output the copies'
    weighted outputs add up to sigma^{-1}(f).
    """
    m_total = check_int(n_shifts, "n_shifts", minimum=1)
    n = check_int(n_bumps, "n_bumps", minimum=1)
    return sum_networks([
        bump_network(f, n, w, output, activation, offset=m / (m_total * n), scale=1 / m_total)
        for m in range(m_total)
    ])


def approximation_error(net: ConstructedNetwork, f: Function1D,
                        n_points: int = 2001) -> ApproximationError:
    """max and mean of |f(x) - net(x)| over n_points equally spaced x in [0, 1]."""
    x = np.linspace(0.0, 1.0, check_int(n_points, "n_points", minimum=1))
    err = np.abs(_evaluate(f, "f", x) - net(x))
    return ApproximationError(float(err.max()), float(err.mean()))


def error_vs_bumps(f: Function1D, bump_counts: Sequence[int], w: float = 1e4,
                   output: str = "linear", activation: ActivationLike = "sigmoid",
                   n_points: int = 2001) -> list[dict]:
    """Approximation error of :func:`bump_network` for each number of bumps.

    Returns one row per count: {"n_bumps", "n_hidden", "max", "mean"}.
    """
    rows = []
    for n in bump_counts:
        net = bump_network(f, n, w, output, activation)
        err = approximation_error(net, f, n_points)
        rows.append({"n_bumps": int(n), "n_hidden": net.n_hidden, "max": err.max,
                     "mean": err.mean})
    return rows


def lipschitz_error_bound(n_bumps: int, w: float, lipschitz: float, sup_f: float,
                          margin: float | None = None) -> float:
    """An upper bound on max |f - net| for ``bump_network(f, n_bumps, w)`` (sigmoid, linear output).

    For f with |f(x) - f(y)| <= L |x - y| and |f| <= sup_f on [0, 1]:

        max error <= L / (2 n) + 2 ln(2) L / w + 2 sup_f sigma(-w margin).

    Why: the weighted output at x is the average of the bump heights f(c_i) with the weights
    sigma(w (x - s_i)) - sigma(w (x - s_{i+1})), which are the probabilities that x - V falls in
    cell i for a logistic variable V of scale 1/w. So the error is at most L times the mean
    distance from x to the chosen centre, at most 1/(2n) + E|V| = 1/(2n) + 2 ln(2) / w, plus the
    weight that falls outside the outer steps. The middle term is the price of the windows of
    failure.
    """
    n = check_int(n_bumps, "n_bumps", minimum=1)
    w = check_positive(w, "w")
    margin = 0.5 / n if margin is None else check_positive(margin, "margin")
    return float(lipschitz / (2 * n) + 2 * np.log(2) * lipschitz / w
                 + 2 * sup_f * sigmoid(-w * margin))
