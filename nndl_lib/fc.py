"""Fully connected networks as pure functions: each of the book's equations in one short function.

These are the reference kernels of chapters 1-3. They read like the book, keep no state and
change nothing they are given; :class:`nndl_lib.network.Network` checks its inputs and calls
them, the exercises are graded against them, and the chapters print them.

Shapes (the course conventions, see the notation page):

- ``x``: ``(N, n_in)``, one row per example (``backprop_example`` takes one example, ``(n_in,)``);
- ``weights[i]``: ``(sizes[i + 1], sizes[i])`` and ``biases[i]``: ``(sizes[i + 1],)``. The book
  numbers the input layer 1, so ``weights[i]`` is the book's w^{i+2}: ``weights[0]`` = w^2;
- a layer computes ``a = sigma(a_prev @ w.T + b)``, the book's sigma(w a + b) for every row at once;
- ``y``: targets ``(N, n_out)`` (one-hot rows for classification).

``activation`` is the hidden layers' non-linearity and, unless ``output_activation`` is given, the
output layer's; both accept a name ("sigmoid", "relu", "softmax", ...) or an
:class:`~nndl_lib.activations.Activation`. ``cost`` is a name or a class from
:mod:`nndl_lib.costs`. The defaults, the quadratic cost and sigmoid neurons, are chapter 2's.
``masks`` (optional) are dropout masks, one 0/1 array per hidden layer (chapter 3): a dropped unit
outputs 0 and passes no error back.

No speed tricks live here: the training loop's fast path is :mod:`nndl_lib.fc_fast`, tested
against these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nndl_lib.activations import Activation, get_activation
from nndl_lib.costs import Cost, get_cost

__all__ = [
    "feedforward",
    "forward_pass",
    "backprop_example",
    "backprop",
    "update_mini_batch",
    "sgd",
]

Arrays = Sequence[np.ndarray]
ActivationLike = str | Activation
Gradient = Callable[..., tuple[list[np.ndarray], list[np.ndarray]]]


def _activations(activation: ActivationLike,
                 output_activation: ActivationLike | None) -> tuple[Activation, Activation]:
    sigma = get_activation(activation)
    return sigma, sigma if output_activation is None else get_activation(output_activation)


def feedforward(x: np.ndarray, weights: Arrays, biases: Arrays,
                activation: ActivationLike = "sigmoid",
                output_activation: ActivationLike | None = None) -> np.ndarray:
    """The network's output a^L for every row of x: a^l = sigma(w^l a^{l-1} + b^l), layer by layer.

    x: (N, n_in) -> a^L: (N, n_out).
    """
    sigma, sigma_L = _activations(activation, output_activation)
    a = x
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        a = sigma(a @ w.T + b)
    return sigma_L(a @ weights[-1].T + biases[-1])


def forward_pass(x: np.ndarray, weights: Arrays, biases: Arrays,
                 activation: ActivationLike = "sigmoid",
                 output_activation: ActivationLike | None = None,
                 masks: Arrays | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Feedforward keeping what backpropagation needs: every z^l and every a^l.

    x: (N, n_in). Returns (zs, activations): zs[i] is z^{i+2}, (N, sizes[i + 1]);
    activations[0] = x and activations[i] = a^{i+1}, (N, sizes[i]).
    masks: one 0/1 array (N, sizes[i + 1]) per hidden layer (dropout), or None.
    """
    sigma, sigma_L = _activations(activation, output_activation)
    last = len(weights) - 1
    zs, activations = [], [x]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = activations[-1] @ w.T + b  # z^l = w^l a^{l-1} + b^l, one row per example
        a = sigma(z) if i < last else sigma_L(z)  # a^l = sigma(z^l)
        if masks is not None and i < last:
            a = a * masks[i]  # dropout: a dropped unit outputs 0
        zs.append(z)
        activations.append(a)
    return zs, activations


def backprop_example(x: np.ndarray, y: np.ndarray, weights: Arrays, biases: Arrays,
                     cost: str | type[Cost] = "quadratic", activation: ActivationLike = "sigmoid",
                     output_activation: ActivationLike | None = None,
                     masks: Arrays | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The gradient of the cost C_x of ONE example, by the four equations BP1-BP4 (chapter 2).

    x: (n_in,), y: (n_out,) the target vector; masks: one 0/1 vector per hidden layer, or None.
    Returns (nabla_b, nabla_w), shaped like (biases, weights).
    """
    cost = get_cost(cost)
    sigma, sigma_L = _activations(activation, output_activation)
    L = len(weights)  # layers with weights; the book numbers them 2..L+1
    # feedforward, keeping every weighted input z^l and activation a^l
    a, zs, activations = x, [], [x]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = w @ a + b  # z^l = w^l a^{l-1} + b^l
        a = sigma(z) if i < L - 1 else sigma_L(z)  # a^l = sigma(z^l)
        if masks is not None and i < L - 1:
            a = a * masks[i]
        zs.append(z)
        activations.append(a)
    nabla_b, nabla_w = [None] * L, [None] * L
    delta = cost.delta(zs[-1], activations[-1], y, sigma_L.prime)  # BP1: nabla_a C ⊙ sigma'(z^L)
    for i in reversed(range(L)):
        nabla_b[i] = delta  # BP3: dC/db^l_j = delta^l_j
        nabla_w[i] = np.outer(delta, activations[i])  # BP4: dC/dw^l_jk = a^{l-1}_k delta^l_j
        if i > 0:
            delta = (weights[i].T @ delta) * sigma.prime(zs[i - 1])  # BP2
            if masks is not None:
                delta = delta * masks[i - 1]  # a dropped unit passes no error back
    return nabla_b, nabla_w


def backprop(x: np.ndarray, y: np.ndarray, weights: Arrays, biases: Arrays,
             cost: str | type[Cost] = "quadratic", activation: ActivationLike = "sigmoid",
             output_activation: ActivationLike | None = None,
             masks: Arrays | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The gradient of the mean cost (1/N) sum_x C_x over a mini-batch, all N examples at once.

    BP1-BP4 with one row of delta per example: the matrix form of ``backprop_example``.
    x: (N, n_in), y: (N, n_out); masks: one 0/1 array (N, n_hidden) per hidden layer, or None.
    Returns (nabla_b, nabla_w), shaped like (biases, weights).
    """
    cost = get_cost(cost)
    sigma, sigma_L = _activations(activation, output_activation)
    zs, activations = forward_pass(x, weights, biases, sigma, sigma_L, masks)
    L = len(weights)
    nabla_b, nabla_w = [None] * L, [None] * L
    # BP1 for every row, divided by N: the sums over rows below are then means
    delta = cost.delta(zs[-1], activations[-1], y, sigma_L.prime) / x.shape[0]
    for i in reversed(range(L)):
        nabla_b[i] = delta.sum(axis=0)  # BP3, summed over the examples
        nabla_w[i] = delta.T @ activations[i]  # BP4: sum_x delta^l_j a^{l-1}_k
        if i > 0:
            delta = (delta @ weights[i]) * sigma.prime(zs[i - 1])  # BP2, one row per example
            if masks is not None:
                delta = delta * masks[i - 1]
    return nabla_b, nabla_w


def update_mini_batch(x: np.ndarray, y: np.ndarray, weights: Arrays, biases: Arrays, eta: float,
                      gradient: Gradient = backprop) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One step of gradient descent on a mini-batch: w -> w - eta dC/dw, b -> b - eta dC/db.

    ``gradient(x, y, weights, biases)`` returns (nabla_b, nabla_w) of the mini-batch's mean cost
    (``backprop`` by default), so this is the book's w -> w - (eta/m) sum_x dC_x/dw.
    Returns the new (weights, biases); the arrays given are not changed.
    """
    nabla_b, nabla_w = gradient(x, y, weights, biases)
    weights = [w - eta * nw for w, nw in zip(weights, nabla_w, strict=True)]
    biases = [b - eta * nb for b, nb in zip(biases, nabla_b, strict=True)]
    return weights, biases


def sgd(x: np.ndarray, y: np.ndarray, weights: Arrays, biases: Arrays, epochs: int,
        mini_batch_size: int, eta: float, rng: np.random.Generator,
        gradient: Gradient = backprop) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Stochastic gradient descent (chapter 1): shuffle, cut into mini-batches, step on each.

    x: (n, n_in), y: (n, n_out). The mini-batches of an epoch follow ``rng.permutation(n)``; the
    last one may be smaller. Returns the trained (weights, biases).
    """
    n = x.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)  # a new random order every epoch
        for k in range(0, n, mini_batch_size):
            batch = order[k:k + mini_batch_size]
            weights, biases = update_mini_batch(x[batch], y[batch], weights, biases, eta,
                                                gradient)
    return list(weights), list(biases)
