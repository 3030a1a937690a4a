"""Regularisation for chapter 3: L2 and L1 weight updates, their penalties, and dropout masks.

The gradient from backprop is that of the data cost C0 alone; regularisation enters in the update,
with n the size of the whole training set:

- L2: C = C0 + lambda/(2n) sum w^2   =>   w -> (1 - eta lambda/n) w - eta dC0/dw   (weight decay)
- L1: C = C0 + lambda/n sum |w|      =>   w -> w - (eta lambda/n) sgn(w) - eta dC0/dw

Biases are never regularised.

Dropout follows the book: ``p`` is the probability of *dropping* a unit. During training each
hidden activation is multiplied by a 0/1 mask (0 with probability p); at evaluation every hidden
activation is multiplied by (1 - p) instead, so the expected training-time input to the next
layer equals the evaluation-time input (this is not "inverted" dropout, which rescales by 1/(1 - p)
during training).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nndl_lib.validate import check_probability, check_rng

__all__ = [
    "REGULARIZATIONS",
    "check_regularization",
    "regularize",
    "l2_update",
    "l1_update",
    "l2_gradient",
    "l1_gradient",
    "l2_penalty",
    "l1_penalty",
    "penalty",
    "dropout_mask",
    "dropout_masks",
    "dropout_forward",
    "dropout_backward",
    "dropout_evaluate",
    "weight_decay_factor",
    "fraction_below",
]

REGULARIZATIONS = ("l2", "l1")


def check_regularization(kind: str) -> str:
    """``kind`` in lower case if it names a regulariser ("l2" or "l1"), else a ValueError."""
    k = str(kind).lower()
    if k not in REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {REGULARIZATIONS}; got {kind!r}")
    return k


def regularize(w: np.ndarray, eta: float, lmbda: float, n: int, kind: str = "l2") -> None:
    """In place, the regulariser's part of one SGD step (nothing when lambda = 0).

    kind "l2": w -> (1 - eta lambda/n) w (weight decay); "l1": w -> w - (eta lambda/n) sgn(w)
    (a constant shrink towards 0, sgn(0) = 0). kind must already be checked (lower case).
    """
    if not lmbda:
        return
    if kind == "l2":
        w *= 1.0 - eta * lmbda / n
    else:
        w -= (eta * lmbda / n) * np.sign(w)


def l2_update(w: np.ndarray, nabla_w: np.ndarray, eta: float, lmbda: float, n: int) -> None:
    """In place: w -> (1 - eta lambda/n) w - eta nabla_w. w, nabla_w: same shape."""
    regularize(w, eta, lmbda, n, "l2")
    w -= eta * nabla_w


def l1_update(w: np.ndarray, nabla_w: np.ndarray, eta: float, lmbda: float, n: int) -> None:
    """In place: w -> w - (eta lambda/n) sgn(w) - eta nabla_w (sgn(0) = 0)."""
    regularize(w, eta, lmbda, n, "l1")
    w -= eta * nabla_w


def l2_gradient(w: np.ndarray, lmbda: float, n: int) -> np.ndarray:
    """d/dw of lambda/(2n) sum w^2 = (lambda/n) w."""
    return (lmbda / n) * w


def l1_gradient(w: np.ndarray, lmbda: float, n: int) -> np.ndarray:
    """d/dw of lambda/n sum |w| = (lambda/n) sgn(w)."""
    return (lmbda / n) * np.sign(w)


def l2_penalty(weights: Sequence[np.ndarray], lmbda: float, n: int) -> float:
    """lambda/(2n) sum over all weights of w^2."""
    return float(0.5 * (lmbda / n) * sum(np.sum(w * w) for w in weights))


def l1_penalty(weights: Sequence[np.ndarray], lmbda: float, n: int) -> float:
    """lambda/n sum over all weights of |w|."""
    return float((lmbda / n) * sum(np.sum(np.abs(w)) for w in weights))


def penalty(weights: Sequence[np.ndarray], lmbda: float, n: int, kind: str = "l2") -> float:
    """The regularisation term of kind "l2" or "l1"."""
    return l2_penalty(weights, lmbda, n) if check_regularization(kind) == "l2" else l1_penalty(
        weights, lmbda, n)


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator,
                 dtype=np.float64) -> np.ndarray:
    """A 0/1 array of ``shape``: each entry 0 (dropped) with probability ``p``, else 1.

    shape: e.g. (N, n_hidden), one independent mask per example row.
    """
    p = check_probability(p, "dropout probability p")
    check_rng(rng)
    return (rng.random(shape) >= p).astype(dtype)


def dropout_masks(n_rows: int, sizes: Sequence[int], p: float, rng: np.random.Generator,
                  dtype=np.float64) -> list[np.ndarray] | None:
    """One mask (n_rows, size) per entry of ``sizes`` (a network's hidden layers), drawn in
    order from ``rng``; None when p = 0 (no dropout, and nothing drawn)."""
    if not p:
        return None
    return [dropout_mask((n_rows, size), p, rng, dtype) for size in sizes]


def dropout_forward(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Training-time dropout (the book's scheme): a dropped unit outputs 0, kept ones are unscaled.

    x: any shape; mask: 0/1 array of x's shape (from ``dropout_mask``). Returns x * mask.
    """
    if np.shape(mask) != np.shape(x):
        raise ValueError(f"mask must have the shape of x, {np.shape(x)}; got {np.shape(mask)}")
    return x * mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """dC/dx of ``dropout_forward(x, mask)``: a dropped unit passes no gradient back.

    dout: dC/d(out), the shape of x; mask: the mask of the forward pass. Returns dout * mask.
    """
    if np.shape(mask) != np.shape(dout):
        raise ValueError(f"mask must have the shape of dout, {np.shape(dout)}; "
                         f"got {np.shape(mask)}")
    return dout * mask


def dropout_evaluate(x: np.ndarray, p: float) -> np.ndarray:
    """Evaluation-time dropout: every unit kept, its output scaled by (1 - p).

    The expected training-time output of a unit, E[mask] x = (1 - p) x, is what the next layer
    saw on average during training; this is the book's "halve the outgoing weights" for p = 1/2.
    """
    p = check_probability(p, "dropout probability p")
    return (1.0 - p) * x


def weight_decay_factor(eta: float, lmbda: float, n: int) -> float:
    """The factor 1 - ηλ/n by which L2 regularisation shrinks every weight at each update."""
    if n <= 0:
        raise ValueError(f"n (training-set size) must be positive; got {n!r}")
    return 1.0 - eta * lmbda / n


def fraction_below(weights: Sequence[np.ndarray] | Mapping[Any, np.ndarray],
                   threshold: float = 1e-3) -> float:
    """Fraction of all weights with |w| < threshold (a measure of sparsity)."""
    arrays = list(weights.values()) if isinstance(weights, Mapping) else list(weights)
    flat = np.concatenate([np.ravel(w) for w in arrays])
    return float(np.mean(np.abs(flat) < threshold))
