"""Chapter 6's layered network: stack layers, train with the library's one trainer, evaluate as
the book does.

:class:`ConvNetwork` stacks layers from :mod:`nndl_lib.deep.layers` (conv-pool, fully connected,
ending
with a softmax layer) on the log-likelihood cost, and trains them with
:func:`nndl_lib.training.train` (the trainer of chapters 1-3). Three details follow the book's
chapter 6 code:

- **L2 regularisation** adds ``0.5 · λ · Σ‖w‖² / m`` to the *mean* mini-batch cost (weights of every
  layer, not biases), ``m = n_train // mini_batch_size`` the number of mini-batches per epoch: each
  step decays the weights by ``(1 − η λ / m)``. That is chapter 3's rule ``(1 − η λ / n)`` with
  ``n = m`` (:func:`nndl_lib.regularization.regularize`), so for the same λ chapter 6's term is
  ``mini_batch_size`` times stronger.
- **Mini-batches** are taken in the same order every epoch (the book does not shuffle; pass
  ``shuffle=True`` to shuffle) and a last partial mini-batch is dropped.
- **Evaluation**: after each epoch, validation accuracy; whenever it is at least the best so far
  (ties go to the later epoch, as in the book) the test accuracy is computed. The reported result
  is the test accuracy at the epoch of best validation accuracy.
- These three are :data:`nndl_lib.conventions.CHAPTER_6`, the value ``SGD`` trains with.

:func:`book_network` builds the book's architectures by name; the book's experiments (their
hyper-parameters and published results) are in :mod:`nndl_lib.reproduction.experiments`. A typical
run::

    from nndl_lib.data import load_mnist
    from nndl_lib.deep.convnet import book_network

    train, validation, test = load_mnist()
    net = book_network("conv2_relu", rng=0)
    history = net.SGD(train, 60, 10, 0.03, validation, test, lmbda=0.1, seed=0)
    history.test_accuracy_at_best  # the number the book reports
"""

from __future__ import annotations

import math
import os

import numpy as np

from nndl_lib.conventions import CHAPTER_6
from nndl_lib.costs import LogLikelihoodCost
from nndl_lib.deep.layers import (
    ConvPoolLayer,
    FullyConnectedLayer,
    Layer,
    SoftmaxLayer,
    layer_from_config,
)
from nndl_lib.metrics import fraction_correct
from nndl_lib.persist import load_model, save_model
from nndl_lib.regularization import l2_gradient, penalty
from nndl_lib.training import History, Prepared, sgd_step, train
from nndl_lib.validate import (
    as_batch,
    as_labels,
    as_rng,
    as_targets,
    check_dtype,
    split_pair,
)

__all__ = [
    "ConvNetwork",
    "ConvTrainingHistory",
    "book_network",
    "BOOK_NETWORKS",
]

#: The history ``ConvNetwork.SGD`` returns (the library's one history type; ``validation_accuracy``
#: and ``best_validation_accuracy`` name its evaluation series).
ConvTrainingHistory = History


class ConvNetwork:
    """A stack of layers ending in a :class:`~nndl_lib.deep.layers.SoftmaxLayer`.

    layers: e.g. ``[ConvPoolLayer(...), FullyConnectedLayer(...), SoftmaxLayer(...)]``; consecutive
        layers must agree (a layer's input takes the previous output, flattened if needed).
    dtype: float32 by default (speed); float64 for gradient checks. The layers' parameters are
        converted in place (the layer objects become part of this network).

    Inputs x may be flat ``(N, 784)`` or images ``(N, 1, 28, 28)`` — anything with the first layer's
    number of values per example; labels y are int ``(N,)`` in ``[0, n_classes)`` (or one-hot).
    """

    def __init__(self, layers: list[Layer], *, dtype: np.dtype | type = np.float32) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("ConvNetwork needs at least one layer (ending with a SoftmaxLayer)")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {i} must be an nndl_lib.deep.layers layer; got {type(layer).__name__}"
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
        self.dtype = check_dtype(dtype)
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
        """The arrays the L2 term sums over (every layer's ``w``), updated in place."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def biases(self) -> list[np.ndarray]:
        """The learned arrays never regularised (biases, batch norm's γ and β), in place."""
        return [b for layer in self.layers for b in layer.biases]

    # -- inputs -----------------------------------------------------------------------------

    def _x(self, x: np.ndarray, what: str = "x") -> np.ndarray:
        """x: (N, ...) with the first layer's values per example → (N, *input_shape) in dtype."""
        return as_batch(x, self.layers[0].input_shape, self.dtype, what)

    def _labels(self, y: np.ndarray, n: int, what: str = "y") -> np.ndarray:
        return as_labels(y, n, self.n_classes, what)

    def prepare(self, data: tuple[np.ndarray, np.ndarray], what: str) -> Prepared:
        """Checked (x, one-hot targets, int labels) for a pair (x, y) (the trainer's protocol)."""
        x, y = split_pair(data, what)
        x = self._x(x, f"{what} x")
        n = x.shape[0]
        return Prepared(x, as_targets(y, n, self.n_classes, self.dtype, f"{what} y"),
                        self._labels(y, n, f"{what} y"))

    # -- forward / backward -----------------------------------------------------------------

    def feedforward(self, x: np.ndarray, *, train: bool = False,
                    rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, ...) → softmax outputs (N, n_classes). ``train=True`` applies dropout."""
        return self._forward(self._x(x), train, rng)

    def _forward(self, a: np.ndarray, train: bool, rng: np.random.Generator | None) -> np.ndarray:
        for layer in self.layers:
            a = layer.forward(a, train=train, rng=rng)
        return a

    def batch_gradients(self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(nabla_b, nabla_w) of the mean log-likelihood of a prepared mini-batch, in training
        mode (dropout masks from rng). The arrays are the layers' gradient buffers."""
        self._forward(x, True, rng)
        dout = self.layers[-1].backward_log_likelihood(t)
        for layer in reversed(self.layers[:-1]):
            dout = layer.backward(dout)
        return ([g for layer in self.layers for g in layer.bias_grads],
                [g for layer in self.layers for g in layer.weight_grads])

    def prepared_cost(self, data: Prepared) -> float:
        return LogLikelihoodCost.fn(self._predict_outputs(data.x), data.targets)

    def prepared_accuracy(self, data: Prepared) -> float:
        """Fraction classified correctly; an empty set raises ValueError (no nan, no 0)."""
        return fraction_correct(np.argmax(self._predict_outputs(data.x), axis=1), data.labels)

    def _predict_outputs(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Evaluation-mode outputs of checked inputs, computed in batches (bounded memory)."""
        out = np.empty((len(x), self.n_classes), dtype=self.dtype)
        for i in range(0, len(x), batch_size):
            out[i:i + batch_size] = self._forward(x[i:i + batch_size], False, None)
        return out

    def total_cost(self, x: np.ndarray, y: np.ndarray, lmbda: float = 0.0, num_batches: int = 1,
                   *, train: bool = False, rng: np.random.Generator | None = None) -> float:
        """Mean log-likelihood on (x, y) + 0.5·λ·Σ‖w‖²/num_batches (chapter 6's cost)."""
        x = self._x(x)
        t = as_targets(y, x.shape[0], self.n_classes, self.dtype)
        a = self._forward(x, train, rng)
        return LogLikelihoodCost.fn(a, t) + penalty(self.weights, lmbda, num_batches)

    def gradients(self, x: np.ndarray, y: np.ndarray, lmbda: float = 0.0, num_batches: int = 1,
                  *, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        """∂(training cost)/∂params for one mini-batch, aligned with :attr:`params`.

        Uses the training-time forward pass (dropout masks drawn from ``rng``). The data part is
        backprop of the mean log-likelihood; each weight gets + λ w / num_batches (chapter 6's L2).
        """
        data = self.prepare((x, y), "data")
        self.batch_gradients(data.x, data.targets, rng)
        regularised = {id(w) for w in self.weights}
        return [g + l2_gradient(p, lmbda, num_batches) if id(p) in regularised else g.copy()
                for p, g in zip(self.params, self.grads, strict=True)]

    def update_mini_batch(self, x: np.ndarray, y: np.ndarray, eta: float, lmbda: float = 0.0,
                          num_batches: int = 1, *,
                          rng: np.random.Generator | None = None) -> float:
        """One SGD step on the mini-batch (x, y): p → p − η ∂C/∂p, with chapter 6's L2 term.

        x: (N, ...), y: int labels (N,). num_batches: mini-batches per epoch (the m in λ/m).
        Returns the mini-batch's mean log-likelihood before the step (dropout applied).
        """
        data = self.prepare((x, y), "data")
        nabla_b, nabla_w = self.batch_gradients(data.x, data.targets, rng)
        cost = self.layers[-1].cost(data.targets)
        sgd_step(self.weights, self.biases, nabla_w, nabla_b, eta, lmbda, num_batches)
        return cost

    # -- evaluation -------------------------------------------------------------------------

    def predict(self, x: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
        """x: (N, ...) → int labels (N,) (evaluation mode: no dropout, outputs scaled)."""
        return np.argmax(self._predict_outputs(self._x(x), batch_size), axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of (x, y) classified correctly, in [0, 1]."""
        x = self._x(x)
        return self.prepared_accuracy(Prepared(x, None, self._labels(y, len(x))))

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
        monitor: tuple[str, ...] = ("evaluation_accuracy",),
        callback=None,
        progress: bool = True,
    ) -> History:
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
        monitor, callback: see :func:`nndl_lib.training.train` (validation data = evaluation data).
        progress: a text progress bar (tqdm); pass False in notebooks.
        Returns the :class:`~nndl_lib.training.History`; ``test_accuracy_at_best`` is the book's
        number.
        """
        return train(
            self, training_data, epochs, mini_batch_size, eta, lmbda,
            evaluation_data=validation_data, test_data=test_data,
            conventions=CHAPTER_6.but(shuffle=True) if shuffle else CHAPTER_6,
            test_every_epoch=test_every_epoch, monitor=monitor,
            callback=callback, seed=seed, progress=progress)

    # -- saving -----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and parameters to ``path`` (nndl_lib's model format)."""
        config = {"dtype": self.dtype.name, "layers": [layer.config() for layer in self.layers]}
        save_model(path, "ConvNetwork", config, self.params + self._buffers)

    @property
    def _buffers(self) -> list[np.ndarray]:
        """State saved with the parameters but not learned (batch norm's running statistics)."""
        return [b for layer in self.layers for b in layer.buffers]

    @classmethod
    def load(cls, path: str | os.PathLike) -> ConvNetwork:
        """Read a network written by :meth:`save` (clear error on a malformed file)."""
        config, arrays = load_model(path, "ConvNetwork")
        try:
            dtype = np.dtype(config["dtype"])
            net = cls([layer_from_config(c, dtype) for c in config["layers"]], dtype=dtype)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a valid ConvNetwork file ({exc})") from None
        targets = net.params + net._buffers
        if len(arrays) != len(targets):
            raise ValueError(f"{path}: {len(arrays)} arrays for {len(targets)} parameters and "
                             "buffers")
        for p, saved in zip(targets, arrays, strict=True):
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
    rng = as_rng(rng)
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
