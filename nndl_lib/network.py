"""The fully connected network of chapters 1-3: feedforward, backpropagation, and SGD.

Conventions (see the notation page of the book):

- Batches are rows. ``x`` is ``(N, n_in)``; layer l holds ``weights[l]`` of shape
  ``(n_out, n_in)`` and ``biases[l]`` of shape ``(n_out,)``, and computes
  ``a = sigma(a_prev @ w.T + b)`` -- the book's per-example sigma(w a + b), one row per example.
- ``backprop(x, y)`` returns the gradients of the *mean* data cost over the N rows, computed with
  one matrix product per layer for the whole mini-batch. ``backprop_example(x, y)`` is chapter 2's
  teaching version: column vectors, one example, equations BP1-BP4 written out literally. The two
  agree to rounding.
- Every layer uses ``activation``, except with ``LogLikelihoodCost``, whose output layer is a
  softmax (chapter 3). ``output_activation`` can set the output layer's activation explicitly
  (e.g. ReLU hidden layers with a sigmoid output for cross-entropy).
- Regularisation enters in the update, with n the training-set size: L2
  ``w -> (1 - eta lmbda/n) w - eta dC0/dw``, L1 ``w -> w - (eta lmbda/n) sgn(w) - eta dC0/dw``;
  biases are not regularised.
- Dropout (the book's scheme, not inverted dropout): ``p`` is the probability of dropping a hidden
  unit. During training each hidden activation is multiplied by a fresh 0/1 mask, drawn per
  example row for every mini-batch; afterwards (``net.dropout = p``) every hidden activation is
  multiplied by (1 - p), so evaluation outputs equal the expected training-time inputs to the
  next layer.
- Randomness comes only from ``numpy.random.Generator`` objects: the network's own (``seed`` in
  the constructor) or the one made from ``seed`` in ``SGD``.
- ``dtype`` (float64 or float32) is kept by every array the network stores or computes; inputs are
  cast once per call.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from nndl_lib.activations import Activation, get_activation, sigmoid, softmax, tanh
from nndl_lib.costs import Cost, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost
from nndl_lib.init import bias_init, get_weight_init
from nndl_lib.optimizers import Momentum
from nndl_lib.regularization import (
    check_regularization,
    dropout_mask,
    l1_gradient,
    l1_update,
    l2_gradient,
    l2_update,
    penalty,
    regularize,
)

__all__ = ["Network", "TrainingHistory", "MONITOR_OPTIONS", "SOFTMAX"]

MONITOR_OPTIONS = ("training_cost", "training_accuracy", "evaluation_cost", "evaluation_accuracy")
_NOT_IN_0_1 = ("tanh", "relu", "leaky_relu", "softplus", "linear")
_FILE_FORMAT = "nndl_lib.network"
_FILE_VERSION = 1
# SGD's hot loop leaves out the pixels that are 0 in every image of a mini-batch when at most
# this fraction of them is lit; with more lit pixels the copies cost more than they save.
_LIT_FRACTION = 0.75


def _softmax_prime(z: np.ndarray) -> np.ndarray:
    raise NotImplementedError(
        "the softmax derivative is a Jacobian, not element-wise; use the softmax output layer "
        "with LogLikelihoodCost, whose delta^L = a - y needs no derivative"
    )


SOFTMAX = Activation("softmax", softmax, _softmax_prime)


def _fast_sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) in four in-place operations (exp overflow for z << 0 gives exactly 0)."""
    s = np.negative(z)
    np.exp(s, out=s)
    s += 1.0
    np.reciprocal(s, out=s)
    return s


def _fn_for(act: Activation):
    """The function used inside the network for ``act`` (a faster, equal-valued sigmoid)."""
    return _fast_sigmoid if act.fn is sigmoid else act.fn


def _prime_for(act: Activation):
    """sigma'(z) written with the activation a = sigma(z) when that saves work."""
    if act.fn is sigmoid:
        return lambda z, a: a * (1.0 - a)  # sigma' = sigma (1 - sigma)
    if act.fn is tanh:
        return lambda z, a: 1.0 - a * a  # tanh' = 1 - tanh^2
    return lambda z, a: act.prime(z)


@dataclass
class TrainingHistory:
    """What ``Network.SGD`` recorded, one entry per epoch run (empty lists if not monitored).

    ``eta`` is the learning rate used in each epoch; ``best_epoch`` the (0-based) epoch with the
    highest evaluation accuracy (None without evaluation data); ``stop_reason`` is "epochs",
    "early stopping" or "learning-rate schedule".
    """

    training_cost: list[float] = field(default_factory=list)
    training_accuracy: list[float] = field(default_factory=list)
    evaluation_cost: list[float] = field(default_factory=list)
    evaluation_accuracy: list[float] = field(default_factory=list)
    eta: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_evaluation_accuracy: float | None = None
    epochs_run: int = 0
    stop_reason: str = "epochs"


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
        self.sizes = self._check_sizes(sizes)
        self.num_layers = len(self.sizes)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype}")
        self.cost = get_cost(cost)
        self.activation = get_activation(activation)
        self.output_activation = self._resolve_output_activation(output_activation)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.dropout = 0.0
        weight_init = get_weight_init(init)
        self.weights = [
            weight_init(n_out, n_in, self.rng, self.dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)
        ]
        self.biases = [bias_init(n_out, self.rng, self.dtype) for n_out in self.sizes[1:]]
        self._refresh()

    # -- construction helpers ------------------------------------------------------------------

    @staticmethod
    def _check_sizes(sizes: Sequence[int]) -> list[int]:
        try:
            sizes = list(sizes)
        except TypeError:
            raise TypeError(f"sizes must be a list of layer sizes such as [784, 30, 10]; "
                            f"got {sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least 2 layers (input and output), e.g. [784, 10]; "
                             f"got {sizes!r}")
        for n in sizes:
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
                raise ValueError(f"every layer size must be a positive integer; got {sizes!r}")
        return [int(n) for n in sizes]

    def _resolve_output_activation(self, output_activation) -> Activation:
        wants_softmax = output_activation is SOFTMAX or output_activation == "softmax"
        if self.cost is LogLikelihoodCost:
            if output_activation is not None and not wants_softmax:
                raise ValueError("the log-likelihood cost implies a softmax output layer; got "
                                 f"output_activation={output_activation!r}")
            return SOFTMAX
        if wants_softmax:
            raise ValueError("a softmax output layer needs cost='log-likelihood'; got cost "
                             f"{self.cost.name!r}")
        out = self.activation if output_activation is None else get_activation(output_activation)
        if self.cost is CrossEntropyCost and out.name in _NOT_IN_0_1:
            raise ValueError(
                f"the cross-entropy cost needs outputs in (0, 1), but a {out.name!r} output "
                "layer is not; use activation='sigmoid' or output_activation='sigmoid'")
        return out

    def _refresh(self) -> None:
        """Cache the functions the hot loops call (after construction or loading)."""
        self._hidden_fn = _fn_for(self.activation)
        self._hidden_prime = _prime_for(self.activation)
        self._output_fn = _fn_for(self.output_activation)
        self._output_prime = _prime_for(self.output_activation)

    def __repr__(self) -> str:
        return (f"Network(sizes={self.sizes}, cost={self.cost.name!r}, "
                f"activation={self.activation.name!r}, "
                f"output_activation={self.output_activation.name!r}, dtype={self.dtype.name})")

    # -- input checking ------------------------------------------------------------------------

    def _check_x(self, x: Any, what: str = "x") -> np.ndarray:
        """x as a C-contiguous (N, n_in) array of the network's dtype, or a clear error."""
        x = np.asarray(x)
        n_in = self.sizes[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"{what} must have shape (N, {n_in}); got {x.shape}")
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
            raise TypeError(f"{what} must be numeric; got dtype {x.dtype}")
        x = np.ascontiguousarray(x, dtype=self.dtype)
        # one cheap pass: NaN and inf propagate into the sum (a finite overflow is re-checked)
        if not np.isfinite(np.sum(x)) and not np.isfinite(x).all():
            raise ValueError(f"{what} contains NaN or infinite values; clean the data first")
        return x

    def _targets(self, y: Any, n: int, what: str = "y") -> np.ndarray:
        """Targets as an (n, n_out) array of the network's dtype.

        y: int labels (n,) in [0, n_out), or one-hot / target vectors (n, n_out). For a single
        output neuron, (n,) is read as the target values themselves.
        """
        y = np.asarray(y)
        n_out = self.sizes[-1]
        if y.ndim == 2:
            if y.shape != (n, n_out):
                raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_out}) "
                                 f"(one-hot); got {y.shape}")
            t = np.ascontiguousarray(y, dtype=self.dtype)
            if not np.isfinite(t).all():
                raise ValueError(f"{what} contains NaN or infinite values")
            return t
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_out}) "
                             f"(one-hot); got {y.shape}")
        if n_out == 1:
            t = np.ascontiguousarray(y.reshape(n, 1), dtype=self.dtype)
            if not np.isfinite(t).all():
                raise ValueError(f"{what} contains NaN or infinite values")
            return t
        labels = self._check_labels(y, what)
        t = np.zeros((n, n_out), dtype=self.dtype)
        t[np.arange(n), labels] = 1.0
        return t

    def _check_labels(self, y: np.ndarray, what: str) -> np.ndarray:
        n_out = self.sizes[-1]
        if not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(
                    y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise ValueError(f"{what} labels must be integers in [0, {n_out}); got dtype "
                                 f"{y.dtype}")
        if y.size and (y.min() < 0 or y.max() >= n_out):
            raise ValueError(f"{what} labels must lie in [0, {n_out}) for {n_out} output neurons; "
                             f"got values from {y.min()} to {y.max()}")
        return y.astype(np.int64, copy=False)

    def _labels(self, y: Any, n: int, what: str = "y") -> np.ndarray:
        """Integer class labels (n,) from int labels or one-hot rows (argmax)."""
        y = np.asarray(y)
        n_out = self.sizes[-1]
        if n_out == 1:
            if y.shape not in ((n,), (n, 1)):
                raise ValueError(f"{what} must have shape ({n},) or ({n}, 1); got {y.shape}")
            return (y.reshape(n) > 0.5).astype(np.int64)
        if y.ndim == 2:
            if y.shape != (n, n_out):
                raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_out}) "
                                 f"(one-hot); got {y.shape}")
            return np.argmax(y, axis=1)
        if y.shape != (n,):
            raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_out}) "
                             f"(one-hot); got {y.shape}")
        return self._check_labels(y, what)

    def _check_pair(self, data: Any, what: str) -> tuple[np.ndarray, Any]:
        try:
            x, y = data
        except (TypeError, ValueError):
            raise TypeError(f"{what} must be a pair (x, y) with x (N, {self.sizes[0]}); got "
                            f"{type(data).__name__}") from None
        x = self._check_x(x, f"{what} x")
        y = np.asarray(y)
        if y.shape[:1] != (x.shape[0],):
            raise ValueError(f"{what}: x has {x.shape[0]} rows but y has shape {y.shape}")
        return x, y

    # -- forward -------------------------------------------------------------------------------

    def _hidden_scale(self) -> float | None:
        """Evaluation-time factor (1 - p) on hidden activations after dropout training."""
        return 1.0 - self.dropout if self.dropout else None

    def _feedforward(self, a: np.ndarray) -> np.ndarray:
        scale = self._hidden_scale()
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = a @ w.T
            z += b  # z^l = a^{l-1} w^T + b, one row per example
            if l < last:
                a = self._hidden_fn(z)
                if scale is not None:
                    a *= scale  # dropout at evaluation: outputs scaled by (1 - p)
            else:
                a = self._output_fn(z)
        return a

    def feedforward(self, x: Any) -> np.ndarray:
        """Output activations a^L. x: (N, n_in) -> (N, n_out); a single (n_in,) -> (n_out,)."""
        x_arr = np.asarray(x)
        single = x_arr.ndim == 1
        if single:
            x_arr = x_arr.reshape(1, -1)
        x_arr = self._check_x(x_arr)
        with np.errstate(over="ignore"):
            a = self._feedforward(x_arr)
        return a[0] if single else a

    def predict(self, x: Any) -> np.ndarray:
        """Predicted class labels, int64 (N,): argmax of the output (a > 0.5 for one output)."""
        a = self.feedforward(np.asarray(x).reshape(-1, self.sizes[0])
                             if np.ndim(x) == 1 else x)
        if self.sizes[-1] == 1:
            return (a[:, 0] > 0.5).astype(np.int64)
        return np.argmax(a, axis=1)

    def accuracy(self, x: Any, y: Any) -> float:
        """Fraction of rows whose prediction equals y. y: int labels (N,) or one-hot (N, n_out)."""
        x = self._check_x(x)
        labels = self._labels(y, x.shape[0])
        if x.shape[0] == 0:
            return float("nan")
        return float(np.mean(self.predict(x) == labels))

    def total_cost(self, x: Any, y: Any, lmbda: float = 0.0, n: int | None = None, *,
                   regularization: str = "l2") -> float:
        """Mean cost over the rows of (x, y) plus the regularisation term.

        L2 adds lmbda/(2n) sum w^2, L1 adds lmbda/n sum |w|; n defaults to len(x) (pass the
        training-set size to match the cost that SGD minimises).
        """
        x = self._check_x(x)
        t = self._targets(y, x.shape[0])
        with np.errstate(over="ignore"):
            c = self.cost.fn(self._feedforward(x), t)
        if lmbda:
            c += penalty(self.weights, lmbda, n if n is not None else x.shape[0], regularization)
        return float(c)

    # -- backpropagation: matrix form ----------------------------------------------------------

    def _output_delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.cost is QuadraticCost:
            return (a - y) * self._output_prime(z, a)  # BP1: (a - y) ⊙ sigma'(z^L)
        return self.cost.delta(z, a, y, self.output_activation.prime)  # BP1

    def _forward(self, x: np.ndarray, masks: list[np.ndarray] | None = None,
                 weights: list[np.ndarray] | None = None):
        """Forward pass keeping what backprop needs.

        Returns (zs, outputs, activations): z^1..z^L; sigma(z^l) before dropout (for sigma');
        and a^0 = x, a^1..a^L after dropout (masks, or the (1 - p) evaluation scale).
        ``weights`` replaces ``self.weights`` (see ``_backprop``).
        """
        scale = None if masks is not None else self._hidden_scale()
        weights = self.weights if weights is None else weights
        n_layers = len(weights)
        activations = [x]
        outputs = []
        zs = []
        a = x
        for l, (w, b) in enumerate(zip(weights, self.biases, strict=True)):
            z = a @ w.T
            z += b  # z^l = a^{l-1} w^T + b
            zs.append(z)
            if l < n_layers - 1:
                a = self._hidden_fn(z)
                outputs.append(a)
                if masks is not None:
                    a = a * masks[l]  # dropout: a dropped unit outputs 0
                elif scale is not None:
                    a = a * scale
            else:
                a = self._output_fn(z)
                outputs.append(a)
            activations.append(a)
        return zs, outputs, activations

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

    def forward_pass(self, x: Any, *, dropout_masks: Sequence[Any] | None = None
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Weighted inputs and activations of every layer, for inspection (chapters 2 and 5).

        x: (N, n_in). Returns (zs, activations): zs[l] is z^{l+1} (N, sizes[l+1]);
        activations[0] = x and activations[l] = a^l (N, sizes[l]). ``dropout_masks`` (one 0/1
        array (N, n_hidden) per hidden layer) gives a training-time pass with those units
        dropped; without it, hidden activations are scaled by (1 - net.dropout).
        """
        x = self._check_x(x)
        masks = None if dropout_masks is None else self._check_masks(dropout_masks, x.shape[0])
        with np.errstate(over="ignore"):
            zs, _, activations = self._forward(x, masks)
        return zs, activations

    def _backprop(self, x: np.ndarray, y: np.ndarray, masks: list[np.ndarray] | None = None,
                  factor: float | None = None, w_in_T: np.ndarray | None = None):
        """Matrix backprop on checked arrays; masks: one (N, n_hidden) 0/1 array per hidden.

        Returns ``factor`` times the summed gradients; the default factor 1/N gives the mean.
        (SGD passes eta/N, so that its update is a plain subtraction.)
        w_in_T: the first layer's weights held transposed, (n_in', n_out), as SGD's hot loop
            holds them; x then has n_in' columns (SGD may pass a subset of the pixels), and
            nabla_w[0] is returned transposed too, (n_in', n_out).
        """
        scale = None if masks is not None else self._hidden_scale()
        weights = self.weights if w_in_T is None else [w_in_T.T, *self.weights[1:]]
        n_layers = len(weights)
        zs, outputs, activations = self._forward(x, masks, weights)

        def bp4(l: int, delta: np.ndarray) -> np.ndarray:
            """BP4, dC/dw^l_jk = a^{l-1}_k delta^l_j, summed over the rows: delta^T a."""
            a_prev = activations[l]
            if l == 0 and w_in_T is not None:
                return a_prev.T @ delta  # the same product, transposed: (n_in', n_out)
            return delta.T @ a_prev

        a = activations[-1]
        nabla_b = [None] * n_layers
        nabla_w = [None] * n_layers
        # BP1, times 1/N so that the sums over rows below are means over the mini-batch
        delta = self._output_delta(zs[-1], a, y) * (1.0 / x.shape[0] if factor is None
                                                    else factor)
        nabla_b[-1] = delta.sum(axis=0)  # BP3
        nabla_w[-1] = bp4(n_layers - 1, delta)  # BP4
        for l in range(2, self.num_layers):
            delta = delta @ weights[-l + 1]  # BP2: (w^{l+1})^T delta^{l+1}, row form
            delta *= self._hidden_prime(zs[-l], outputs[-l])  # ... ⊙ sigma'(z^l)
            if masks is not None:
                delta *= masks[-l + 1]  # a dropped unit passes no error back
            elif scale is not None:
                delta *= scale
            nabla_b[-l] = delta.sum(axis=0)  # BP3
            nabla_w[-l] = bp4(n_layers - l, delta)  # BP4
        return nabla_b, nabla_w

    def backprop(self, x: Any, y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the mean cost (1/N) sum_x C_x over a mini-batch, all rows at once.

        x: (N, n_in); y: one-hot targets (N, n_out) (int labels (N,) are accepted too).
        Returns (nabla_b, nabla_w): lists shaped like ``self.biases`` / ``self.weights``.
        """
        x = self._check_x(x)
        t = self._targets(y, x.shape[0])
        with np.errstate(over="ignore"):
            return self._backprop(x, t)

    # -- backpropagation: chapter 2's per-example form -----------------------------------------

    def _backprop_example(self, x: np.ndarray, y: np.ndarray,
                          masks: list[np.ndarray] | None = None):
        """BP1-BP4 for one example, with column vectors as on the page.

        x: (n_in,), y: (n_out,); masks: one (n_hidden,) 0/1 vector per hidden layer.
        """
        scale = None if masks is not None else self._hidden_scale()
        sigma, sigma_prime = self.activation.fn, self.activation.prime
        # feedforward, keeping every z^l and a^l
        a = x.reshape(-1, 1)
        activations = [a]
        zs = []
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = w @ a + b.reshape(-1, 1)  # z^l = w^l a^{l-1} + b^l
            zs.append(z)
            if l < len(self.weights) - 1:
                a = sigma(z)  # a^l = sigma(z^l)
                if masks is not None:
                    a = a * masks[l].reshape(-1, 1)
                elif scale is not None:
                    a = a * scale
            else:
                a = self.output_activation.fn(z.T).T  # (softmax normalises over the column)
            activations.append(a)
        nabla_b = [None] * len(self.weights)
        nabla_w = [None] * len(self.weights)
        # BP1: delta^L = nabla_a C ⊙ sigma'(z^L)   (the cost supplies its form)
        delta = self.cost.delta(zs[-1], activations[-1], y.reshape(-1, 1),
                                self.output_activation.prime)
        nabla_b[-1] = delta[:, 0]  # BP3: dC/db^L = delta^L
        nabla_w[-1] = delta @ activations[-2].T  # BP4: dC/dw^L_jk = a^{L-1}_k delta^L_j
        for l in range(2, self.num_layers):
            # BP2: delta^l = ((w^{l+1})^T delta^{l+1}) ⊙ sigma'(z^l)
            delta = (self.weights[-l + 1].T @ delta) * sigma_prime(zs[-l])
            if masks is not None:
                delta = delta * masks[-l + 1].reshape(-1, 1)
            elif scale is not None:
                delta = delta * scale
            nabla_b[-l] = delta[:, 0]  # BP3
            nabla_w[-l] = delta @ activations[-l - 1].T  # BP4
        return nabla_b, nabla_w

    def backprop_example(self, x: Any, y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the cost C_x of ONE example (chapter 2's BP1-BP4, column vectors).

        x: (n_in,); y: target vector (n_out,) or an int label.
        Returns (nabla_b, nabla_w) shaped like ``self.biases`` / ``self.weights``.
        """
        x = np.asarray(x)
        if x.shape != (self.sizes[0],):
            raise ValueError(f"x must have shape ({self.sizes[0]},) for one example; "
                             f"got {x.shape}")
        x = self._check_x(x.reshape(1, -1))[0]
        y = np.asarray(y)
        if y.ndim == 0:
            t = self._targets(y.reshape(1), 1)[0]
        elif y.shape == (self.sizes[-1],):
            t = self._targets(y.reshape(1, -1), 1)[0]
        else:
            raise ValueError(f"y must have shape ({self.sizes[-1]},) or be an int label; "
                             f"got {y.shape}")
        with np.errstate(over="ignore"):
            return self._backprop_example(x, t)

    def _backprop_examples_mean(self, x: np.ndarray, y: np.ndarray,
                                masks: list[np.ndarray] | None = None):
        """Mean of the per-example gradients over the rows of a mini-batch (the slow path)."""
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        for i in range(x.shape[0]):
            m_i = None if masks is None else [m[i] for m in masks]
            delta_nabla_b, delta_nabla_w = self._backprop_example(x[i], y[i], m_i)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w, strict=True)]
        m = x.shape[0]
        return [nb / m for nb in nabla_b], [nw / m for nw in nabla_w]

    # -- training ------------------------------------------------------------------------------

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
        seed: int | np.random.Generator | None = None,
        progress: bool = True,
    ) -> TrainingHistory:
        """Train by mini-batch stochastic gradient descent; return the per-epoch history.

        training_data, evaluation_data: ``(x, y)`` with x (N, n_in) and y int labels (N,) or
            one-hot (N, n_out).
        epochs, mini_batch_size, eta: as in the book; lmbda: regularisation strength lambda with
            ``regularization`` "l2" (weight decay) or "l1"; n is len(training x).
        dropout: probability p of dropping each hidden unit (book's scheme; sets
            ``self.dropout = p`` so later evaluation scales hidden activations by 1 - p).
        momentum: mu > 0 uses momentum SGD (v -> mu v - eta grad, w -> w + v).
        optimizer: any object with ``eta`` and ``step(params, grads)`` (see
            ``nndl_lib.optimizers``); its ``eta`` is set to ``eta``. With an optimizer (or
            momentum) the regulariser enters as the gradient term (lmbda/n) w or (lmbda/n) sgn(w).
        lr_schedule_patience: halve eta after this many epochs without a new best evaluation
            accuracy; stop when eta has fallen to eta/128.
        early_stopping_patience: stop after this many epochs without a new best evaluation
            accuracy.
        monitor: any of "training_cost", "training_accuracy", "evaluation_cost",
            "evaluation_accuracy" (or "all" / None).
        backprop: "matrix" (one matrix product per layer per mini-batch) or "example" (chapter
            2's per-example backprop, summed over the mini-batch -- the slow reference).
        seed: generator for shuffling and dropout; None uses the network's generator.
        progress: show a tqdm bar over epochs.
        """
        x, y_raw = self._check_pair(training_data, "training_data")
        n = x.shape[0]
        y = self._targets(y_raw, n, "training_data y")
        if n == 0:
            raise ValueError("training_data is empty; need at least one example")
        epochs = self._check_int(epochs, "epochs", minimum=0)
        mini_batch_size = self._check_int(mini_batch_size, "mini_batch_size", minimum=1)
        if not (math.isfinite(eta) and eta > 0):
            raise ValueError(f"eta must be a positive finite number; got {eta!r}")
        if not (math.isfinite(lmbda) and lmbda >= 0):
            raise ValueError(f"lmbda must be a non-negative number; got {lmbda!r}")
        regularization = check_regularization(regularization)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1) (probability of dropping); "
                             f"got {dropout!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
        if backprop not in ("matrix", "example"):
            raise ValueError(f"backprop must be 'matrix' or 'example'; got {backprop!r}")
        monitor = self._check_monitor(monitor)
        for name, value in (("lr_schedule_patience", lr_schedule_patience),
                            ("early_stopping_patience", early_stopping_patience)):
            if value is not None:
                self._check_int(value, name, minimum=1)
        needs_eval = (lr_schedule_patience is not None or early_stopping_patience is not None
                      or "evaluation_accuracy" in monitor)
        if evaluation_data is not None:
            x_eval, y_eval_raw = self._check_pair(evaluation_data, "evaluation_data")
            y_eval = self._targets(y_eval_raw, x_eval.shape[0], "evaluation_data y")
            labels_eval = self._labels(y_eval_raw, x_eval.shape[0], "evaluation_data y")
        elif needs_eval or "evaluation_cost" in monitor:
            raise ValueError("evaluation_data is required for evaluation monitoring, the "
                             "learning-rate schedule and early stopping; pass (x, y) or set "
                             "monitor=('training_accuracy',) and no patience")
        labels_train = self._labels(y_raw, n, "training_data y")

        rng = (seed if isinstance(seed, np.random.Generator)
               else self.rng if seed is None else np.random.default_rng(seed))
        if optimizer is not None:
            if not (hasattr(optimizer, "step") and hasattr(optimizer, "eta")):
                raise TypeError("optimizer must have an 'eta' attribute and a "
                                "step(params, grads) method (see nndl_lib.optimizers); got "
                                f"{type(optimizer).__name__}")
            optimizer.eta = eta
        elif momentum > 0:
            optimizer = Momentum(eta, mu=momentum)
        self.dropout = float(dropout)
        grad_fn = self._backprop if backprop == "matrix" else self._backprop_examples_mean
        fast = optimizer is None and backprop == "matrix"

        history = TrainingHistory()
        eta0 = eta
        best = -1.0
        since_best = 0
        since_lr_change = 0
        bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
        with np.errstate(over="ignore"):
            for epoch in bar:
                history.eta.append(eta)
                # one shuffle per epoch; each mini-batch gathers its rows (cheaper than
                # copying the whole shuffled training set)
                perm = rng.permutation(n)
                # plain SGD with matrix backprop has its own fast loop; the same arithmetic
                if fast:
                    self._sgd_epoch(x, y, perm, mini_batch_size, eta, lmbda, n, regularization,
                                    dropout, rng)
                else:
                    self._general_epoch(x, y, perm, mini_batch_size, eta, lmbda, n, regularization,
                                        dropout, rng, grad_fn, optimizer)
                history.epochs_run = epoch + 1

                # monitoring
                if "training_cost" in monitor:
                    history.training_cost.append(
                        self._cost(x, y, lmbda, n, regularization))
                if "training_accuracy" in monitor:
                    history.training_accuracy.append(self._accuracy(x, labels_train))
                if "evaluation_cost" in monitor:
                    history.evaluation_cost.append(
                        self._cost(x_eval, y_eval, lmbda, n, regularization))
                if evaluation_data is None:
                    continue
                if needs_eval:
                    acc = self._accuracy(x_eval, labels_eval)
                    history.evaluation_accuracy.append(acc)
                    bar.set_postfix(evaluation_accuracy=f"{acc:.4f}", eta=f"{eta:g}")
                    if acc > best:
                        best, history.best_epoch = acc, epoch
                        history.best_evaluation_accuracy = acc
                        since_best = since_lr_change = 0
                    else:
                        since_best += 1
                        since_lr_change += 1
                    if (early_stopping_patience is not None
                            and since_best >= early_stopping_patience):
                        history.stop_reason = "early stopping"
                        break
                    if (lr_schedule_patience is not None
                            and since_lr_change >= lr_schedule_patience):
                        eta /= 2  # learning-rate schedule: halve eta ...
                        since_lr_change = 0
                        if optimizer is not None:
                            optimizer.eta = eta
                        if eta <= eta0 / 128 * (1 + 1e-12):  # ... and stop at eta0/128
                            history.stop_reason = "learning-rate schedule"
                            break
        bar.close()
        return history

    def _mini_batches(self, x: np.ndarray, y: np.ndarray, perm: np.ndarray,
                      mini_batch_size: int, dropout: float, rng: np.random.Generator):
        """Yield (x, y, dropout masks or None) for each mini-batch of one epoch, in perm order."""
        hidden_sizes = self.sizes[1:-1]
        for k in range(0, x.shape[0], mini_batch_size):
            idx = perm[k:k + mini_batch_size]
            masks = None
            if dropout:
                masks = [dropout_mask((idx.size, h), dropout, rng, self.dtype)
                         for h in hidden_sizes]
            yield x[idx], y[idx], masks

    def _general_epoch(self, x: np.ndarray, y: np.ndarray, perm: np.ndarray, mini_batch_size: int,
                       eta: float, lmbda: float, n: int, regularization: str, dropout: float,
                       rng: np.random.Generator, grad_fn, optimizer) -> None:
        """One epoch with per-example backprop (``grad_fn``) or an optimizer object."""
        update = l2_update if regularization == "l2" else l1_update
        reg_gradient = l2_gradient if regularization == "l2" else l1_gradient
        for xb, yb, masks in self._mini_batches(x, y, perm, mini_batch_size, dropout, rng):
            nabla_b, nabla_w = grad_fn(xb, yb, masks)
            if optimizer is None:
                for w, nw in zip(self.weights, nabla_w, strict=True):
                    update(w, nw, eta, lmbda, n)  # L2: w -> (1 - eta lmbda/n) w - eta nw
                for b, nb in zip(self.biases, nabla_b, strict=True):
                    b -= eta * nb  # biases are not regularised
            else:
                if lmbda:
                    for w, nw in zip(self.weights, nabla_w, strict=True):
                        nw += reg_gradient(w, lmbda, n)  # (lmbda/n) w or sgn(w)
                optimizer.step(self.weights + self.biases, nabla_w + nabla_b)

    def _sgd_epoch(self, x: np.ndarray, y: np.ndarray, perm: np.ndarray, mini_batch_size: int,
                   eta: float, lmbda: float, n: int, regularization: str, dropout: float,
                   rng: np.random.Generator) -> None:
        """One epoch of plain SGD (no optimizer object) with matrix backprop: the hot path.

        The update is the book's, ``w -> (1 - eta lmbda/n) w - (eta/m) sum_x dC_x/dw`` for L2
        (``w -> w - (eta lmbda/n) sgn(w) - ...`` for L1), ``b -> b - (eta/m) sum_x dC_x/db``.
        Two things make it fast without changing the arithmetic (the weights equal those of
        ``_general_epoch`` to rounding; tests/test_network.py checks it):

        - The first layer's weights are held transposed, w^T of shape (n_in, n_out), for the
          epoch, so that its two matrix products and its update run over contiguous rows;
          ``self.weights[0]`` gets the result at the end (also if the epoch is interrupted).
        - Only the pixels that are non-zero in some image of the mini-batch enter the first
          layer. A pixel that is 0 in every row adds nothing to z = x w^T and its weights get
          a zero gradient, so that column of x and row of w^T can be left out; only the weight
          decay still reaches them. MNIST is about 81% zeros: in a mini-batch of 100 about a
          third of the 784 pixels are dark in every image, in a mini-batch of 10 half.
        """
        w_in = self.weights[0]
        w_in_T = np.ascontiguousarray(w_in.T)  # (n_in, n_out)
        max_lit = _LIT_FRACTION * w_in_T.shape[0]
        try:
            for xb, yb, masks in self._mini_batches(x, y, perm, mini_batch_size, dropout, rng):
                m = xb.shape[0]
                lit = np.flatnonzero(xb.any(axis=0))  # pixels non-zero in some row
                if lit.size <= max_lit:
                    xb = xb.take(lit, axis=1)
                    wT = w_in_T.take(lit, axis=0)  # a copy: its rows go back below
                else:
                    lit, wT = None, w_in_T  # (few dark pixels: the copies would cost more)
                # backprop returns (eta/m) sum_x dC_x/dw directly (nabla_w[0] transposed)
                step_b, step_w = self._backprop(xb, yb, masks, eta / m, wT)
                if lit is not None:  # every weight decays, lit or dark ...
                    regularize(w_in_T, eta, lmbda, n, regularization)
                for w, step in zip([wT, *self.weights[1:]], step_w, strict=True):
                    regularize(w, eta, lmbda, n, regularization)  # (1 - eta lmbda/n) w ...
                    w -= step  # ... - (eta/m) sum_x dC_x/dw
                if lit is not None:
                    w_in_T[lit] = wT  # ... and the lit pixels' weights take their step
                for b, step in zip(self.biases, step_b, strict=True):
                    b -= step  # biases are not regularised
        finally:
            w_in[...] = w_in_T.T

    @staticmethod
    def _check_int(value: Any, name: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
        return int(value)

    @staticmethod
    def _check_monitor(monitor) -> tuple[str, ...]:
        if monitor is None:
            return ()
        if isinstance(monitor, str):
            monitor = MONITOR_OPTIONS if monitor == "all" else (monitor,)
        monitor = tuple(monitor)
        for m in monitor:
            if m not in MONITOR_OPTIONS:
                raise ValueError(f"unknown monitor option {m!r}; expected any of "
                                 f"{MONITOR_OPTIONS} or 'all'")
        return monitor

    def _accuracy(self, x: np.ndarray, labels: np.ndarray) -> float:
        a = self._feedforward(x)
        pred = (a[:, 0] > 0.5).astype(np.int64) if self.sizes[-1] == 1 else np.argmax(a, axis=1)
        return float(np.mean(pred == labels))

    def _cost(self, x, y, lmbda, n, regularization) -> float:
        c = self.cost.fn(self._feedforward(x), y)
        if lmbda:
            c += penalty(self.weights, lmbda, n, regularization)
        return float(c)

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the network to ``path`` as JSON (sizes, names, dtype, dropout, weights, biases).

        Floats are written with full precision, so ``Network.load`` restores them exactly.
        """
        data = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "sizes": self.sizes,
            "cost": self.cost.name,
            "activation": self.activation.name,
            "output_activation": self.output_activation.name,
            "dtype": self.dtype.name,
            "dropout": self.dropout,
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
        }
        Path(path).write_text(json.dumps(data))

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Read a network written by ``save``; a malformed file raises ValueError saying why."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not a valid network file: not JSON ({e})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path} is not a valid network file: expected a JSON object, "
                             f"got {type(data).__name__}")
        missing = [k for k in ("sizes", "cost", "activation", "weights", "biases") if k not in data]
        if missing:
            raise ValueError(f"{path} is not a valid network file: missing keys {missing}")
        if data.get("format", _FILE_FORMAT) != _FILE_FORMAT:
            raise ValueError(f"{path} has format {data.get('format')!r}; expected {_FILE_FORMAT!r}")
        try:
            output_activation = data.get("output_activation")
            if output_activation == data["activation"]:
                output_activation = None
            net = cls(data["sizes"], cost=data["cost"], activation=data["activation"],
                      dtype=data.get("dtype", "float64"), seed=0,
                      output_activation=output_activation)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path} is not a valid network file: {e}") from None
        weights, biases = data["weights"], data["biases"]
        n_layers = len(net.sizes) - 1
        if not (isinstance(weights, list) and isinstance(biases, list)
                and len(weights) == len(biases) == n_layers):
            raise ValueError(f"{path} is not a valid network file: expected {n_layers} weight "
                             f"and bias arrays for sizes {net.sizes}")
        for l in range(n_layers):
            expected_w, expected_b = net.weights[l].shape, net.biases[l].shape
            try:
                w = np.array(weights[l], dtype=net.dtype)
                b = np.array(biases[l], dtype=net.dtype)
            except (TypeError, ValueError):
                raise ValueError(f"{path} is not a valid network file: layer {l} weights or "
                                 "biases are not numeric arrays") from None
            if w.shape != expected_w or b.shape != expected_b:
                raise ValueError(f"{path}: layer {l} expected weights {expected_w} and biases "
                                 f"{expected_b} for sizes {net.sizes}; got {w.shape} and "
                                 f"{b.shape}")
            net.weights[l], net.biases[l] = w, b
        dropout = data.get("dropout", 0.0)
        if not isinstance(dropout, int | float) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"{path}: dropout must lie in [0, 1); got {dropout!r}")
        net.dropout = float(dropout)
        net.init = "loaded"
        return net
