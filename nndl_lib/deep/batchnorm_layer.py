"""Batch normalisation as a layer of :class:`nndl_lib.deep.convnet.ConvNetwork` (the foundations
page).

:class:`BatchNormLayer` normalises its input with :class:`nndl_lib.batchnorm.BatchNorm` (batch
statistics in training, running averages at evaluation) and applies an activation:

    a = σ(γ x̂ + β),   x̂ = (x − μ_B) / √(σ_B² + ε)

It goes between a :class:`~nndl_lib.deep.layers.FullyConnectedLayer` with ``activation="linear"``
(which supplies the weighted input z = x wᵀ + b) and the next layer, so that the normalisation
acts on z, before the non-linearity, as in Ioffe and Szegedy (2015). (The fully connected layer's
bias is then redundant: subtracting the batch mean removes it, and β takes its place.)

Its parameters are γ and β, and the L2 term leaves both alone (they are the layer's ``biases``
in the trainer's sense). The running mean and variance are ``buffers``: saved with the network
by ``ConvNetwork.save``, never learned.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import Activation, get_activation, prime_from_output
from nndl_lib.batchnorm import BatchNorm
from nndl_lib.deep.layer_base import Layer

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
        self.y: np.ndarray | None = None  # γ x̂ + β of the last training pass
        self.a: np.ndarray | None = None

    # -- parameters: γ and β, never regularised; the running statistics are buffers ---------

    @property
    def params(self) -> list[np.ndarray]:
        """``[γ, β]``: the BatchNorm's own arrays, so in-place updates reach the normalisation."""
        return [self.bn.gamma, self.bn.beta]

    @property
    def grads(self) -> list[np.ndarray]:
        """``[∂C/∂γ, ∂C/∂β]`` from the last ``backward``."""
        return [self.bn.dgamma, self.bn.dbeta]

    @property
    def weights(self) -> list[np.ndarray]:
        return []

    @property
    def biases(self) -> list[np.ndarray]:
        return self.params

    @property
    def weight_grads(self) -> list[np.ndarray]:
        return []

    @property
    def bias_grads(self) -> list[np.ndarray]:
        return self.grads

    @property
    def buffers(self) -> list[np.ndarray]:
        """The running mean and variance used at evaluation."""
        return [self.bn.running_mean, self.bn.running_var]

    def astype(self, dtype: np.dtype | type) -> BatchNormLayer:
        """Convert γ, β, their gradients and the running statistics to ``dtype``; returns self."""
        bn = self.bn
        bn.gamma = np.ascontiguousarray(bn.gamma, dtype=dtype)
        bn.beta = np.ascontiguousarray(bn.beta, dtype=dtype)
        bn.dgamma, bn.dbeta = np.zeros_like(bn.gamma), np.zeros_like(bn.beta)
        bn.running_mean = bn.running_mean.astype(dtype)
        bn.running_var = bn.running_var.astype(dtype)
        bn.dtype = np.dtype(dtype)
        return self

    def config(self) -> dict:
        """Constructor arguments (JSON-friendly), for ``layers.layer_from_config``."""
        return {"type": "BatchNormLayer", "num_features": self.input_shape[0],
                "activation": self.activation.name, "momentum": self.bn.momentum,
                "eps": self.bn.eps}

    # -- forward and backward ---------------------------------------------------------------

    def forward(self, x: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """x: (N, D) → a: (N, D). ``train=True``: batch statistics (N >= 2), running averages
        updated; ``train=False``: running averages, so each example is treated on its own."""
        x = self._check_input(x)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        y = self.bn.forward(x, train=train)  # γ x̂ + β
        a = self.activation(y)
        if train:  # what backward needs (the batch itself is kept by the BatchNorm)
            self.y, self.a = y, a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: ∂C/∂a (N, D) → ∂C/∂x (N, D); fills ∂C/∂γ and ∂C/∂β."""
        if self.y is None:
            raise RuntimeError("BatchNormLayer.backward needs a training forward pass first: "
                               "call forward(x, train=True)")
        if np.shape(dout) != self.a.shape:
            raise ValueError(f"dout must have shape {self.a.shape}; got {np.shape(dout)}")
        delta = dout * prime_from_output(self.activation, self.y, self.a)  # ∂C/∂y
        return self.bn.backward(delta)

    def __repr__(self) -> str:
        return f"BatchNormLayer({self.input_shape[0]}, activation={self.activation.name!r})"
