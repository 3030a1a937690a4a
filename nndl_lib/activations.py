"""Activation functions and their derivatives (chapters 1, 3 and the foundations notes).

Every function works element-wise on arrays of any shape, except ``softmax``, which normalises each
row of a 2-D array (or a 1-D vector). All are written to be numerically stable for large ``|z|``.

Besides the plain functions, each non-linearity is bundled with its derivative in an
:class:`Activation` object (``SIGMOID``, ``TANH``, ``RELU``, ...), which is what networks store;
:func:`get_activation` turns a name such as ``"relu"`` into that object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get_activation",
    "step",
    "sigmoid",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "relu",
    "relu_prime",
    "leaky_relu",
    "leaky_relu_prime",
    "softplus",
    "softplus_prime",
    "linear",
    "linear_prime",
    "softmax",
    "SIGMOID",
    "SOFTMAX",
    "prime_from_output",
]


def step(z: np.ndarray) -> np.ndarray:
    """The perceptron's output: 1 where ``z > 0``, else 0 (chapter 1)."""
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), stable for large |z| (never overflows)."""
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    # exp(-|z|) is in (0, 1]; the two branches are the same function written two ways.
    e = np.exp(-np.abs(z, dtype=dtype))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(dtype, copy=False)


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)); at most 1/4, at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = 2 sigma(2z) - 1, a sigmoid rescaled to (-1, 1)."""
    return np.tanh(z)


def tanh_prime(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (the derivative at 0 is taken to be 0)."""
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return (z > 0).astype(dtype)


def leaky_relu(z: np.ndarray, a: float = 0.01) -> np.ndarray:
    """z for z > 0, a z otherwise (slope ``a`` on the negative side)."""
    z = np.asarray(z)
    return np.where(z > 0, z, a * z)


def leaky_relu_prime(z: np.ndarray, a: float = 0.01) -> np.ndarray:
    """1 for z > 0, ``a`` otherwise."""
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return np.where(z > 0, 1.0, a).astype(dtype)


def softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z), computed as max(z, 0) + ln(1 + e^-|z|) so it never overflows."""
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_prime(z: np.ndarray) -> np.ndarray:
    """d/dz ln(1 + e^z) = sigma(z)."""
    return sigmoid(z)


def linear(z: np.ndarray) -> np.ndarray:
    """The identity, sigma(z) = z (the "linear neurons" problem of chapter 2)."""
    return np.asarray(z)


def linear_prime(z: np.ndarray) -> np.ndarray:
    """1 everywhere (same float dtype as z; float64 for integer z)."""
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return np.ones(z.shape, dtype=dtype)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax: a_j = e^{z_j} / sum_k e^{z_k}.

    z: (N, K) or (K,). Subtracting the row maximum first leaves the result unchanged and keeps
    ``exp`` from overflowing. Outputs are in (0, 1) and each row sums to 1.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """A non-linearity ``fn`` with its derivative ``prime``, both element-wise."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    prime: Callable[[np.ndarray], np.ndarray]

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.fn(z)


SIGMOID = Activation("sigmoid", sigmoid, sigmoid_prime)
TANH = Activation("tanh", tanh, tanh_prime)
RELU = Activation("relu", relu, relu_prime)
LEAKY_RELU = Activation("leaky_relu", leaky_relu, leaky_relu_prime)
SOFTPLUS = Activation("softplus", softplus, softplus_prime)
LINEAR = Activation("linear", linear, linear_prime)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, LINEAR)
}


def _softmax_prime(z: np.ndarray) -> np.ndarray:
    raise NotImplementedError(
        "the softmax derivative is a Jacobian, not element-wise; pair a softmax output layer "
        "with the log-likelihood cost, whose delta^L = a - y needs no derivative"
    )


#: The softmax output layer (chapter 3). Not element-wise, so it is not in ``ACTIVATIONS`` (whose
#: members all have an element-wise derivative); ``get_activation("softmax")`` returns it.
SOFTMAX = Activation("softmax", softmax, _softmax_prime)


def prime_from_output(activation: Activation, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sigma'(z) for ``a = activation(z)``, computed from ``a`` where that saves an exp.

    sigmoid: sigma' = a (1 - a); tanh: 1 - a^2; ReLU: 1 where z > 0; otherwise ``prime(z)``.
    The result has the dtype of ``z``.
    """
    if activation.fn is sigmoid:
        return a * (1 - a)
    if activation.fn is tanh:
        return 1 - a * a
    if activation.fn is relu:
        return (z > 0).astype(z.dtype)
    return activation.prime(z).astype(z.dtype, copy=False)


def get_activation(activation: str | Activation) -> Activation:
    """Return the :class:`Activation` named ``activation`` (or ``activation`` itself)."""
    if isinstance(activation, Activation):
        return activation
    if activation == "softmax":
        return SOFTMAX
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}, "
            "'softmax' (output layer only) "
            "or an nndl_lib.activations.Activation"
        ) from None
