"""Counting and scoring for fully connected networks (chapter 1): pure functions of arrays.

- ``accuracy(a, labels)``: the fraction of rows whose largest output is the true digit;
- ``fraction_correct(predictions, labels)``: the fraction of predicted labels that are right
  (every model's ``accuracy`` ends here, so an empty set is refused the same way everywhere);
- ``count_parameters(sizes)``: the number of weights and biases of a network of layer ``sizes``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["accuracy", "fraction_correct", "count_parameters"]


def accuracy(a: np.ndarray, labels: np.ndarray) -> float:
    """Fraction in [0, 1] of rows of ``a`` whose argmax equals the label.

    a: (N, n_out) network outputs, one row per example; labels: (N,) integer classes.
    """
    a = np.asarray(a)
    labels = np.asarray(labels)
    if a.ndim != 2 or labels.shape != (a.shape[0],):
        raise ValueError(f"accuracy needs outputs a of shape (N, n_out) and labels of shape "
                         f"(N,); got {a.shape} and {labels.shape}")
    return fraction_correct(np.argmax(a, axis=1), labels)


def fraction_correct(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Fraction in [0, 1] of ``predictions`` (N,) equal to ``labels`` (N,).

    An empty set (N = 0) has no accuracy: a ValueError, not nan or 0.
    """
    if len(labels) == 0:
        raise ValueError("accuracy of an empty set is undefined (N = 0); evaluate on at least "
                         "one example")
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))


def count_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a fully connected net: sum over layers of n_out * n_in + n_out."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer sizes; got {sizes}")
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
