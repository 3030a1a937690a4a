"""How fast each hidden layer learns (chapter 5), measured on a network: gradient norms per layer.

The book measures the speed of learning of hidden layer l by the length of the gradient of the
cost with respect to that layer's biases, ||dC/db^l|| = ||delta^l|| (BP3), averaged over a batch
of training images before taking the norm (the norm of the mean gradient). In a deep sigmoid
network at initialisation, each earlier layer's gradient is several times smaller than the next
one's: the vanishing gradient problem.

:func:`gradient_norms` (one network, one batch), :func:`gradient_norms_at_init` (fresh networks
from several seeds), :class:`GradientNormRecorder` (a per-epoch callback for ``Network.SGD`` /
:func:`nndl_lib.training.train`) and :func:`gradient_norms_during_training`. Why the gradients
shrink (chains of single neurons, products of matrices) is in
:mod:`nndl_lib.companions.ch05_learning_speed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nndl_lib.validate import check_int

__all__ = [
    "gradient_norms",
    "gradient_norms_at_init",
    "GradientNormRecorder",
    "gradient_norms_during_training",
]


def gradient_norms(net: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    """||mean over the rows of (x, y) of dC/db^l|| for every hidden layer l, first layer first.

    net: a :class:`~nndl_lib.network.Network` (or anything with ``backprop(x, y)`` returning the
    mean gradients (nabla_b, nabla_w)); x: (N, n_in); y: int labels (N,) or one-hot (N, n_out).
    Returns one float per hidden layer (the output layer is left out).
    """
    nabla_b, _ = net.backprop(x, y)
    return [float(np.linalg.norm(nb)) for nb in nabla_b[:-1]]


def gradient_norms_at_init(sizes: Sequence[int], x: np.ndarray, y: np.ndarray,
                           seeds: Iterable[int], *, cost: str = "cross-entropy",
                           init: str = "default", activation: str = "sigmoid",
                           output_activation: str | None = None,
                           dtype: Any = np.float64) -> np.ndarray:
    """:func:`gradient_norms` of a freshly initialised network, once per seed.

    sizes: the layer sizes, e.g. [784, 30, 30, 10]; x: (N, n_in); y: labels (N,) or one-hot.
    Each seed draws the initial weights and biases of one :class:`~nndl_lib.network.Network`
    (``cost``, ``init``, ``activation``, ``output_activation``: as its arguments; the book's
    chapter 5 uses sigmoid neurons, cross-entropy and the default N(0, 1/n_in) weights).
    Returns an array (number of seeds, number of hidden layers).
    """
    from nndl_lib.network import Network  # network imports much; keep this module light

    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty; pass at least one seed, e.g. range(5)")
    rows = [gradient_norms(Network(list(sizes), cost=cost, init=init, activation=activation,
                                   output_activation=output_activation, dtype=dtype, seed=s),
                           x, y)
            for s in seeds]
    return np.array(rows, dtype=np.float64)


class GradientNormRecorder:
    """Records :func:`gradient_norms` on a fixed batch each time it is called: a training callback.

    Pass it as ``callback=`` to ``Network.SGD`` or :func:`nndl_lib.training.train`; it is called
    as ``recorder(epoch, model, history)`` after every epoch and never stops training. Call
    :meth:`record` yourself before training to include the starting point.

    x: (N, n_in) and y: labels (N,) or one-hot (N, n_out): the batch the gradient is averaged
    over (the book uses the same 1,000 training images it trains on).

    Attributes: ``norms``, one list per record (one float per hidden layer, first layer first);
    ``epochs``, the number of epochs completed at each record (0 for the starting point).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.norms: list[list[float]] = []
        self.epochs: list[int] = []

    def record(self, net: Any, epochs_done: int = 0) -> list[float]:
        """Measure ``net`` now; ``epochs_done`` labels the record. Returns the norms."""
        norms = gradient_norms(net, self.x, self.y)
        self.norms.append(norms)
        self.epochs.append(int(epochs_done))
        return norms

    def __call__(self, epoch: int, model: Any, history: Any = None) -> bool:
        """The trainer's callback: ``epoch`` (0-based) has just finished. Returns False."""
        self.record(model, epoch + 1)
        return False

    def as_array(self) -> np.ndarray:
        """The records as an array (number of records, number of hidden layers)."""
        if not self.norms:
            raise ValueError("nothing recorded yet: call record(net) or train with "
                             "callback=recorder first")
        return np.array(self.norms, dtype=np.float64)


def gradient_norms_during_training(
    net: Any,
    training_data: tuple[np.ndarray, np.ndarray],
    epochs: int,
    mini_batch_size: int,
    eta: float,
    lmbda: float = 0.0,
    *,
    measure_on: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Train ``net`` by ``net.SGD`` and record the gradient norms before and after every epoch.

    training_data: (x (n, n_in), y labels (n,) or one-hot); measure_on: the batch the norms are
    measured on (default: the training data itself, as in the book). The book's experiment:
    the first 1,000 training images, 500 epochs, mini-batch 1,000 (one step per epoch),
    eta = 0.1, lmbda = 5.0. ``net`` is trained in place.
    Returns an array (epochs + 1, number of hidden layers); row e is after e epochs.
    """
    epochs = check_int(epochs, "epochs", minimum=0)
    recorder = GradientNormRecorder(*(training_data if measure_on is None else measure_on))
    recorder.record(net, 0)
    net.SGD(training_data, epochs, mini_batch_size, eta, lmbda, callback=recorder,
            monitor=None, seed=seed, progress=False)
    return recorder.as_array()
