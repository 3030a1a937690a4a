"""Chapter 2's timing of one training epoch, three ways: per example, matrix, and the fast path.

The three run one epoch of the same stochastic gradient descent (quadratic cost, the same initial
weights for a given seed) and differ only in how the gradient is computed:

- ``"example"``: BP1-BP4 one example at a time (``fc.backprop_example``), averaged over the
  mini-batch: ``Network.SGD(..., backprop="example")``;
- ``"matrix"``: the whole mini-batch at once, one matrix product per layer (``fc.backprop``),
  stepped by the pure kernel ``fc.sgd`` that chapter 1 prints;
- ``"fast"``: the library's training loop ``Network.SGD`` with its fast epoch
  (:mod:`nndl_lib.fc_fast`: the matrix form plus blank pixels left out and a transposed first
  layer).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nndl_lib import fc
from nndl_lib.data import one_hot
from nndl_lib.network import Network
from nndl_lib.validate import check_int

__all__ = ["EPOCH_METHODS", "time_epoch"]

EPOCH_METHODS = ("example", "matrix", "fast")


def time_epoch(sizes: Sequence[int], training_data: tuple[np.ndarray, np.ndarray],
               mini_batch_size: int, method: str, *, eta: float = 3.0, seed: int = 0,
               repeats: int = 1, dtype=np.float64) -> float:
    """Fastest wall-clock seconds over ``repeats`` for one SGD epoch on ``training_data``.

    training_data: (x (N, n_in), y (N,) int labels). sizes: the layer sizes of a fresh
    ``Network(sizes, cost="quadratic", init="large", seed=seed)`` trained each time (the timed
    part starts after it is built). method: one of ``EPOCH_METHODS`` (see the module docstring).
    """
    if method not in EPOCH_METHODS:
        raise ValueError(f"method must be one of {EPOCH_METHODS}; got {method!r}")
    repeats = check_int(repeats, "repeats", minimum=1)
    x, labels = training_data
    x = np.asarray(x, dtype=dtype)
    t = one_hot(labels, sizes[-1]).astype(dtype)
    best = float("inf")
    for _ in range(repeats):
        net = Network(list(sizes), cost="quadratic", init="large", dtype=dtype, seed=seed)
        start = time.perf_counter()
        if method == "matrix":
            fc.sgd(x, t, net.weights, net.biases, 1, mini_batch_size, eta,
                   np.random.default_rng(seed))
        else:
            net.SGD((x, labels), 1, mini_batch_size, eta, monitor=(), seed=seed, progress=False,
                    backprop="example" if method == "example" else "matrix")
        best = min(best, time.perf_counter() - start)
    return best
