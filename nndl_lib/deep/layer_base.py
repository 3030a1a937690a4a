"""The base class of chapter 6's layers: parameter lists, dtype conversion, shape checks.

See :mod:`nndl_lib.deep.layers` for the interface every layer implements.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Layer", "INITS"]

#: Initialisations of the chapter 6 layers: the book's code (N(0, 1/n_out)) and the corrected one.
INITS = ("faithful", "corrected")


class Layer:
    """Common machinery: ``params``/``grads`` lists, dtype conversion, shape checks.

    ``weights`` / ``biases`` split ``params`` into the arrays the L2 term regularises and those it
    leaves alone (``[w]`` and ``[b]`` here); ``buffers`` are state that is saved but not learned.
    """

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
    def weights(self) -> list[np.ndarray]:
        """The regularised parameters: ``[w]``."""
        return [self.w]

    @property
    def biases(self) -> list[np.ndarray]:
        """The parameters the L2 term leaves alone: ``[b]``."""
        return [self.b]

    @property
    def weight_grads(self) -> list[np.ndarray]:
        return [self.nabla_w]

    @property
    def bias_grads(self) -> list[np.ndarray]:
        return [self.nabla_b]

    @property
    def buffers(self) -> list[np.ndarray]:
        """Saved, not learned (e.g. batch normalisation's running statistics); none here."""
        return []

    @property
    def dtype(self) -> np.dtype:
        return self.params[0].dtype

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

    def _last_output(self, method: str) -> np.ndarray:
        """The output ``a`` of the last training forward pass, or a RuntimeError naming
        ``method`` (the caller) when there has been none."""
        a = getattr(self, "a", None)
        if a is None or getattr(self, "x", None) is None:
            raise RuntimeError(f"{type(self).__name__}.{method} needs a training forward pass "
                               "first: call forward(x, train=True)")
        return a

    def _check_dout(self, dout: np.ndarray) -> None:
        """dout must match the output of the last training forward pass."""
        a = self._last_output("backward")
        if np.shape(dout) != a.shape:
            raise ValueError(f"dout must have shape {a.shape}; got {np.shape(dout)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_shape} -> {self.output_shape})"
