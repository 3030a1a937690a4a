"""The fully connected network of chapters 1-3 and 5: parameters, checked inputs, and training.

The mathematics lives elsewhere, in one place each: the pure kernels of :mod:`nndl_lib.fc`
(feedforward, BP1-BP4), the training loop of :mod:`nndl_lib.training`, the update rules of
:mod:`nndl_lib.regularization` and :mod:`nndl_lib.optimizers`, and the training loop's fast
path :mod:`nndl_lib.fc_fast`. A ``Network`` holds the parameters, checks its inputs and calls them.

Conventions (see the notation page of the book):

- Batches are rows. ``x`` is ``(N, n_in)``; ``weights[i]`` has shape ``(sizes[i + 1], sizes[i])``
  and ``biases[i]`` shape ``(sizes[i + 1],)``; a layer computes ``a = sigma(a_prev @ w.T + b)``.
- ``backprop(x, y)`` returns the gradients of the *mean* data cost over the N rows;
  ``backprop_example(x, y)`` those of one example, by BP1-BP4 written out (chapter 2).
- Every layer uses ``activation``, except with the log-likelihood cost, whose output layer is a
  softmax; ``output_activation`` sets the output layer's activation explicitly.
- Regularisation enters in the update (n = training-set size): L2 ``w -> (1 - eta lmbda/n) w -
  eta dC0/dw``, L1 ``w -> w - (eta lmbda/n) sgn(w) - eta dC0/dw``; biases are not regularised.
- Dropout (the book's scheme, not inverted dropout): ``p`` is the probability of dropping a hidden
  unit. In training each hidden activation is multiplied by a fresh 0/1 mask, one per example row
  and mini-batch; afterwards (``net.dropout = p``) hidden activations are multiplied by (1 - p).
- Randomness comes only from ``numpy.random.Generator`` objects; ``dtype`` (float64 or float32)
  is kept by every array the network stores or computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nndl_lib import fc
from nndl_lib.activations import SOFTMAX, Activation, get_activation
from nndl_lib.conventions import CHAPTER_3
from nndl_lib.costs import Cost, CrossEntropyCost, LogLikelihoodCost, get_cost
from nndl_lib.fc_fast import sgd_epoch_fast
from nndl_lib.init import bias_init, get_weight_init
from nndl_lib.metrics import fraction_correct
from nndl_lib.optimizers import Momentum
from nndl_lib.persist import load_model, save_model
from nndl_lib.regularization import dropout_masks, penalty
from nndl_lib.training import MONITOR_OPTIONS, History, Prepared, train
from nndl_lib.validate import (
    as_batch,
    as_labels,
    as_rng,
    as_targets,
    check_dtype,
    check_int,
    check_probability,
    split_pair,
)

__all__ = ["Network", "TrainingHistory", "MONITOR_OPTIONS", "SOFTMAX"]

#: The history ``Network.SGD`` returns (the library's one history type).
TrainingHistory = History

_NOT_IN_0_1 = ("tanh", "relu", "leaky_relu", "softplus", "linear")


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(f"sizes must be a list of layer sizes such as [784, 30, 10]; "
                        f"got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least 2 layers (input and output), e.g. [784, 10]; "
                         f"got {sizes!r}")
    return [check_int(n, f"every layer size in {sizes!r}", minimum=1) for n in sizes]


def _output_activation(cost: type[Cost], hidden: Activation, output: Any) -> Activation:
    wants_softmax = output is SOFTMAX or output == "softmax"
    if cost is LogLikelihoodCost:
        if output is not None and not wants_softmax:
            raise ValueError("the log-likelihood cost implies a softmax output layer; got "
                             f"output_activation={output!r}")
        return SOFTMAX
    if wants_softmax:
        raise ValueError(f"a softmax output layer needs cost='log-likelihood'; got cost "
                         f"{cost.name!r}")
    if hidden is SOFTMAX:
        raise ValueError("softmax is an output layer, not a hidden activation; pass "
                         "cost='log-likelihood' for a softmax output")
    out = hidden if output is None else get_activation(output)
    if cost is CrossEntropyCost and out.name in _NOT_IN_0_1:
        raise ValueError(
            f"the cross-entropy cost needs outputs in (0, 1), but a {out.name!r} output layer is "
            "not; use activation='sigmoid' or output_activation='sigmoid'")
    return out


class Network:
    """A fully connected feedforward network trained by mini-batch SGD.

    sizes: neurons per layer, input first, e.g. ``[784, 30, 10]`` (at least two layers).
    cost: a cost class or name ("quadratic", "cross-entropy", "log-likelihood").
    init: weight initialiser name ("large", "default", "xavier", "he", "ch6") or function
        ``(n_out, n_in, rng, dtype) -> array``; biases are N(0, 1).
    activation: hidden (and, unless overridden, output) activation, name or ``Activation``.
    dtype: np.float64 or np.float32.
    seed: int, ``numpy.random.Generator`` or None; the network's generator draws the initial
        weights and, when ``SGD`` gets no seed, the shuffles and dropout masks.
    output_activation: keyword-only; the output layer's activation (softmax is implied by, and
        only allowed with, the log-likelihood cost).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        cost: str | type[Cost] = CrossEntropyCost,
        init: str = "default",
        activation: str | Activation = "sigmoid",
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
        *,
        output_activation: str | Activation | None = None,
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.num_layers = len(self.sizes)
        self.dtype = check_dtype(dtype)
        self.cost = get_cost(cost)
        self.activation = get_activation(activation)
        self.output_activation = _output_activation(self.cost, self.activation, output_activation)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self.rng = as_rng(seed)
        self.dropout = 0.0
        weight_init = get_weight_init(init)
        self.weights = [weight_init(n_out, n_in, self.rng, self.dtype)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)]
        self.biases = [bias_init(n_out, self.rng, self.dtype) for n_out in self.sizes[1:]]

    def __repr__(self) -> str:
        return (f"Network(sizes={self.sizes}, cost={self.cost.name!r}, "
                f"activation={self.activation.name!r}, "
                f"output_activation={self.output_activation.name!r}, dtype={self.dtype.name})")

    # -- checked inputs --------------------------------------------------------------------------

    def _x(self, x: Any, what: str = "x") -> np.ndarray:
        return as_batch(x, (self.sizes[0],), self.dtype, what)

    def _kernel_args(self) -> dict[str, Any]:
        return {"activation": self.activation, "output_activation": self.output_activation}

    def _evaluation_masks(self) -> list[float] | None:
        """After dropout training, every hidden activation is scaled by (1 - p)."""
        return [1.0 - self.dropout] * (self.num_layers - 2) if self.dropout else None

    # -- forward ---------------------------------------------------------------------------------

    def _output(self, x: np.ndarray) -> np.ndarray:
        masks = self._evaluation_masks()
        with np.errstate(over="ignore"):
            if masks is None:
                return fc.feedforward(x, self.weights, self.biases, **self._kernel_args())
            return fc.forward_pass(x, self.weights, self.biases, masks=masks,
                                   **self._kernel_args())[1][-1]

    def feedforward(self, x: Any) -> np.ndarray:
        """Output activations a^L. x: (N, n_in) -> (N, n_out); a single (n_in,) -> (n_out,)."""
        single = np.ndim(x) == 1
        a = self._output(self._x(np.reshape(x, (1, -1)) if single else x))
        return a[0] if single else a

    def forward_pass(self, x: Any, *, dropout_masks: Sequence[Any] | None = None
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Weighted inputs and activations of every layer, for inspection (chapters 2 and 5).

        x: (N, n_in). Returns (zs, activations): zs[l] is z^{l+2} (N, sizes[l+1]);
        activations[0] = x and activations[l] = a^{l+1} (N, sizes[l]). ``dropout_masks`` (one 0/1
        array (N, n_hidden) per hidden layer) gives a training-time pass with those units
        dropped; without it, hidden activations are scaled by (1 - net.dropout).
        """
        x = self._x(x)
        masks = (self._evaluation_masks() if dropout_masks is None
                 else self._check_masks(dropout_masks, x.shape[0]))
        with np.errstate(over="ignore"):
            return fc.forward_pass(x, self.weights, self.biases, masks=masks,
                                   **self._kernel_args())

    def _check_masks(self, masks: Any, n: int) -> list[np.ndarray]:
        hidden = self.sizes[1:-1]
        if masks is None or len(masks) != len(hidden):
            raise ValueError(f"dropout_masks needs one array per hidden layer ({len(hidden)}); "
                             f"got {None if masks is None else len(masks)}")
        out = []
        for l, (m, h) in enumerate(zip(masks, hidden, strict=True)):
            m = np.asarray(m, dtype=self.dtype)
            if m.shape != (n, h):
                raise ValueError(f"dropout_masks[{l}] must have shape ({n}, {h}); got {m.shape}")
            out.append(m)
        return out

    def predict(self, x: Any) -> np.ndarray:
        """Predicted class labels, int64 (N,): argmax of the output (a > 0.5 for one output)."""
        a = self._output(self._x(np.reshape(x, (1, -1)) if np.ndim(x) == 1 else x))
        if self.sizes[-1] == 1:
            return (a[:, 0] > 0.5).astype(np.int64)
        return np.argmax(a, axis=1)

    def accuracy(self, x: Any, y: Any) -> float:
        """Fraction of rows whose prediction equals y. y: int labels (N,) or one-hot (N, n_out)."""
        x = self._x(x)
        return self.prepared_accuracy(Prepared(x, None, as_labels(y, x.shape[0], self.sizes[-1])))

    def total_cost(self, x: Any, y: Any, lmbda: float = 0.0, n: int | None = None, *,
                   regularization: str = "l2") -> float:
        """Mean cost over the rows of (x, y) plus the regularisation term.

        L2 adds lmbda/(2n) sum w^2, L1 adds lmbda/n sum |w|; n defaults to len(x) (pass the
        training-set size to match the cost that SGD minimises).
        """
        x = self._x(x)
        t = as_targets(y, x.shape[0], self.sizes[-1], self.dtype)
        c = self.cost.fn(self._output(x), t)
        if lmbda:
            c += penalty(self.weights, lmbda, n if n is not None else x.shape[0], regularization)
        return float(c)

    # -- backpropagation -------------------------------------------------------------------------

    def backprop(self, x: Any, y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the mean cost (1/N) sum_x C_x over a mini-batch, all rows at once.

        x: (N, n_in); y: one-hot targets (N, n_out) (int labels (N,) are accepted too).
        Returns (nabla_b, nabla_w): lists shaped like ``self.biases`` / ``self.weights``.
        """
        x = self._x(x)
        t = as_targets(y, x.shape[0], self.sizes[-1], self.dtype)
        with np.errstate(over="ignore"):
            return fc.backprop(x, t, self.weights, self.biases, self.cost,
                               masks=self._evaluation_masks(), **self._kernel_args())

    def backprop_example(self, x: Any, y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the cost C_x of ONE example (chapter 2's BP1-BP4).

        x: (n_in,); y: target vector (n_out,) or an int label.
        Returns (nabla_b, nabla_w) shaped like ``self.biases`` / ``self.weights``.
        """
        if np.shape(x) != (self.sizes[0],):
            raise ValueError(f"x must have shape ({self.sizes[0]},) for one example; "
                             f"got {np.shape(x)}")
        y = np.asarray(y)
        if y.ndim not in (0, 1) or (y.ndim == 1 and y.shape != (self.sizes[-1],)):
            raise ValueError(f"y must have shape ({self.sizes[-1]},) or be an int label; "
                             f"got {y.shape}")
        x = self._x(np.reshape(x, (1, -1)))[0]
        t = as_targets(y.reshape(1, -1) if y.ndim else y.reshape(1), 1, self.sizes[-1],
                       self.dtype)[0]
        masks = self._evaluation_masks()
        with np.errstate(over="ignore"):
            return fc.backprop_example(x, t, self.weights, self.biases, self.cost, masks=masks,
                                       **self._kernel_args())

    # -- the training protocol of nndl_lib.training ----------------------------------------------

    def prepare(self, data: Any, what: str) -> Prepared:
        """Checked (x, one-hot targets, int labels) for a pair (x, y)."""
        x, y = split_pair(data, what)
        x = self._x(x, f"{what} x")
        n, n_out = x.shape[0], self.sizes[-1]
        return Prepared(x, as_targets(y, n, n_out, self.dtype, f"{what} y"),
                        as_labels(y, n, n_out, f"{what} y"))

    def _masks(self, n_rows: int, rng: np.random.Generator) -> list[np.ndarray] | None:
        return dropout_masks(n_rows, self.sizes[1:-1], self.dropout, rng, self.dtype)

    def batch_gradients(self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator):
        """Matrix backprop of a prepared mini-batch in training mode (dropout masks from rng)."""
        return fc.backprop(x, t, self.weights, self.biases, self.cost,
                           masks=self._masks(x.shape[0], rng), **self._kernel_args())

    def example_gradients(self, x: np.ndarray, t: np.ndarray,
                          rng: np.random.Generator | None = None):
        """Mean of the per-example gradients (chapter 2's backprop, one example at a time).

        x: (N, n_in), t: (N, n_out) one-hot targets, as ``backprop(x, t)`` takes them, whose
        layout it returns, so the two can be compared entry by entry. rng draws the dropout masks
        (None: the network's own generator; nothing is drawn without dropout).
        """
        masks = self._masks(x.shape[0], self.rng if rng is None else rng)
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        for i in range(x.shape[0]):
            m_i = None if masks is None else [m[i] for m in masks]
            db, dw = fc.backprop_example(x[i], t[i], self.weights, self.biases, self.cost,
                                         masks=m_i, **self._kernel_args())
            for acc, g in zip(nabla_b + nabla_w, db + dw, strict=True):
                acc += g
        m = x.shape[0]
        return [nb / m for nb in nabla_b], [nw / m for nw in nabla_w]

    def sgd_epoch_fast(self, x, t, batches, eta, lmbda, n, regularization, rng) -> None:
        """The plain-SGD epoch of :mod:`nndl_lib.fc_fast` (same arithmetic, faster)."""
        sgd_epoch_fast(self.weights, self.biases, x, t, batches, eta, lmbda, n, regularization,
                       rng, cost=self.cost, dropout=self.dropout, **self._kernel_args())

    def prepared_cost(self, data: Prepared) -> float:
        return float(self.cost.fn(self._output(data.x), data.targets))

    def prepared_accuracy(self, data: Prepared) -> float:
        """Fraction classified correctly; an empty set raises ValueError (no nan)."""
        a = self._output(data.x)
        pred = (a[:, 0] > 0.5).astype(np.int64) if self.sizes[-1] == 1 else np.argmax(a, axis=1)
        return fraction_correct(pred, data.labels)

    # -- training --------------------------------------------------------------------------------

    def SGD(  # noqa: N802 - the book's name
        self,
        training_data: tuple[Any, Any],
        epochs: int,
        mini_batch_size: int,
        eta: float,
        lmbda: float = 0.0,
        evaluation_data: tuple[Any, Any] | None = None,
        *,
        regularization: str = "l2",
        dropout: float = 0.0,
        momentum: float = 0.0,
        optimizer: Any = None,
        lr_schedule_patience: int | None = None,
        early_stopping_patience: int | None = None,
        monitor: Sequence[str] | str | None = ("evaluation_accuracy",),
        backprop: str = "matrix",
        callback: Any = None,
        seed: int | np.random.Generator | None = None,
        progress: bool = True,
    ) -> History:
        """Train by mini-batch stochastic gradient descent; return the per-epoch history.

        training_data, evaluation_data: ``(x, y)`` with x (N, n_in) and y int labels (N,) or
            one-hot (N, n_out).
        epochs, mini_batch_size, eta: as in the book; lmbda: regularisation strength with
            ``regularization`` "l2" (weight decay) or "l1"; n is len(training x).
        dropout: probability p of dropping each hidden unit (sets ``self.dropout = p``).
        momentum: mu > 0 uses momentum SGD (v -> mu v - eta grad, w -> w + v).
        optimizer: any object with ``eta`` and ``step(params, grads)`` (``nndl_lib.optimizers``).
        lr_schedule_patience, early_stopping_patience, monitor, callback, seed, progress: see
            :func:`nndl_lib.training.train`.
        backprop: "matrix" (one matrix product per layer per mini-batch) or "example" (chapter
            2's per-example backprop, summed over the mini-batch -- the slow reference).
        """
        if backprop not in ("matrix", "example"):
            raise ValueError(f"backprop must be 'matrix' or 'example'; got {backprop!r}")
        dropout = check_probability(dropout, "dropout (probability of dropping)")
        momentum = check_probability(momentum, "momentum")
        if optimizer is None and momentum > 0:
            optimizer = Momentum(eta, mu=momentum)
        before, self.dropout = self.dropout, dropout  # training draws masks with p = dropout
        try:
            return train(
                self, training_data, epochs, mini_batch_size, eta, lmbda,
                evaluation_data=evaluation_data, regularization=regularization,
                conventions=CHAPTER_3, optimizer=optimizer,
                gradients=self.example_gradients if backprop == "example" else None,
                lr_schedule_patience=lr_schedule_patience,
                early_stopping_patience=early_stopping_patience, monitor=monitor,
                callback=callback, seed=self.rng if seed is None else seed, progress=progress)
        except (TypeError, ValueError):  # bad arguments are found before any step: undo
            self.dropout = before
            raise

    # -- persistence -----------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the network to ``path`` (nndl_lib's model format: see :mod:`nndl_lib.persist`)."""
        config = {"sizes": self.sizes, "cost": self.cost.name, "activation": self.activation.name,
                  "output_activation": self.output_activation.name, "dtype": self.dtype.name,
                  "dropout": self.dropout}
        save_model(path, "Network", config, self.weights + self.biases)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Read a network written by ``save``; a malformed file raises ValueError saying why."""
        config, arrays = load_model(path, "Network")
        try:
            output = config.get("output_activation")
            net = cls(config["sizes"], cost=config["cost"], activation=config["activation"],
                      dtype=config["dtype"], seed=0,
                      output_activation=None if output == config["activation"] else output)
            net.dropout = check_probability(config.get("dropout", 0.0), "dropout")
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path} is not a valid network file: {e}") from None
        n_layers = net.num_layers - 1
        if len(arrays) != 2 * n_layers:
            raise ValueError(f"{path}: expected {2 * n_layers} arrays for sizes {net.sizes}; "
                             f"got {len(arrays)}")
        for i, (p, saved) in enumerate(zip(net.weights + net.biases, arrays, strict=True)):
            if saved.shape != p.shape:
                kind = "weights" if i < n_layers else "biases"
                raise ValueError(f"{path}: layer {i % n_layers} {kind} should have shape "
                                 f"{p.shape} for sizes {net.sizes}; got {saved.shape}")
            p[...] = saved
        net.init = "loaded"
        return net
