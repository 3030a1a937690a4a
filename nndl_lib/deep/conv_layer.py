"""Chapter 6's convolution + pooling layer (see :mod:`nndl_lib.deep.layers` for the interface).

Forward ``a = σ(pool(w ⊛ x) + b)``: the filters are applied without bias, the feature maps pooled,
then the shared bias added and the activation applied, as in the book's code.
"""

from __future__ import annotations

import math

import numpy as np

from nndl_lib.activations import Activation, get_activation, prime_from_output
from nndl_lib.deep import conv
from nndl_lib.deep.layer_base import INITS, Layer
from nndl_lib.init import bias_init, normal_weights
from nndl_lib.validate import as_rng

__all__ = ["ConvPoolLayer", "POOLS", "NAIVE_POOLS", "KERNELS"]

# pool name -> (forward, backward) kernels from nndl_lib.deep.conv, each (x, size, stride).
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



class ConvPoolLayer(Layer):
    """Convolution (stride 1, no padding) + pooling + shared bias + activation, as one layer.

    Forward: ``a = σ(pool(w ⊛ x) + b)`` (bias and activation after pooling, as in the book).

    filter_shape: (F, C, KH, KW): F filters (feature maps), each over C input channels.
    image_shape: (C, H, W): one input example. Output: (F, (H − KH + 1)/PH, (W − KW + 1)/PW).
    poolsize: (PH, PW), non-overlapping windows that must tile the feature maps exactly; the kernels
        take square windows, so PH == PW.
    pool: "max" (the book), "avg" or "l2".
    init: "faithful" (std sqrt(1/n_out), n_out = F·KH·KW / (PH·PW)) or "corrected" (n_in = C·KH·KW).
    kernels: "fast" (vectorised, default) or "naive" (the loop twins of :mod:`nndl_lib.deep.conv`;
    the
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
        :mod:`nndl_lib.deep.conv`); the next layer takes it as it is (call ``np.ascontiguousarray``
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
