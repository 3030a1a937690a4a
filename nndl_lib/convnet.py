"""Chapter 6's layered network: stack layers, train with mini-batch SGD, evaluate as the book does.

:class:`ConvNetwork` stacks layers from :mod:`nndl_lib.layers` (conv-pool, fully connected, ending
with a softmax layer) and trains them on the log-likelihood cost. Three details follow the book's
chapter 6 code:

- **L2 regularisation** adds ``0.5 · λ · Σ‖w‖² / m`` to the *mean* mini-batch cost, where the sum
  runs over every layer's weights (not biases) and ``m = n_train // mini_batch_size`` is the number
  of mini-batches per epoch. So each weight's gradient gets ``+ λ w / m``. (Chapter 3's λ decays
  weights by ``η λ / n`` per step instead; for the same λ, chapter 6's term is ``mini_batch_size``
  times stronger.)
- **Mini-batches** are taken in the same order every epoch (the book does not shuffle; pass
  ``shuffle=True`` to shuffle) and a last partial mini-batch is dropped.
- **Evaluation**: after each epoch, validation accuracy; whenever it is at least the best so far
  (ties go to the later epoch, as in the book) the test accuracy is computed. The reported result
  is the test accuracy at the epoch of best validation accuracy.

:func:`book_network` builds the book's architectures by name; :data:`BOOK_EXPERIMENTS` holds their
hyper-parameters (from :mod:`nndl_lib.reference_values`). A typical run::

    from nndl_lib.data import load_mnist
    from nndl_lib.convnet import BOOK_EXPERIMENTS, book_network

    train, validation, test = load_mnist()
    cfg = BOOK_EXPERIMENTS["conv2_relu"]
    net = book_network(cfg["network"], rng=0)
    history = net.SGD(train, cfg["epochs"], cfg["mini_batch_size"], cfg["eta"], validation, test,
                      cfg["lmbda"], seed=0)
    history.test_accuracy_at_best  # the number the book reports
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from nndl_lib.layers import (
    ConvPoolLayer,
    FullyConnectedLayer,
    Layer,
    SoftmaxLayer,
    layer_from_config,
)
from nndl_lib.reference_values import book_result

__all__ = [
    "ConvNetwork",
    "ConvTrainingHistory",
    "book_network",
    "BOOK_NETWORKS",
    "BOOK_EXPERIMENTS",
    "l2_cost",
    "l2_gradient",
]


def l2_cost(weights: list[np.ndarray], lmbda: float, num_batches: int) -> float:
    """Chapter 6's L2 term: 0.5 · λ · Σ‖w‖² / num_batches (weights only, all layers)."""
    squared = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in weights)  # Σ‖w‖²
    return 0.5 * lmbda * squared / num_batches


def l2_gradient(w: np.ndarray, lmbda: float, num_batches: int) -> np.ndarray:
    """∂/∂w of :func:`l2_cost`: λ · w / num_batches."""
    return (lmbda / num_batches) * w


@dataclass
class ConvTrainingHistory:
    """Per-epoch record of :meth:`ConvNetwork.SGD`.

    training_cost: mean mini-batch cost (log-likelihood + L2 term) over each epoch.
    validation_accuracy, test_accuracy: fractions in [0, 1] per epoch (test is ``None`` for epochs
        where it was not computed: the book evaluates test data only when validation improves).
    best_epoch: 0-based epoch of best validation accuracy (the later epoch on ties).
    """

    training_cost: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    best_validation_accuracy: float = 0.0
    best_epoch: int = -1
    test_accuracy_at_best: float | None = None
    epochs_run: int = 0


class ConvNetwork:
    """A stack of layers ending in a :class:`~nndl_lib.layers.SoftmaxLayer`.

    layers: e.g. ``[ConvPoolLayer(...), FullyConnectedLayer(...), SoftmaxLayer(...)]``; consecutive
        layers must agree (a layer's input takes the previous output, flattened if needed).
    dtype: float32 by default (speed); float64 for gradient checks. The layers' parameters are
        converted in place (the layer objects become part of this network).

    Inputs x may be flat ``(N, 784)`` or images ``(N, 1, 28, 28)`` — anything with the first layer's
    number of values per example; labels y are int ``(N,)`` in ``[0, n_classes)``.
    """

    def __init__(self, layers: list[Layer], *, dtype: np.dtype | type = np.float32) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("ConvNetwork needs at least one layer (ending with a SoftmaxLayer)")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {i} must be an nndl_lib.layers layer; got {type(layer).__name__}"
                )
        if not isinstance(layers[-1], SoftmaxLayer):
            raise ValueError(
                f"the last layer must be a SoftmaxLayer (log-likelihood cost); got {layers[-1]!r}"
            )
        for i in range(1, len(layers)):
            prev, layer = layers[i - 1], layers[i]
            ok = (prev.output_shape == layer.input_shape
                  if isinstance(layer, ConvPoolLayer)
                  else math.prod(prev.output_shape) == math.prod(layer.input_shape))
            if not ok:
                raise ValueError(
                    f"layer {i - 1} ({type(prev).__name__}) outputs shape {prev.output_shape} "
                    f"({math.prod(prev.output_shape)} values) but layer {i} "
                    f"({type(layer).__name__}) "
                    f"expects input shape {layer.input_shape}; make them agree"
                )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype}")
        self.layers = [layer.astype(self.dtype) for layer in layers]
        self.n_classes = layers[-1].n_out

    # -- parameters -------------------------------------------------------------------------

    @property
    def params(self) -> list[np.ndarray]:
        """All learnable arrays, layer by layer: [w0, b0, w1, b1, ...]."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """Gradient buffers matching :attr:`params` (data cost, from the last backward pass)."""
        return [g for layer in self.layers for g in layer.grads]

    @property
    def weights(self) -> list[np.ndarray]:
        """The weight arrays of all layers (what the L2 term sums over)."""
        return [layer.w for layer in self.layers]

    # -- inputs -----------------------------------------------------------------------------

    def _prepare_x(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) with the first layer's values per example → (N, *input_shape) in dtype."""
        x = np.asarray(x)
        shape = self.layers[0].input_shape
        if x.ndim < 2 or math.prod(x.shape[1:]) != math.prod(shape):
            raise ValueError(
                f"x must have shape (N, {math.prod(shape)}) or (N, {', '.join(map(str, shape))}); "
                f"got {x.shape}"
            )
        return np.ascontiguousarray(x.reshape((x.shape[0],) + shape), dtype=self.dtype)

    def _prepare_y(self, y: np.ndarray, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"y must be int labels of shape ({n},); got shape {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold integer labels; got dtype {y.dtype}")
        if n and (y.min() < 0 or y.max() >= self.n_classes):
            raise ValueError(
                f"labels must be in [0, {self.n_classes}); got values in [{y.min()}, {y.max()}]"
            )
        return y.astype(np.int64, copy=False)

    # -- forward / backward -----------------------------------------------------------------

    def feedforward(self, x: np.ndarray, *, train: bool = False,
                    rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, ...) → softmax outputs (N, n_classes). ``train=True`` applies dropout."""
        a = self._prepare_x(x)
        for layer in self.layers:
            a = layer.forward(a, train=train, rng=rng)
        return a

    def _backward(self, y: np.ndarray) -> None:
        """Backpropagate the log-likelihood of the last training forward; fills layer grads."""
        dout = self.layers[-1].backward_log_likelihood(y)
        for layer in reversed(self.layers[:-1]):
            dout = layer.backward(dout)

    def total_cost(self, x: np.ndarray, y: np.ndarray, lmbda: float = 0.0, num_batches: int = 1,
                   *, train: bool = False, rng: np.random.Generator | None = None) -> float:
        """Mean log-likelihood on (x, y) + 0.5·λ·Σ‖w‖²/num_batches (chapter 6's cost)."""
        y = self._prepare_y(y, len(x))
        a = self.feedforward(x, train=train, rng=rng)
        return self.layers[-1].cost(y, a) + l2_cost(self.weights, lmbda, num_batches)

    def gradients(self, x: np.ndarray, y: np.ndarray, lmbda: float = 0.0, num_batches: int = 1,
                  *, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        """∂(training cost)/∂params for one mini-batch, aligned with :attr:`params`.

        Uses the training-time forward pass (dropout masks drawn from ``rng``). The data part is
        backprop of the mean log-likelihood; each weight gets + λ w / num_batches (chapter 6's L2).
        """
        y = self._prepare_y(y, len(x))
        self.feedforward(x, train=True, rng=rng)
        self._backward(y)
        out = []
        for layer in self.layers:
            out.append(layer.nabla_w + l2_gradient(layer.w, lmbda, num_batches))
            out.append(layer.nabla_b.copy())
        return out

    def update_mini_batch(self, x: np.ndarray, y: np.ndarray, eta: float, lmbda: float = 0.0,
                          num_batches: int = 1, *,
                          rng: np.random.Generator | None = None) -> float:
        """One SGD step on the mini-batch (x, y): p → p − η ∂C/∂p, with chapter 6's L2 term.

        x: (N, ...), y: int labels (N,). num_batches: mini-batches per epoch (the m in λ/m).
        Returns the mini-batch's mean log-likelihood before the step (dropout applied).
        """
        return self._update(self._prepare_x(x), self._prepare_y(y, len(x)), eta, lmbda,
                            num_batches, rng)

    def _update(self, x: np.ndarray, y: np.ndarray, eta: float, lmbda: float, num_batches: int,
                rng: np.random.Generator | None) -> float:
        """update_mini_batch without input checks (x, y already prepared)."""
        a = x
        for layer in self.layers:
            a = layer.forward(a, train=True, rng=rng)
        cost = self.layers[-1].cost(y, a)
        self._backward(y)
        decay = self.dtype.type(eta * lmbda / num_batches)  # η · λ/m
        eta_ = self.dtype.type(eta)
        for layer in self.layers:
            if decay:
                layer.w *= 1 - decay  # − η λ w / m: the step of the L2 term
            layer.w -= eta_ * layer.nabla_w
            layer.b -= eta_ * layer.nabla_b
        return cost

    # -- evaluation -------------------------------------------------------------------------

    def predict(self, x: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
        """x: (N, ...) → int labels (N,) (evaluation mode: no dropout, outputs scaled)."""
        x = self._prepare_x(x)
        out = np.empty(len(x), dtype=np.int64)
        for i in range(0, len(x), batch_size):
            out[i:i + batch_size] = np.argmax(self.feedforward(x[i:i + batch_size]), axis=1)
        return out

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of (x, y) classified correctly, in [0, 1]."""
        y = self._prepare_y(y, len(x))
        return float(np.mean(self.predict(x) == y)) if len(y) else 0.0

    # -- training ---------------------------------------------------------------------------

    def SGD(  # noqa: N802 (the book's name)
        self,
        training_data: tuple[np.ndarray, np.ndarray],
        epochs: int,
        mini_batch_size: int,
        eta: float,
        validation_data: tuple[np.ndarray, np.ndarray],
        test_data: tuple[np.ndarray, np.ndarray] | None = None,
        lmbda: float = 0.0,
        *,
        seed: int | np.random.Generator | None = None,
        shuffle: bool = False,
        test_every_epoch: bool = False,
        progress: bool = True,
    ) -> ConvTrainingHistory:
        """Mini-batch SGD on the log-likelihood cost with chapter 6's L2 term.

        training_data, validation_data, test_data: ``(x, y)``, x (N, 784) or (N, 1, 28, 28),
            y int labels (N,).
        Each step: ``p → p − η ∂C/∂p`` with C = mean mini-batch log-likelihood + 0.5·λ·Σ‖w‖²/m,
        m = n_train // mini_batch_size.
        seed: dropout masks (and the shuffling order when ``shuffle=True``).
        shuffle: reshuffle the training data every epoch (the book does not).
        test_every_epoch: compute test accuracy after every epoch (for plots), not only when
            validation accuracy reaches a new best (the book's protocol, the default). The reported
            ``test_accuracy_at_best`` is the same either way.
        progress: a text progress bar (tqdm) with one line per epoch; pass False in notebooks.
        Returns a :class:`ConvTrainingHistory`; ``test_accuracy_at_best`` is the book's number.
        """
        if int(epochs) < 0 or int(mini_batch_size) < 1:
            raise ValueError(
                f"need epochs >= 0 and mini_batch_size >= 1; got {epochs}, {mini_batch_size}"
            )
        if eta <= 0 or lmbda < 0:
            raise ValueError(f"need eta > 0 and lmbda >= 0; got eta={eta}, lmbda={lmbda}")
        x_train = self._prepare_x(training_data[0])
        y_train = self._prepare_y(training_data[1], len(x_train))
        x_val = self._prepare_x(validation_data[0])
        y_val = self._prepare_y(validation_data[1], len(x_val))
        if test_data is not None:
            x_test = self._prepare_x(test_data[0])
            y_test = self._prepare_y(test_data[1], len(x_test))
        num_batches = len(x_train) // mini_batch_size
        if num_batches == 0:
            raise ValueError(
                f"mini_batch_size {mini_batch_size} is larger than the training set "
                f"({len(x_train)} examples)"
            )
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        history = ConvTrainingHistory()

        bar = None
        if progress:
            from tqdm import tqdm  # text only: no notebook widget

            bar = tqdm(total=epochs * num_batches, unit="batch", desc="SGD")
        for epoch in range(epochs):
            order = rng.permutation(len(x_train)) if shuffle else None
            cost_sum = 0.0
            for j in range(num_batches):
                sl = slice(j * mini_batch_size, (j + 1) * mini_batch_size)
                if order is None:
                    x, y = x_train[sl], y_train[sl]
                else:
                    x, y = x_train[order[sl]], y_train[order[sl]]
                cost_sum += self._update(x, y, eta, lmbda, num_batches, rng)
                if bar is not None:
                    bar.update(1)
            history.training_cost.append(cost_sum / num_batches
                                         + l2_cost(self.weights, lmbda, num_batches))
            val_acc = self.accuracy(x_val, y_val)
            history.validation_accuracy.append(val_acc)
            improved = val_acc >= history.best_validation_accuracy  # ties: the later epoch
            test_acc = None
            if test_data is not None and (improved or test_every_epoch):
                test_acc = self.accuracy(x_test, y_test)
            if improved:
                history.best_validation_accuracy = val_acc
                history.best_epoch = epoch
                history.test_accuracy_at_best = test_acc
            history.test_accuracy.append(test_acc)
            history.epochs_run = epoch + 1
            if bar is not None:
                msg = f"epoch {epoch}: validation accuracy {100 * val_acc:.2f}%"
                if test_acc is not None:
                    msg += f", test accuracy {100 * test_acc:.2f}%"
                bar.write(msg)
        if bar is not None:
            bar.close()
        return history

    # -- saving -----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture (JSON) and parameters to one ``.npz`` file at exactly ``path``
        (no ``.npz`` is appended, so ``load(path)`` finds it)."""
        arrays = {f"p{i}": p for i, p in enumerate(self.params)}
        meta = {"format": "nndl-convnet-1", "dtype": self.dtype.name,
                "layers": [layer.config() for layer in self.layers]}
        with open(path, "wb") as f:  # a file object: np.savez would add ".npz" to a bare name
            np.savez(f, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ConvNetwork:
        """Read a network written by :meth:`save` (clear error on a malformed file)."""
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                arrays = [f[f"p{i}"] for i in range(2 * len(meta["layers"]))]
            dtype = np.dtype(meta["dtype"])
            net = cls([layer_from_config(c, dtype) for c in meta["layers"]], dtype=dtype)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ValueError(
                f"{path} is not a network saved by ConvNetwork.save ({type(exc).__name__}: {exc})"
            ) from None
        for p, saved in zip(net.params, arrays, strict=True):
            if p.shape != saved.shape:
                raise ValueError(f"{path}: parameter of shape {saved.shape} where the architecture "
                                 f"needs {p.shape}")
            p[...] = saved
        return net

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"ConvNetwork([{inner}], dtype={self.dtype.name})"


# -- the book's architectures -----------------------------------------------------------------

BOOK_NETWORKS = (
    "shallow",
    "conv1",
    "conv2",
    "conv2_relu",
    "conv2_relu_fc300",
    "conv2_relu_fc1000",
    "conv2_relu_fc100x2",
    "conv2_relu_fc300x2",
    "conv2_relu_fc1000x2",
    "conv2_relu_dropout",
)

# Experiment name -> (network name, result key in nndl_lib.reference_values.BOOK_RESULTS).
_EXPERIMENT_RESULTS = {
    "shallow": ("shallow", "ch6_shallow"),
    "conv1": ("conv1", "ch6_conv1"),
    "conv2": ("conv2", "ch6_conv2"),
    "conv2_relu": ("conv2_relu", "ch6_relu"),
    "conv2_relu_expanded": ("conv2_relu", "ch6_expanded"),
    "conv2_relu_fc300": ("conv2_relu_fc300", "ch6_fc300"),
    "conv2_relu_fc1000": ("conv2_relu_fc1000", "ch6_fc1000"),
    "conv2_relu_fc100x2": ("conv2_relu_fc100x2", "ch6_two_fc100"),
    "conv2_relu_dropout": ("conv2_relu_dropout", "ch6_dropout"),
}


def _experiment(network: str, key: str) -> dict:
    r = book_result(key)
    return dict(network=network, result=key, eta=r.eta, lmbda=r.lmbda, epochs=r.epochs,
                mini_batch_size=r.mini_batch_size, expanded=r.training_size > 50_000,
                book_accuracy=r.accuracy)


#: The book's chapter 6 experiments: network name, hyper-parameters (eta, lmbda, epochs,
#: mini_batch_size), whether the expanded training data is used, and the published accuracy —
#: all read from :mod:`nndl_lib.reference_values` (the one home of known numbers).
BOOK_EXPERIMENTS: dict[str, dict] = {
    name: _experiment(network, key) for name, (network, key) in _EXPERIMENT_RESULTS.items()
}


def book_network(
    name: str,
    *,
    rng: np.random.Generator | int | None = None,
    p_dropout: float | None = None,
    init: str = "faithful",
    pool: str = "max",
    dtype: np.dtype | type = np.float32,
) -> ConvNetwork:
    """One of the book's chapter 6 networks, by name (see :data:`BOOK_NETWORKS`).

    - ``shallow``: FC 100 → softmax (sigmoid);
    - ``conv1``: conv 20@5×5 + 2×2 pool → FC 100 → softmax (sigmoid);
    - ``conv2``: conv 20@5×5 + pool → conv 40@20×5×5 + pool → FC 100 → softmax (sigmoid);
    - ``conv2_relu``: the same with ReLU; ``conv2_relu_fc300`` / ``_fc1000``: a wider FC layer;
      ``conv2_relu_fc100x2`` / ``_fc300x2`` / ``_fc1000x2``: two FC layers;
    - ``conv2_relu_dropout``: two conv-pool → FC 1000 → FC 1000 → softmax, dropout on the inputs of
      the three FC/softmax layers (p_dropout default 0.5).

    p_dropout: drop probability on the inputs of every FC and softmax layer (default 0, or 0.5 for
    ``conv2_relu_dropout``). init: "faithful" (book) or "corrected". rng: seeds the initial weights.
    """
    if name not in BOOK_NETWORKS:
        raise ValueError(f"unknown book network {name!r}; expected one of {list(BOOK_NETWORKS)}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if p_dropout is None:
        p_dropout = 0.5 if name == "conv2_relu_dropout" else 0.0
    act = "sigmoid" if name in ("shallow", "conv1", "conv2") else "relu"
    kw = dict(init=init, rng=rng, dtype=dtype)
    layers: list[Layer] = []
    if name == "shallow":
        n_in = 784
    else:
        layers.append(ConvPoolLayer((20, 1, 5, 5), (1, 28, 28), activation=act, pool=pool, **kw))
        if name == "conv1":
            n_in = 20 * 12 * 12
        else:
            layers.append(ConvPoolLayer((40, 20, 5, 5), (20, 12, 12), activation=act, pool=pool,
                                        **kw))
            n_in = 40 * 4 * 4
    fc_sizes = {"conv2_relu_fc300": [300], "conv2_relu_fc1000": [1000],
                "conv2_relu_fc100x2": [100, 100], "conv2_relu_fc300x2": [300, 300],
                "conv2_relu_fc1000x2": [1000, 1000],
                "conv2_relu_dropout": [1000, 1000]}.get(name, [100])
    for n_out in fc_sizes:
        layers.append(FullyConnectedLayer(n_in, n_out, activation=act, p_dropout=p_dropout, **kw))
        n_in = n_out
    layers.append(SoftmaxLayer(n_in, 10, p_dropout=p_dropout, dtype=dtype))
    return ConvNetwork(layers, dtype=dtype)
