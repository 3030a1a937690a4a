"""Chapter 6's layers: convolution + pooling, fully connected, softmax (with dropout).

Every layer is a class whose ``forward`` and ``backward`` sit next to each other and share one
interface, so :class:`nndl_lib.convnet.ConvNetwork` can stack them:

- ``params``: ``[w, b]``, the arrays that learn (updated in place by the network);
- ``grads``: ``[nabla_w, nabla_b]``, the same shapes, filled by ``backward``;
- ``forward(x, *, train, rng)`` → the layer's activations; ``train=True`` applies dropout (drawing
  the mask from ``rng``) and keeps what ``backward`` needs;
- ``backward(dout)`` → ``dx``: given ∂C/∂(this layer's output), fill ``grads`` and return
  ∂C/∂(this layer's input), with the input's shape. It calls the kernels of :mod:`nndl_lib.conv`
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

import math

import numpy as np

from nndl_lib import conv
from nndl_lib.activations import Activation, get_activation, prime_from_output, softmax
from nndl_lib.costs import LogLikelihoodCost
from nndl_lib.init import bias_init, ch6_weight_init, default_weight_init, normal_weights
from nndl_lib.regularization import (
    dropout_backward,
    dropout_evaluate,
    dropout_forward,
    dropout_mask,
)
from nndl_lib.validate import as_rng, check_probability

__all__ = [
    "Layer",
    "ConvPoolLayer",
    "FullyConnectedLayer",
    "SoftmaxLayer",
    "POOLS",
    "INITS",
    "KERNELS",
    "layer_from_config",
]

INITS = ("faithful", "corrected")

# pool name -> (forward, backward) kernels from nndl_lib.conv, each (x, size, stride).
POOLS = {
    "max": (conv.maxpool_forward, conv.maxpool_backward),
    "avg": (conv.avgpool_forward, conv.avgpool_backward),
    "l2": (conv.l2pool_forward, conv.l2pool_backward),
}
# the loop versions ("naive" kernels): same numbers, for teaching and benchmarks
NAIVE_POOLS = {
    "max": (conv.maxpool_forward_naive, conv.maxpool_backward_naive),
    "avg": (conv.avgpool_forward_naive, conv.avgpool_backward_naive),
    "l2": (conv.l2pool_forward_naive, conv.l2pool_backward_naive),
}
KERNELS = ("fast", "naive")


def layer_from_config(config: dict, dtype: np.dtype | type = np.float32) -> Layer:
    """Rebuild a layer from :meth:`config` (weights freshly initialised; load them separately)."""
    kwargs = dict(config)
    kind = kwargs.pop("type", None)
    classes = {"ConvPoolLayer": ConvPoolLayer, "FullyConnectedLayer": FullyConnectedLayer,
               "SoftmaxLayer": SoftmaxLayer}
    if kind not in classes:
        raise ValueError(f"layer config type must be one of {sorted(classes)}; got {kind!r}")
    if kind == "ConvPoolLayer":
        kwargs["rng"] = 0
        for key in ("filter_shape", "image_shape", "poolsize"):
            kwargs[key] = tuple(kwargs[key])
    elif kind == "FullyConnectedLayer":
        kwargs["rng"] = 0
    return classes[kind](**kwargs, dtype=dtype)


class Layer:
    """Common machinery: ``params``/``grads`` lists, dtype conversion, shape checks."""

    w: np.ndarray
    b: np.ndarray
    nabla_w: np.ndarray
    nabla_b: np.ndarray
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]

    @property
    def params(self) -> list[np.ndarray]:
        """``[w, b]``: the layer's learnable arrays (the same objects, so updates are in place)."""
        return [self.w, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        """``[nabla_w, nabla_b]``: ∂C/∂w and ∂C/∂b from the last ``backward``."""
        return [self.nabla_w, self.nabla_b]

    @property
    def dtype(self) -> np.dtype:
        return self.w.dtype

    def astype(self, dtype: np.dtype | type) -> Layer:
        """Convert parameters (and gradient buffers) to ``dtype`` in place; returns self."""
        self.w = np.ascontiguousarray(self.w, dtype=dtype)
        self.b = np.ascontiguousarray(self.b, dtype=dtype)
        self.nabla_w = np.zeros_like(self.w)
        self.nabla_b = np.zeros_like(self.b)
        return self

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        """Accept (N, *input_shape) or any (N, ...) with the same number of values per example."""
        x = np.asarray(x)
        if x.ndim < 1 or math.prod(x.shape[1:]) != math.prod(self.input_shape):
            dims = ", ".join(map(str, self.input_shape))
            raise ValueError(
                f"{type(self).__name__} expects input of shape (N, {dims})"
                f" (or (N, {math.prod(self.input_shape)}) flattened); got {x.shape}"
            )
        return x.reshape((x.shape[0],) + self.input_shape)

    def _check_dout(self, dout: np.ndarray) -> None:
        """dout must match the output of the last training forward pass."""
        a = getattr(self, "a", None)
        if a is None or getattr(self, "x", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a training forward pass "
                               "first: call forward(x, train=True)")
        if np.shape(dout) != a.shape:
            raise ValueError(f"dout must have shape {a.shape}; got {np.shape(dout)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_shape} -> {self.output_shape})"


class ConvPoolLayer(Layer):
    """Convolution (stride 1, no padding) + pooling + shared bias + activation, as one layer.

    Forward: ``a = σ(pool(w ⊛ x) + b)`` (bias and activation after pooling, as in the book).

    filter_shape: (F, C, KH, KW): F filters (feature maps), each over C input channels.
    image_shape: (C, H, W): one input example. Output: (F, (H − KH + 1)/PH, (W − KW + 1)/PW).
    poolsize: (PH, PW), non-overlapping windows that must tile the feature maps exactly; the kernels
        take square windows, so PH == PW.
    pool: "max" (the book), "avg" or "l2".
    init: "faithful" (std sqrt(1/n_out), n_out = F·KH·KW / (PH·PW)) or "corrected" (n_in = C·KH·KW).
    kernels: "fast" (vectorised, default) or "naive" (the loop twins of :mod:`nndl_lib.conv`; the
        same numbers, thousands of times slower).
    """

    def __init__(
        self,
        filter_shape: tuple[int, int, int, int],
        image_shape: tuple[int, int, int],
        poolsize: tuple[int, int] = (2, 2),
        activation: str | Activation = "sigmoid",
        pool: str = "max",
        init: str = "faithful",
        rng: np.random.Generator | int | None = None,
        dtype: np.dtype | type = np.float32,
        *,
        kernels: str = "fast",
    ) -> None:
        filter_shape = tuple(int(s) for s in filter_shape)
        image_shape = tuple(int(s) for s in image_shape)
        poolsize = tuple(int(s) for s in poolsize)
        if len(filter_shape) != 4 or min(filter_shape) < 1:
            raise ValueError(
                f"filter_shape must be (F, C, KH, KW) of positive ints; got {filter_shape}"
            )
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(f"image_shape must be (C, H, W) of positive ints; got {image_shape}")
        F, C, KH, KW = filter_shape
        if C != image_shape[0]:
            raise ValueError(
                f"filter_shape {filter_shape} has {C} input channels but image_shape {image_shape} "
                f"has {image_shape[0]}; they must agree"
            )
        if len(poolsize) != 2 or poolsize[0] != poolsize[1] or poolsize[0] < 1:
            raise ValueError(f"poolsize must be a square (P, P) with P >= 1; got {poolsize}")
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {sorted(POOLS)}; got {pool!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        if kernels not in KERNELS:
            raise ValueError(f"kernels must be one of {KERNELS}; got {kernels!r}")
        H_conv = conv.conv_output_size(image_shape[1], KH)
        W_conv = conv.conv_output_size(image_shape[2], KW)
        P = poolsize[0]
        if H_conv % P or W_conv % P:
            raise ValueError(
                f"{P}x{P} pooling must tile the {H_conv}x{W_conv} feature maps exactly "
                f"(image_shape {image_shape}, filters {KH}x{KW}); choose sizes that divide"
            )
        self.filter_shape = filter_shape
        self.image_shape = image_shape
        self.poolsize = poolsize
        self.pool = pool
        self.init = init
        self.activation = get_activation(activation)
        self.input_shape = image_shape
        self.conv_shape = (F, H_conv, W_conv)
        self.output_shape = (F, H_conv // P, W_conv // P)
        self.kernels = kernels
        if kernels == "fast":
            self._pool_forward, self._pool_backward = POOLS[pool]
            self._conv_forward, self._conv_backward = conv.conv2d_forward, conv.conv2d_backward
        else:
            self._pool_forward, self._pool_backward = NAIVE_POOLS[pool]
            self._conv_forward = conv.conv2d_forward_naive
            self._conv_backward = conv.conv2d_backward_naive

        rng = as_rng(rng)
        n_out = F * KH * KW / (P * P)
        n_in = C * KH * KW
        std = math.sqrt(1.0 / (n_out if init == "faithful" else n_in))
        self.w = normal_weights(filter_shape, std, rng, dtype)
        self.b = bias_init(F, rng, dtype)
        self.nabla_w = np.zeros_like(self.w)
        self.nabla_b = np.zeros_like(self.b)
        self._zero_b = np.zeros(F, dtype=dtype)

    def config(self) -> dict:
        """Constructor arguments (JSON-friendly) that rebuild this layer's shape and options."""
        return {"type": "ConvPoolLayer", "filter_shape": list(self.filter_shape),
                "image_shape": list(self.image_shape), "poolsize": list(self.poolsize),
                "activation": self.activation.name, "pool": self.pool, "init": self.init}

    def astype(self, dtype: np.dtype | type) -> ConvPoolLayer:
        super().astype(dtype)
        self._zero_b = np.zeros(self.filter_shape[0], dtype=dtype)
        return self

    def forward(self, x: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, C, H, W) → a: (N, F, H_pool, W_pool). No dropout in conv layers (as the book).

        With the fast kernels ``a`` is a batch-last transposed view, not C-contiguous (see
        :mod:`nndl_lib.conv`); the next layer takes it as it is (call ``np.ascontiguousarray``
        if you need C order).
        """
        x = self._check_input(x)
        if x.dtype != self.w.dtype:
            x = x.astype(self.w.dtype)
        P = self.poolsize[0]
        conv_out = self._conv_forward(x, self.w, self._zero_b)  # w ⊛ x
        pooled = self._pool_forward(conv_out, P, P)
        z = pooled + self.b[None, :, None, None]  # shared bias after pooling
        a = self.activation(z)
        if train:  # what backward needs
            self.x, self.conv_out, self.z, self.a = x, conv_out, z, a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, F, H_pool, W_pool) → dx: ∂C/∂x (N, C, H, W); fills nabla_w, nabla_b.

        With the fast kernels ``dx`` is a batch-last view, like the forward output."""
        self._check_dout(dout)
        P = self.poolsize[0]
        delta = dout * prime_from_output(self.activation, self.z, self.a)  # δ = ∂C/∂a ⊙ σ'(z)
        self.nabla_b[...] = delta.sum(axis=(0, 2, 3))  # ∂C/∂b: the bias is shared by a whole map
        dconv = self._pool_backward(delta, self.conv_out, P, P)  # route δ back through the pool
        dx, dw, _ = self._conv_backward(dconv, self.x, self.w)
        self.nabla_w[...] = dw
        return dx


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
        n_in, n_out = int(n_in), int(n_out)
        if n_in < 1 or n_out < 1:
            raise ValueError(f"n_in and n_out must be positive; got n_in={n_in}, n_out={n_out}")
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
        n_in, n_out = int(n_in), int(n_out)
        if n_in < 1 or n_out < 1:
            raise ValueError(f"n_in and n_out must be positive; got n_in={n_in}, n_out={n_out}")
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

        y: int labels (N,) or one-hot rows (N, n_out).
        """
        return LogLikelihoodCost.fn(self.a if a is None else a, self._one_hot(y))

    def backward_log_likelihood(self, y: np.ndarray) -> np.ndarray:
        """y: labels (N,) or one-hot (N, n_out) of the last training forward → dx; fills grads.

        δ^L = (a − y) / N: softmax with the log-likelihood (the 1/N because the cost is a mean).
        """
        t = self._one_hot(y)
        return self._backward_delta(LogLikelihoodCost.delta(self.z, self.a, t) / len(t))

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, n_out) → dx, through the softmax Jacobian (for a general cost)."""
        self._check_dout(dout)
        a = self.a
        # ∂a_j/∂z_k = a_j (1[j=k] − a_k)  ⇒  δ_k = a_k (dout_k − Σ_j dout_j a_j)
        delta = a * (dout - np.sum(dout * a, axis=1, keepdims=True))
        return self._backward_delta(delta)
