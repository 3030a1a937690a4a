"""Batch normalisation (Ioffe and Szegedy, 2015) for fully connected layers: forward and backward.

For a mini-batch x of N rows and D features, each feature j is normalised with the batch's own
statistics, then scaled and shifted by learned parameters γ_j and β_j:

    μ_B   = (1/N) Σ_i x_i                       (mini-batch mean)
    σ_B²  = (1/N) Σ_i (x_i − μ_B)²              (mini-batch variance)
    x̂_i   = (x_i − μ_B) / √(σ_B² + ε)          (normalise)
    y_i   = γ x̂_i + β                           (scale and shift)

(Some notes print the normalisation as (x_i + μ_B)/(√σ_B² + ε); the form above is the correct one.)

At evaluation time the batch statistics are replaced by running averages collected during training,
so a single example's output does not depend on the other examples in its batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["batchnorm_forward", "batchnorm_backward", "BatchNorm"]


def _check_x(x: np.ndarray, num_features: int | None = None) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"x must be a 2-D float array of shape (N, D); got shape {x.shape}, dtype {x.dtype}. "
            "Reshape conv activations to (N, D) before batch normalisation."
        )
    if num_features is not None and x.shape[1] != num_features:
        raise ValueError(f"x must have shape (N, {num_features}); got {x.shape}")
    return x


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, dict[str, Any]]:
    """Batch-normalise x with its own mini-batch statistics, then scale by γ and shift by β.

    x: (N, D) with N ≥ 2; gamma, beta: (D,); eps > 0 keeps the division finite.
    Returns (out, cache): out (N, D); cache holds what the backward pass needs
    (x_hat, gamma, inv_std, and the batch mean and variance, which the BatchNorm layer uses
    for its running averages).
    """
    x = _check_x(x)
    N, D = x.shape
    if N < 2:
        raise ValueError(
            f"batch normalisation in training needs at least 2 examples per batch; got N = {N}. "
            "Use a larger mini-batch, or evaluation mode with running statistics."
        )
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    if gamma.shape != (D,) or beta.shape != (D,):
        raise ValueError(
            f"gamma and beta must have shape ({D},) to match x {x.shape}; "
            f"got {gamma.shape} and {beta.shape}"
        )
    if not eps > 0:
        raise ValueError(f"eps must be positive; got {eps!r}")

    mu = x.mean(axis=0)  # μ_B
    xc = x - mu
    var = (xc * xc).mean(axis=0)  # σ_B²
    inv_std = 1.0 / np.sqrt(var + eps)  # 1/√(σ_B² + ε)
    x_hat = xc * inv_std  # x̂ = (x − μ_B)/√(σ_B² + ε)
    out = gamma * x_hat + beta  # y = γ x̂ + β
    cache = {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std, "mean": mu, "var": var}
    return out, cache


def batchnorm_backward(
    dout: np.ndarray, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a scalar cost C through ``batchnorm_forward``.

    dout: (N, D) = ∂C/∂y; cache from the forward pass.
    Returns (dx (N, D), dgamma (D,), dbeta (D,)):

        ∂C/∂β = Σ_i ∂C/∂y_i
        ∂C/∂γ = Σ_i ∂C/∂y_i · x̂_i
        ∂C/∂x̂_i = ∂C/∂y_i · γ
        ∂C/∂x_i = (1/√(σ_B² + ε)) (∂C/∂x̂_i − mean_k ∂C/∂x̂_k − x̂_i · mean_k(∂C/∂x̂_k · x̂_k))

    The last line collects the three paths from x_i to C: directly through x̂_i, through μ_B and
    through σ_B².
    """
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dout = np.asarray(dout)
    if dout.shape != x_hat.shape:
        raise ValueError(
            f"dout must have the shape of the forward output, {x_hat.shape}; got {dout.shape}"
        )
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta


class BatchNorm:
    """A batch-normalisation layer for (N, num_features) activations, with running statistics.

    Parameters γ (``gamma``, starts at 1) and β (``beta``, starts at 0); after ``backward`` their
    gradients are in ``dgamma`` and ``dbeta``; ``params`` / ``grads`` list them in the same order,
    ready for an optimiser's ``step(params, grads)``.

    In training (``train=True``) the layer normalises with the batch statistics and updates

        running_mean → momentum · running_mean + (1 − momentum) · μ_B
        running_var  → momentum · running_var  + (1 − momentum) · σ_B² · N/(N − 1)

    (the unbiased variance estimate, as in the original paper's inference step). In evaluation
    (``train=False``) it uses ``(x − running_mean)/√(running_var + ε)`` instead, so each example's
    output is independent of its batch.
    """

    def __init__(
        self,
        num_features: int,
        momentum: float = 0.9,
        eps: float = 1e-5,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        if not isinstance(num_features, int | np.integer) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer; got {num_features!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"eps must be positive; got {eps!r}")
        self.num_features = int(num_features)
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.dtype = np.dtype(dtype)
        self.gamma = np.ones(self.num_features, dtype=self.dtype)
        self.beta = np.zeros(self.num_features, dtype=self.dtype)
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self._cache: dict[str, Any] | None = None

    @property
    def params(self) -> list[np.ndarray]:
        """[gamma, beta], the arrays an optimiser updates in place."""
        return [self.gamma, self.beta]

    @property
    def grads(self) -> list[np.ndarray]:
        """[dgamma, dbeta] from the last ``backward``."""
        return [self.dgamma, self.dbeta]

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x: (N, num_features) → (N, num_features). ``train`` picks batch or running statistics."""
        x = _check_x(x, self.num_features)
        if train:
            out, self._cache = batchnorm_forward(x, self.gamma, self.beta, self.eps)
            N = x.shape[0]
            m = self.momentum
            self.running_mean *= m
            self.running_mean += (1 - m) * self._cache["mean"]
            self.running_var *= m
            self.running_var += (1 - m) * self._cache["var"] * (N / (N - 1))
            return out
        self._cache = None
        x_hat = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return self.gamma * x_hat + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, num_features) = ∂C/∂y → ∂C/∂x; stores ``dgamma`` and ``dbeta``.

        Needs a preceding ``forward(x, train=True)`` (evaluation mode keeps no cache).
        """
        if self._cache is None:
            raise RuntimeError(
                "BatchNorm.backward needs the cache of a training forward pass; "
                "call forward(x, train=True) first"
            )
        dx, self.dgamma, self.dbeta = batchnorm_backward(dout, self._cache)
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, momentum={self.momentum}, eps={self.eps})"
