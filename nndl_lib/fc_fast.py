"""The fast path of fully connected training: one epoch of plain SGD with matrix backprop.

The arithmetic is that of :func:`nndl_lib.fc.backprop` followed by the book's update (for L2,
``w -> (1 - eta lmbda/n) w - (eta/m) sum_x dC_x/dw``, ``b -> b - (eta/m) sum_x dC_x/db``); the
weights agree with the readable kernels to rounding (tests/core/test_fc_fast.py checks it on inputs
shaped like MNIST's, with L1, L2, dropout, a short last mini-batch, float32 and float64). What
makes it fast, measured by ``benchmarks/bench_fc.py`` and explained in chapter 2:

- **Blank pixels are left out.** A pixel that is 0 in every image of a mini-batch adds nothing to
  z = x w^T, and BP4 gives its weights a zero gradient, so that column of x and those weights are
  left out of the first layer's two matrix products; only the weight decay still reaches them.
  MNIST is about 81% zeros: at mini-batch 10 about half the 784 pixels are blank in every image,
  at mini-batch 100 a third. When more than three quarters of the pixels are lit the copies would
  cost more than they save, and all are kept.
- **The first layer is held transposed**, w^T (n_in, n_out), during the epoch, so that its
  products and its update run over contiguous rows; ``weights[0]`` receives the result at the
  end of the epoch, also when the epoch is interrupted.
- The step is folded into backprop's output-layer factor (eta/m instead of 1/m), so each update
  is one subtraction; sigmoid uses four in-place operations; sigma' is computed from the stored
  activation, a (1 - a).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from nndl_lib.activations import Activation, prime_from_output, sigmoid
from nndl_lib.costs import Cost, QuadraticCost
from nndl_lib.regularization import dropout_masks, regularize

__all__ = ["sgd_epoch_fast", "LIT_FRACTION"]

#: Leave blank pixels out only when at most this fraction of the inputs is lit in a mini-batch.
LIT_FRACTION = 0.75


def _fast_sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) in four in-place operations (exp overflow for z << 0 gives exactly 0)."""
    s = np.negative(z)
    np.exp(s, out=s)
    s += 1.0
    np.reciprocal(s, out=s)
    return s


def _apply(act: Activation, z: np.ndarray) -> np.ndarray:
    return _fast_sigmoid(z) if act.fn is sigmoid else act.fn(z)


def _scaled_backprop(x: np.ndarray, y: np.ndarray, w_in_T: np.ndarray,
                     weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], cost: type[Cost],
                     sigma: Activation, sigma_L: Activation, masks: list[np.ndarray] | None,
                     factor: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``factor`` times the summed gradients of a mini-batch; the first layer's as w^T.

    x: (m, n_in') -- possibly a subset of the pixels; w_in_T: (n_in', n_out) the matching rows of
    the first layer's transposed weights; weights[0] is ignored (w_in_T replaces it).
    """
    L = len(weights)
    layers = [w_in_T.T, *weights[1:]]
    zs, outputs, activations = [], [], [x]
    a = x
    for i, (w, b) in enumerate(zip(layers, biases, strict=True)):
        z = a @ w.T
        z += b
        zs.append(z)
        a = _apply(sigma if i < L - 1 else sigma_L, z)
        outputs.append(a)
        if masks is not None and i < L - 1:
            a = a * masks[i]
        activations.append(a)
    if cost is QuadraticCost:
        delta = (activations[-1] - y) * prime_from_output(sigma_L, zs[-1], outputs[-1])
    else:
        delta = cost.delta(zs[-1], activations[-1], y, sigma_L.prime)
    delta *= factor
    nabla_b, nabla_w = [None] * L, [None] * L
    for i in reversed(range(L)):
        nabla_b[i] = delta.sum(axis=0)  # BP3
        nabla_w[i] = activations[0].T @ delta if i == 0 else delta.T @ activations[i]  # BP4
        if i > 0:
            delta = delta @ layers[i]  # BP2 ...
            delta *= prime_from_output(sigma, zs[i - 1], outputs[i - 1])
            if masks is not None:
                delta *= masks[i - 1]
    return nabla_b, nabla_w


def sgd_epoch_fast(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray,
                   y: np.ndarray, batches: Iterable[np.ndarray | slice], eta: float, lmbda: float,
                   n: int, regularization: str, rng: np.random.Generator, *, cost: type[Cost],
                   activation: Activation, output_activation: Activation,
                   dropout: float = 0.0) -> None:
    """One epoch of plain SGD on (x, y) over ``batches``, updating weights and biases in place.

    x: (N, n_in) and y: (N, n_out) of the weights' dtype; batches: row indices (or slices) of each
    mini-batch; n: the n of eta lmbda/n; dropout: the probability of dropping a hidden unit, masks
    drawn from ``rng`` per mini-batch exactly as ``Network.batch_gradients`` draws them.
    """
    w_in = weights[0]
    w_in_T = np.ascontiguousarray(w_in.T)  # (n_in, n_out)
    max_lit = LIT_FRACTION * w_in_T.shape[0]
    hidden = [w.shape[0] for w in weights[:-1]]
    try:
        for idx in batches:
            xb, yb = x[idx], y[idx]
            m = xb.shape[0]
            masks = dropout_masks(m, hidden, dropout, rng, x.dtype)
            lit = np.flatnonzero(xb.any(axis=0))  # pixels non-zero in some row
            if lit.size <= max_lit:
                xb = xb.take(lit, axis=1)
                wT = w_in_T.take(lit, axis=0)  # a copy: its rows go back below
            else:
                lit, wT = None, w_in_T  # few blank pixels: the copies would cost more
            step_b, step_w = _scaled_backprop(xb, yb, wT, weights, biases, cost, activation,
                                              output_activation, masks, eta / m)
            if lit is not None:  # every weight decays, lit or blank ...
                regularize(w_in_T, eta, lmbda, n, regularization)
            for w, step in zip([wT, *weights[1:]], step_w, strict=True):
                regularize(w, eta, lmbda, n, regularization)  # (1 - eta lmbda/n) w ...
                w -= step  # ... - (eta/m) sum_x dC_x/dw
            if lit is not None:
                w_in_T[lit] = wT  # ... and the lit pixels' weights take their step
            for b, step in zip(biases, step_b, strict=True):
                b -= step  # biases are not regularised
    finally:
        w_in[...] = w_in_T.T
