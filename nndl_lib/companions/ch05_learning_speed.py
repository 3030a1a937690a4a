"""Why the gradients of early layers shrink or grow (chapter 5): chains of neurons, products of
matrices.

In a deep sigmoid network at initialisation, each earlier layer's gradient is several times
smaller than the next one's (measured by :mod:`nndl_lib.companions.ch05_gradient_norms`): the
vanishing gradient problem. The reason is a product of factors, one per layer:

A chain of single neurons (the book's simplest deep network)
    One sigmoid neuron per layer, ``z_j = w_j a_{j-1} + b_j``, ``a_j = sigma(z_j)``, ``a_0 = x``.
    :func:`chain_weighted_inputs`, :func:`chain_forward` and :func:`chain_backward` (the library's
    kernel convention), :func:`chain_factors` (the terms w_j sigma'(z_j)),
    :func:`chain_first_bias_gradient` (the book's product formula for dC/db_1),
    :func:`random_chain` and :func:`chain_with_zero_inputs` (vanishing and exploding examples),
    :func:`gradient_factor` (|w sigma'(w a + b)|), :func:`factor_interval`,
    :func:`factor_interval_width` and :func:`widest_factor_interval` (the chapter's problem on
    the band of inputs where that factor reaches 1), :func:`tanh_factor_interval` (the same
    band for tanh neurons).
The general case
    :func:`backward_jacobians` (the matrices Sigma'(z^l) (w^{l+1})^T of one example) and
    :func:`deltas_by_products` (delta^l = Sigma'(z^l) (w^{l+1})^T ... Sigma'(z^L) nabla_a C
    multiplied out, equal to backpropagation's).

Chains are vectorised: ``w`` and ``b`` have shape ``(..., L)`` for L neurons (any leading shape:
many chains at once), ``x`` has the leading shape ``(...)`` (or broadcasts to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nndl_lib.activations import Activation, get_activation, sigmoid, sigmoid_prime
from nndl_lib.costs import Cost, get_cost
from nndl_lib.validate import as_rng, check_int, check_positive

__all__ = [
    "chain_weighted_inputs",
    "chain_forward",
    "chain_backward",
    "chain_factors",
    "chain_first_bias_gradient",
    "random_chain",
    "chain_with_zero_inputs",
    "gradient_factor",
    "factor_interval",
    "factor_interval_width",
    "widest_factor_interval",
    "tanh_factor_interval",
    "backward_jacobians",
    "deltas_by_products",
]


# -- a chain of single neurons -------------------------------------------------------------------

def _chain_arrays(x: Any, w: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if w.ndim == 0 or w.shape != b.shape or w.shape[-1] < 1:
        raise ValueError(f"w and b must have one shape (..., L) with L >= 1 neurons in the chain; "
                         f"got w {w.shape} and b {b.shape}")
    x = np.asarray(x, dtype=np.float64)
    try:
        x = np.broadcast_to(x, w.shape[:-1])
    except ValueError:
        raise ValueError(f"x must have the chains' leading shape {w.shape[:-1]} (one input per "
                         f"chain) or broadcast to it; got {x.shape}") from None
    return x, w, b


def chain_weighted_inputs(x: Any, w: Any, b: Any) -> np.ndarray:
    """The weighted inputs z_j = w_j a_{j-1} + b_j of a chain of sigmoid neurons, a_0 = x.

    x: (...,) inputs; w, b: (..., L) weights and biases, neuron 1 first. Returns z: (..., L).
    """
    x, w, b = _chain_arrays(x, w, b)
    z = np.empty_like(w)
    a = x
    for j in range(w.shape[-1]):
        z[..., j] = w[..., j] * a + b[..., j]  # z_j = w_j a_{j-1} + b_j
        a = sigmoid(z[..., j])  # a_j = sigma(z_j)
    return z


def chain_forward(x: Any, w: Any, b: Any) -> np.ndarray:
    """The output a_L = sigma(z_L) of a chain of sigmoid neurons. x: (...,); w, b: (..., L).

    Returns a_L: (...,).
    """
    return sigmoid(chain_weighted_inputs(x, w, b)[..., -1])


def chain_backward(dout: Any, x: Any, w: Any, b: Any) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Backpropagation along the chain: the gradients of C given dout = dC/da_L.

    dout: (...,) the derivative of the cost with respect to the chain's output a_L;
    x: (...,); w, b: (..., L). Returns (dx (...,), dw (..., L), db (..., L)), where
    db_j = delta_j = dC/dz_j: delta_L = dout sigma'(z_L) (BP1) and
    delta_{j-1} = sigma'(z_{j-1}) w_j delta_j (BP2); dw_j = a_{j-1} delta_j (BP4); dx = w_1 delta_1.
    """
    x, w, b = _chain_arrays(x, w, b)
    z = chain_weighted_inputs(x, w, b)
    a_prev = np.concatenate([x[..., None], sigmoid(z[..., :-1])], axis=-1)  # a_0 .. a_{L-1}
    dout = np.broadcast_to(np.asarray(dout, dtype=np.float64), x.shape)
    db = np.empty_like(w)
    delta = dout * sigmoid_prime(z[..., -1])  # BP1: dC/da_L sigma'(z_L)
    for j in reversed(range(w.shape[-1])):
        db[..., j] = delta  # BP3
        if j > 0:
            delta = sigmoid_prime(z[..., j - 1]) * w[..., j] * delta  # BP2, one neuron wide
    dw = a_prev * db  # BP4
    dx = w[..., 0] * db[..., 0]
    return dx, dw, db


def chain_factors(x: Any, w: Any, b: Any) -> np.ndarray:
    """The factors w_j sigma'(z_j), j = 2..L, whose product carries dC/db_1 (see below).

    x: (...,); w, b: (..., L). Returns (..., L - 1).
    """
    x, w, b = _chain_arrays(x, w, b)
    z = chain_weighted_inputs(x, w, b)
    return w[..., 1:] * sigmoid_prime(z[..., 1:])


def chain_first_bias_gradient(dout: Any, x: Any, w: Any, b: Any) -> np.ndarray:
    """The book's product formula dC/db_1 = sigma'(z_1) w_2 sigma'(z_2) ... w_L sigma'(z_L) dC/da_L.

    dout: (...,) dC/da_L; x: (...,); w, b: (..., L). Returns (...,). Equal to
    ``chain_backward(dout, x, w, b)[2][..., 0]``, written as one product.
    """
    x, w, b = _chain_arrays(x, w, b)
    z = chain_weighted_inputs(x, w, b)
    return sigmoid_prime(z[..., 0]) * np.prod(chain_factors(x, w, b), axis=-1) * np.asarray(dout)


def random_chain(n_layers: int, seed: int | np.random.Generator | None = None, *,
                 n_chains: int | None = None, weight_std: float = 1.0,
                 bias_std: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Weights N(0, weight_std^2) and biases N(0, bias_std^2) for chains of ``n_layers`` neurons.

    With one input per neuron the default initialisation N(0, 1/n_in) is N(0, 1): weight_std = 1.
    Returns (w, b): (n_layers,) each, or (n_chains, n_layers) when ``n_chains`` is given.
    """
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    weight_std = check_positive(weight_std, "weight_std", allow_zero=True)
    bias_std = check_positive(bias_std, "bias_std", allow_zero=True)
    shape = (n_layers,) if n_chains is None else (check_int(n_chains, "n_chains", minimum=1),
                                                  n_layers)
    rng = as_rng(seed)
    return rng.normal(0.0, weight_std, shape), rng.normal(0.0, bias_std, shape)


def chain_with_zero_inputs(n_layers: int, w: float = 100.0, x: float = 1.0
                           ) -> tuple[np.ndarray, np.ndarray]:
    """A chain in which every weight is ``w`` and every bias makes the weighted input z_j = 0.

    Then sigma'(z_j) = 1/4 and every factor w_j sigma'(z_j) = w/4 (25 for w = 100): the gradient
    grows by that factor per layer, backwards (exploding gradients). b_1 = -w x and, since every
    later input is sigma(0) = 1/2, b_j = -w/2. Returns (w, b): (n_layers,) each.
    """
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    weights = np.full(n_layers, float(w))
    biases = np.full(n_layers, -float(w) * 0.5)  # z_j = w sigma(0) + b_j = 0
    biases[0] = -float(w) * float(x)  # z_1 = w x + b_1 = 0
    return weights, biases


def gradient_factor(w: Any, a: Any, b: Any = 0.0) -> np.ndarray:
    """|w sigma'(w a + b)|: how much one neuron scales the gradient passed back through it.

    w, a, b: arrays that broadcast together. At most |w|/4 (sigma' <= 1/4), so below 1/4 for
    |w| < 1. Returns their broadcast shape.
    """
    w = np.asarray(w, dtype=np.float64)
    return np.abs(w * sigmoid_prime(w * np.asarray(a, dtype=np.float64) + b))


def _half_width_in_z(w: np.ndarray) -> np.ndarray:
    """z* >= 0 with sigma'(z*) = 1/|w| (for |w| >= 4): |w sigma'(z)| >= 1 exactly for |z| <= z*."""
    s = np.sqrt(np.clip(1.0 - 4.0 / np.abs(w), 0.0, None))  # sigma(z*) = (1 + s)/2
    return np.log1p(s) - np.log1p(-s)  # z* = ln((1 + s)/(1 - s))


def factor_interval_width(w: Any) -> np.ndarray:
    """Width of the set of inputs a with |w sigma'(w a + b)| >= 1, for each weight in ``w``.

    The set is an interval (its position depends on b, its width does not):
    (2/|w|) ln((1 + s)/(1 - s)) with s = sqrt(1 - 4/|w|), i.e. the book's
    (2/|w|) ln(|w|(1 + sqrt(1 - 4/|w|))/2 - 1); 0 when |w| <= 4. Returns w's shape.
    """
    w = np.abs(np.asarray(w, dtype=np.float64))
    safe = np.where(w > 4.0, w, 8.0)  # any |w| > 4, to keep the formula finite where unused
    return np.where(w > 4.0, 2.0 * _half_width_in_z(safe) / safe, 0.0)


def factor_interval(w: float, b: float = 0.0) -> tuple[float, float]:
    """The interval (a_lo, a_hi) of inputs a with |w sigma'(w a + b)| >= 1.

    Needs |w| >= 4: the factor is at most |w|/4. Endpoints solve w a + b = -z*, z* with
    sigma'(z*) = 1/|w|.
    """
    w, b = float(w), float(b)
    if abs(w) < 4.0:
        raise ValueError(f"|w sigma'(w a + b)| <= |w|/4 = {abs(w) / 4:.4g} < 1 for every a when "
                         f"|w| < 4; got w = {w:g}. Use a weight with |w| >= 4.")
    z_star = float(_half_width_in_z(np.array(w)))
    lo, hi = sorted(((-z_star - b) / w, (z_star - b) / w))
    return lo, hi


def widest_factor_interval(lo: float = 4.0, hi: float = 100.0, tol: float = 1e-10
                           ) -> tuple[float, float]:
    """The weight |w| whose interval of :func:`factor_interval_width` is widest, and that width.

    Golden-section search for the maximum over |w| in [lo, hi] (the width is 0 at |w| = 4, rises
    to one maximum and falls like (2 ln |w|)/|w|). Returns (|w|, width): about (6.894, 0.4477).
    """
    if not 4.0 <= lo < hi:
        raise ValueError(f"need 4 <= lo < hi (the interval is empty below |w| = 4); "
                         f"got lo = {lo}, hi = {hi}")
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, c = float(lo), float(hi)
    while c - a > tol * max(1.0, a):
        x1, x2 = c - ratio * (c - a), a + ratio * (c - a)
        if factor_interval_width(x1) < factor_interval_width(x2):
            a = x1
        else:
            c = x2
    w = (a + c) / 2.0
    return w, float(factor_interval_width(w))


def tanh_factor_interval(w: float, b: float = 0.0) -> tuple[float, float]:
    """The interval (a_lo, a_hi) of inputs a with |w tanh'(w a + b)| >= 1 (a tanh neuron).

    tanh'(z) = 1 - tanh(z)^2 <= 1, so the factor is at most |w|: needs |w| >= 1. It reaches 1
    for |z| <= z* = artanh(sqrt(1 - 1/|w|)), so the interval has width 2 z* / |w| and its ends
    solve w a + b = -z* and w a + b = z*.
    """
    w, b = float(w), float(b)
    if abs(w) < 1.0:
        raise ValueError(f"|w tanh'(w a + b)| <= |w| = {abs(w):.4g} < 1 for every a when "
                         f"|w| < 1; got w = {w:g}. Use a weight with |w| >= 1.")
    z_star = float(np.arctanh(np.sqrt(1.0 - 1.0 / abs(w))))  # tanh(z*)^2 = 1 - 1/|w|
    lo, hi = sorted(((-z_star - b) / w, (z_star - b) / w))
    return lo, hi


# -- the general case: products of matrices ------------------------------------------------------

def _one_example_pass(x: np.ndarray, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                      sigma: Activation, sigma_L: Activation
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    if len(weights) != len(biases) or not weights:
        raise ValueError(f"need one bias vector per weight matrix (at least one layer); got "
                         f"{len(weights)} weight matrices and {len(biases)} bias vectors")
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (weights[0].shape[1],):
        raise ValueError(f"x must be one example of shape ({weights[0].shape[1]},); got {x.shape}")
    zs, activations = [], [x]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = w @ activations[-1] + b  # z^l = w^l a^{l-1} + b^l
        zs.append(z)
        activations.append(sigma(z) if i < len(weights) - 1 else sigma_L(z))
    return zs, activations


def backward_jacobians(x: Any, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                       activation: str | Activation = "sigmoid") -> list[np.ndarray]:
    """The matrices that carry the error back one layer: J^l = Sigma'(z^l) (w^{l+1})^T.

    For one example x: (n_in,), with weights[i]: (sizes[i+1], sizes[i]). Sigma'(z^l) is the
    diagonal matrix of sigma'(z^l_j), so BP2 reads delta^l = J^l delta^{l+1}. Returns one matrix
    per hidden layer, the first hidden layer's first; the k-th (0-based) has shape
    (sizes[k + 1], sizes[k + 2]).
    """
    sigma = get_activation(activation)
    zs, _ = _one_example_pass(x, weights, biases, sigma, sigma)
    return [sigma.prime(zs[i])[:, None] * weights[i + 1].T for i in range(len(weights) - 1)]


def deltas_by_products(x: Any, y: Any, weights: Sequence[np.ndarray],
                       biases: Sequence[np.ndarray], cost: str | type[Cost] = "quadratic",
                       activation: str | Activation = "sigmoid",
                       output_activation: str | Activation | None = None) -> list[np.ndarray]:
    """delta^l = Sigma'(z^l) (w^{l+1})^T Sigma'(z^{l+1}) ... (w^L)^T delta^L, multiplied out.

    One example x: (n_in,), y: (n_out,) the target vector; delta^L is the cost's output error
    (nabla_a C ⊙ sigma'(z^L) for the quadratic cost, a^L - y for cross-entropy). The matrix
    product is formed explicitly (J^l J^{l+1} ... J^{L-1}) and applied to delta^L, so the result
    shows the general form of the unstable gradient; it equals backpropagation's nabla_b.
    Returns one vector per layer (hidden layers and the output layer), first first.
    """
    cost = get_cost(cost)
    sigma = get_activation(activation)
    sigma_L = sigma if output_activation is None else get_activation(output_activation)
    zs, activations = _one_example_pass(x, weights, biases, sigma, sigma_L)
    y = np.asarray(y, dtype=np.float64)
    if y.shape != zs[-1].shape:
        raise ValueError(f"y must be a target vector of shape {zs[-1].shape}; got {y.shape}")
    delta_L = cost.delta(zs[-1], activations[-1], y, sigma_L.prime)  # BP1
    jacobians = backward_jacobians(x, weights, biases, sigma)
    deltas, product = [delta_L], np.eye(delta_L.shape[0])
    for J in reversed(jacobians):
        product = J @ product  # J^l J^{l+1} ... J^{L-1}
        deltas.insert(0, product @ delta_L)
    return deltas
