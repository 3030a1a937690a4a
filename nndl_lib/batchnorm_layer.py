"""Batch normalisation as a layer of :class:`nndl_lib.convnet.ConvNetwork` (foundations page).

**Interim module.** The layered network has no batch-normalisation layer yet; this one follows
today's layer interface of :mod:`nndl_lib.layers` so that the foundations page can train networks
with and without batch normalisation through the library's own trainer. It belongs in
``nndl_lib.layers`` once the single trainer lands (see the chapter 6 report).

:class:`BatchNormLayer` normalises its input with :class:`nndl_lib.batchnorm.BatchNorm` (batch
statistics in training, running averages at evaluation) and applies an activation:

    a = σ(γ x̂ + β),   x̂ = (x − μ_B) / √(σ_B² + ε)

It goes between a :class:`~nndl_lib.layers.FullyConnectedLayer` with ``activation="linear"``
(which supplies the weighted input z = x wᵀ + b) and the next layer, so that the normalisation
acts on z, before the non-linearity, as in Ioffe and Szegedy (2015). (The fully connected layer's
bias is then redundant: subtracting the batch mean removes it, and β takes its place.)

Its parameters ``[w, b]`` are γ and β (the interface's names, so the trainer updates them like any
layer's). Limitation: chapter 6's L2 term treats every layer's ``w`` as a weight, so with
``lmbda > 0`` it would shrink γ too; train networks with this layer with ``lmbda = 0``.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import Activation, get_activation, prime_from_output
from nndl_lib.batchnorm import BatchNorm
from nndl_lib.layers import Layer

__all__ = ["BatchNormLayer"]


class BatchNormLayer(Layer):
    """Batch normalisation then an activation, ``a = σ(BN(x))``, for (N, num_features) inputs.

    num_features: D, the size of the layer (input and output (D,)). activation: name or
    :class:`~nndl_lib.activations.Activation` ("linear" for none). momentum, eps: as in
    :class:`~nndl_lib.batchnorm.BatchNorm` (running averages; the ε under the square root).
    """

    def __init__(self, num_features: int, activation: str | Activation = "sigmoid",
                 momentum: float = 0.9, eps: float = 1e-5,
                 dtype: np.dtype | type = np.float32) -> None:
        self.bn = BatchNorm(int(num_features), momentum=momentum, eps=eps, dtype=dtype)
        self.activation = get_activation(activation)
        self.input_shape = (int(num_features),)
        self.output_shape = (int(num_features),)
        self.p_dropout = 0.0
        self._y: np.ndarray | None = None
        self._a: np.ndarray | None = None

    # γ, β and their gradients under the layer interface's names (the same arrays as the
    # BatchNorm's, so in-place updates by the trainer reach the normalisation)
    @property
    def w(self) -> np.ndarray:
        return self.bn.gamma

    @w.setter
    def w(self, value: np.ndarray) -> None:
        self.bn.gamma = value

    @property
    def b(self) -> np.ndarray:
        return self.bn.beta

    @b.setter
    def b(self, value: np.ndarray) -> None:
        self.bn.beta = value

    @property
    def nabla_w(self) -> np.ndarray:
        return self.bn.dgamma

    @nabla_w.setter
    def nabla_w(self, value: np.ndarray) -> None:
        self.bn.dgamma = value

    @property
    def nabla_b(self) -> np.ndarray:
        return self.bn.dbeta

    @nabla_b.setter
    def nabla_b(self, value: np.ndarray) -> None:
        self.bn.dbeta = value

    def astype(self, dtype: np.dtype | type) -> BatchNormLayer:
        """Convert γ, β, their gradients and the running statistics to ``dtype``; returns self."""
        super().astype(dtype)
        self.bn.running_mean = self.bn.running_mean.astype(dtype)
        self.bn.running_var = self.bn.running_var.astype(dtype)
        self.bn.dtype = np.dtype(dtype)
        return self

    def config(self) -> dict:
        """Constructor arguments (JSON-friendly). ``ConvNetwork.load`` does not know this layer."""
        return {"type": "BatchNormLayer", "num_features": self.input_shape[0],
                "activation": self.activation.name, "momentum": self.bn.momentum,
                "eps": self.bn.eps}

    def forward(self, x: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, D) → a: (N, D). ``train=True``: batch statistics (N >= 2), running averages
        updated; ``train=False``: running averages, so each example is treated on its own."""
        x = self._check_input(x)
        if x.dtype != self.w.dtype:
            x = x.astype(self.w.dtype)
        y = self.bn.forward(x, train=train)  # γ x̂ + β
        a = self.activation(y)
        if train:
            self._y, self._a = y, a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, D) → ∂C/∂x (N, D); fills nabla_w (∂C/∂γ) and nabla_b (∂C/∂β)."""
        if self._y is None:
            raise RuntimeError("BatchNormLayer.backward needs a forward pass with train=True first")
        if dout.shape != self._a.shape:
            raise ValueError(f"dout must have shape {self._a.shape}; got {dout.shape}")
        delta = dout * prime_from_output(self.activation, self._y, self._a)  # ∂C/∂y
        return self.bn.backward(delta)

    def __repr__(self) -> str:
        return f"BatchNormLayer({self.input_shape[0]}, activation={self.activation.name!r})"
