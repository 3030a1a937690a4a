"""Chapter 6's layers: convolution + pooling, fully connected, softmax (with dropout).

Every layer is a class whose ``forward`` and ``backward`` sit next to each other and share one
interface, so :class:`nndl_lib.deep.convnet.ConvNetwork` can stack them:

- ``params``: ``[w, b]``, the arrays that learn (updated in place by the network);
- ``grads``: ``[nabla_w, nabla_b]``, the same shapes, filled by ``backward``;
- ``weights`` / ``biases`` (and ``weight_grads`` / ``bias_grads``): ``params`` split into what the
  L2 term regularises and what it leaves alone; ``buffers``: state saved but not learned (see
  :mod:`nndl_lib.deep.batchnorm_layer`, whose γ and β are never regularised);
- ``forward(x, *, train, rng)`` → the layer's activations; ``train=True`` applies dropout (drawing
  the mask from ``rng``) and keeps what ``backward`` needs;
- ``backward(dout)`` → ``dx``: given ∂C/∂(this layer's output), fill ``grads`` and return
  ∂C/∂(this layer's input), with the input's shape. It calls the kernels of
  :mod:`nndl_lib.deep.conv`
  and :mod:`nndl_lib.regularization` (the library's kernel convention) on what the last training
  forward pass kept in named attributes (``x``, ``z``, ``a``, ``mask``, ...);
- ``input_shape`` / ``output_shape``: per-example shapes, without the batch axis N.

Shapes follow the course conventions: images are ``(N, C, H, W)``, flat batches are ``(N, n)``
(rows are examples), an FC layer's ``w`` is ``(n_out, n_in)`` and computes ``z = x @ w.T + b``.

Three choices follow the book's chapter 6 code, because they change results:

1. **Order inside a conv-pool layer.** The filters are applied *without* bias, the feature maps are
   pooled, and only then is the shared bias added and the activation applied:
   ``a = σ(pool(w ⊛ x) + b)``. For max and average pooling this equals ``pool(σ(w ⊛ x + b))``
   (σ is monotone and the bias is constant in a window); for L2 pooling it does not.
2. **Initialisation** (``init="faithful"``): weights N(0, 1/n_out) where n_out is the layer's
   number of outputs (FC) or F·KH·KW / (pool area) (conv-pool); biases N(0, 1). The
   ``init="corrected"`` variant uses n_in (C·KH·KW for a conv-pool layer). The softmax layer starts
   at zero weights and biases.
3. **Dropout** acts on the *inputs* of FC and softmax layers, ``p`` is the probability of dropping
   an input unit, kept units are not rescaled in training, and at evaluation the weighted input is
   scaled instead: ``z = (1 − p) (x @ w.T) + b``. So evaluation's z is the expectation of
   training's.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import Activation, get_activation, prime_from_output, softmax
from nndl_lib.costs import LogLikelihoodCost
from nndl_lib.deep.batchnorm_layer import BatchNormLayer
from nndl_lib.deep.conv_layer import KERNELS, NAIVE_POOLS, POOLS, ConvPoolLayer
from nndl_lib.deep.layer_base import INITS, Layer
from nndl_lib.init import bias_init, ch6_weight_init, default_weight_init
from nndl_lib.regularization import (
    dropout_backward,
    dropout_evaluate,
    dropout_forward,
    dropout_mask,
)
from nndl_lib.validate import as_rng, check_int, check_probability

__all__ = [
    "Layer",
    "ConvPoolLayer",
    "FullyConnectedLayer",
    "SoftmaxLayer",
    "POOLS",
    "NAIVE_POOLS",
    "INITS",
    "KERNELS",
    "layer_from_config",
]


def layer_from_config(config: dict, dtype: np.dtype | type = np.float32) -> Layer:
    """Rebuild a layer from :meth:`config` (weights freshly initialised; load them separately)."""
    kwargs = dict(config)
    kind = kwargs.pop("type", None)
    classes = {"ConvPoolLayer": ConvPoolLayer, "FullyConnectedLayer": FullyConnectedLayer,
               "SoftmaxLayer": SoftmaxLayer, "BatchNormLayer": BatchNormLayer}
    if kind not in classes:
        raise ValueError(f"layer config type must be one of {sorted(classes)}; got {kind!r}")
    if kind == "ConvPoolLayer":
        kwargs["rng"] = 0
        for key in ("filter_shape", "image_shape", "poolsize"):
            kwargs[key] = tuple(kwargs[key])
    elif kind == "FullyConnectedLayer":
        kwargs["rng"] = 0
    return classes[kind](**kwargs, dtype=dtype)


class FullyConnectedLayer(Layer):
    """Fully connected layer ``a = σ(x @ w.T + b)``, dropout on its inputs.

    x: (N, n_in) (any (N, ...) with n_in values per example is flattened) → a: (N, n_out).
    w: (n_out, n_in), b: (n_out,). p_dropout: probability of dropping each input unit in training;
    at evaluation z = (1 − p) (x @ w.T) + b.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Activation = "sigmoid",
        p_dropout: float = 0.0,
        init: str = "faithful",
        rng: np.random.Generator | int | None = None,
        dtype: np.dtype | type = np.float32,
    ) -> None:
        n_in, n_out = check_int(n_in, "n_in", minimum=1), check_int(n_out, "n_out", minimum=1)
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        self.n_in, self.n_out = n_in, n_out
        self.activation = get_activation(activation)
        self.p_dropout = check_probability(p_dropout, "p_dropout (probability of dropping a unit)")
        self.init = init
        self.input_shape = (n_in,)
        self.output_shape = (n_out,)
        rng = as_rng(rng)
        weight_init = ch6_weight_init if init == "faithful" else default_weight_init
        self.w = weight_init(n_out, n_in, rng, dtype)
        self.b = bias_init(n_out, rng, dtype)
        self.nabla_w = np.zeros_like(self.w)
        self.nabla_b = np.zeros_like(self.b)

    def config(self) -> dict:
        """Constructor arguments (JSON-friendly) that rebuild this layer's shape and options."""
        return {"type": "FullyConnectedLayer", "n_in": self.n_in, "n_out": self.n_out,
                "activation": self.activation.name, "p_dropout": self.p_dropout,
                "init": self.init}

    def _weighted_input(
        self, x: np.ndarray, train: bool, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """z for a flat batch x (N, n_in); returns (z, x as used, mask or None)."""
        if x.dtype != self.w.dtype:
            x = x.astype(self.w.dtype)
        mask = None
        if self.p_dropout > 0.0 and train:
            if rng is None:
                raise ValueError("forward(train=True) with dropout needs rng (a numpy Generator)")
            mask = dropout_mask(x.shape, self.p_dropout, rng, dtype=x.dtype)
            x = dropout_forward(x, mask)  # dropped inputs are 0, kept ones unscaled
            z = x @ self.w.T
        else:
            z = x @ self.w.T
            if self.p_dropout > 0.0:
                z = dropout_evaluate(z, self.p_dropout)  # evaluation: expected weighted input
        z += self.b
        return z, x, mask

    def forward(self, x: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, n_in) or (N, ...) → a: (N, n_out)."""
        x_in = self._check_input(x)
        z, x_used, mask = self._weighted_input(x_in, train, rng)
        a = self.activation(z)
        if train:  # what backward needs
            self.x_shape, self.x, self.mask, self.z, self.a = np.shape(x), x_used, mask, z, a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, n_out) → dx (shape of the forward input); fills nabla_w, nabla_b."""
        self._check_dout(dout)
        delta = dout * prime_from_output(self.activation, self.z, self.a)  # BP2's ⊙ σ'(z)
        return self._backward_delta(delta)

    def _backward_delta(self, delta: np.ndarray) -> np.ndarray:
        """Gradients from δ = ∂C/∂z of the last training forward pass; returns dx."""
        np.sum(delta, axis=0, out=self.nabla_b)  # BP3: ∂C/∂b = Σ_rows δ
        np.matmul(delta.T, self.x, out=self.nabla_w)  # BP4: ∂C/∂w = δᵀ a_in
        dx = delta @ self.w  # wᵀδ, row form
        if self.mask is not None:
            dx = dropout_backward(dx, self.mask)  # dropped inputs get no gradient
        return dx.reshape(self.x_shape)


class SoftmaxLayer(FullyConnectedLayer):
    """Softmax output layer ``a = softmax(x @ w.T + b)`` with the log-likelihood cost.

    x: (N, n_in) → a: (N, n_out), rows sum to 1. Starts at zero weights and biases (as the book).
    Dropout on its inputs as for :class:`FullyConnectedLayer`.

    ``cost(y)`` is the mean log-likelihood −(1/N) Σ ln a_{y} of the last forward pass;
    ``backward_log_likelihood(y)`` uses the softmax + log-likelihood output error
    δ = (a − e_y) / N (the 1/N because the cost is a mean), fills the gradients and returns dx.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        p_dropout: float = 0.0,
        dtype: np.dtype | type = np.float32,
    ) -> None:
        n_in, n_out = check_int(n_in, "n_in", minimum=1), check_int(n_out, "n_out", minimum=1)
        self.n_in, self.n_out = n_in, n_out
        self.p_dropout = check_probability(p_dropout, "p_dropout (probability of dropping a unit)")
        self.activation = None
        self.init = "zeros"
        self.input_shape = (n_in,)
        self.output_shape = (n_out,)
        self.w = np.zeros((n_out, n_in), dtype=dtype)
        self.b = np.zeros(n_out, dtype=dtype)
        self.nabla_w = np.zeros_like(self.w)
        self.nabla_b = np.zeros_like(self.b)

    def config(self) -> dict:
        """Constructor arguments (JSON-friendly) that rebuild this layer."""
        return {"type": "SoftmaxLayer", "n_in": self.n_in, "n_out": self.n_out,
                "p_dropout": self.p_dropout}

    def forward(self, x: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, n_in) or (N, ...) → a: (N, n_out) probabilities."""
        x_in = self._check_input(x)
        z, x_used, mask = self._weighted_input(x_in, train, rng)
        a = softmax(z)
        if train:  # what backward needs
            self.x_shape, self.x, self.mask, self.z, self.a = np.shape(x), x_used, mask, z, a
        return a

    def _one_hot(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2:
            return y
        t = np.zeros((len(y), self.n_out), dtype=self.dtype)
        t[np.arange(len(y)), y] = 1.0
        return t

    def cost(self, y: np.ndarray, a: np.ndarray | None = None) -> float:
        """Mean log-likelihood −(1/N) Σ_x ln a_{y(x)} of ``a`` (default: the last training pass).

        y: int labels (N,) or one-hot rows (N, n_out). Without ``a`` and before any training
        forward pass: a RuntimeError saying so.
        """
        return LogLikelihoodCost.fn(self._last_output("cost") if a is None else a,
                                    self._one_hot(y))

    def backward_log_likelihood(self, y: np.ndarray) -> np.ndarray:
        """y: labels (N,) or one-hot (N, n_out) of the last training forward → dx; fills grads.

        δ^L = (a − y) / N: softmax with the log-likelihood (the 1/N because the cost is a mean).
        """
        a = self._last_output("backward_log_likelihood")
        t = self._one_hot(y)
        return self._backward_delta(LogLikelihoodCost.delta(self.z, a, t) / len(t))

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, n_out) → dx, through the softmax Jacobian (for a general cost)."""
        self._check_dout(dout)
        a = self.a
        # ∂a_j/∂z_k = a_j (1[j=k] − a_k)  ⇒  δ_k = a_k (dout_k − Σ_j dout_j a_j)
        delta = a * (dout - np.sum(dout * a, axis=1, keepdims=True))
        return self._backward_delta(delta)
