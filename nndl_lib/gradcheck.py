"""Numerical gradients by centred differences, to check backpropagation (chapter 2).

    df/dx_i ≈ (f(x + h e_i) - f(x - h e_i)) / (2h)

has error O(h^2) from truncation plus O(eps |f| / h) from rounding, so h = 1e-5 in float64 gives
about 1e-10 absolute accuracy for f of order 1. It costs two evaluations of f per entry of x --
the reason chapter 2 prefers backprop, which gets every derivative from about two passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "check_network_gradients"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f(x)`` with respect to the array ``x``.

    x: float array of any shape; it is perturbed IN PLACE one entry at a time (so ``f`` may also
    read it through a closure, e.g. a network's weight matrix) and every entry is restored to its
    exact original value. Returns an array shaped like x (float64).
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point numpy array (it is perturbed in place); "
                        f"got {type(x).__name__} {getattr(x, 'dtype', '')}")
    if not h > 0:
        raise ValueError(f"h must be positive; got {h!r}")
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old  # restore exactly
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def rel_error(a: Any, b: Any, *, norm: bool = False, floor: float = 1e-8) -> float:
    """Relative error between two arrays of one shape.

    Default: the largest element-wise relative error max_i |a_i - b_i| / max(|a_i| + |b_i|, floor);
    ``floor`` keeps entries where both values are (nearly) zero from dividing by zero.
    ``norm=True``: the whole-array measure ||a - b|| / (||a|| + ||b||) (Euclidean norms), which
    is not dominated by entries that are tiny compared with the rest of the gradient (where
    a finite difference's rounding error of ~1e-11 is a large relative error).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    if norm:
        denominator = max(float(np.linalg.norm(a) + np.linalg.norm(b)), floor)
        return float(np.linalg.norm(a - b)) / denominator
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_network_gradients(net, x: Any, y: Any, h: float = 1e-5, *,
                            norm: bool = True) -> list[dict[str, float]]:
    """Compare ``net.backprop(x, y)`` with centred differences of ``net.total_cost(x, y)``.

    x: (N, n_in); y: int labels (N,) or one-hot (N, n_out). Returns one dict per layer,
    ``{"weights": rel_error_w, "biases": rel_error_b}`` (first layer first), each computed by
    ``rel_error(backprop, numerical, norm=norm)`` -- by default the whole-array measure, since
    early layers of deep sigmoid nets have entries far smaller than finite differences resolve.
    Slow: two feedforward passes per parameter; use small networks. A correct backprop gives
    about 1e-8 or less in float64. Use a float64 network: in float32, rounding in the cost
    swamps differences at h = 1e-5 and the errors mean nothing.
    """
    nabla_b, nabla_w = net.backprop(x, y)

    def cost(_: np.ndarray) -> float:
        return net.total_cost(x, y)

    errors = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        errors.append({
            "weights": rel_error(nabla_w[l], numerical_gradient(cost, w, h), norm=norm),
            "biases": rel_error(nabla_b[l], numerical_gradient(cost, b, h), norm=norm),
        })
    return errors
