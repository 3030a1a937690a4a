"""How fast each layer learns (chapter 5): the size of the gradient per hidden layer.

The book measures the speed of learning of hidden layer l by the length of the gradient of the
cost with respect to that layer's biases, ||dC/db^l|| = ||delta^l|| (BP3), averaged over a batch
of training images before taking the norm (see ``../shared/conventions.md``). In a deep sigmoid
network at initialisation, each earlier layer's gradient is several times smaller than the next
one's: the vanishing gradient problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["gradient_norms"]


def gradient_norms(net: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    """||mean over the rows of (x, y) of dC/db^l|| for every hidden layer l, first layer first.

    net: a :class:`~nndl_lib.network.Network` (or anything with ``backprop(x, y)`` returning the
    mean gradients (nabla_b, nabla_w)); x: (N, n_in); y: int labels (N,) or one-hot (N, n_out).
    Returns one float per hidden layer (the output layer is left out).
    """
    nabla_b, _ = net.backprop(x, y)
    return [float(np.linalg.norm(nb)) for nb in nabla_b[:-1]]
