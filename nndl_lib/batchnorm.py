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

**Layer normalisation** (Ba, Kiros and Hinton, 2016) uses the same four lines with the statistics
of each *example* over its D features instead of each feature over the batch (μ_i and σ_i² are
means over j of x_ij), so it works for a batch of one and needs no running averages; γ and β are
still one per feature.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.validate import check_int, check_positive, check_probability

__all__ = ["batchnorm_forward", "batchnorm_backward", "BatchNorm", "layernorm_forward",
           "layernorm_backward"]


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


def _batch_statistics(x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu_B, sigma_B^2, x_hat) of a checked batch x (N, D), N >= 2."""
    mu = x.mean(axis=0)  # mu_B
    xc = x - mu
    var = (xc * xc).mean(axis=0)  # sigma_B^2
    x_hat = xc / np.sqrt(var + eps)  # x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps)
    return mu, var, x_hat


def _check_batch(x: np.ndarray, gamma: np.ndarray, eps: float) -> np.ndarray:
    x = _check_x(x)
    N, D = x.shape
    if N < 2:
        raise ValueError(
            f"batch normalisation in training needs at least 2 examples per batch; got N = {N}. "
            "Use a larger mini-batch, or evaluation mode with running statistics."
        )
    if np.shape(gamma) != (D,):
        raise ValueError(f"gamma must have shape ({D},) to match x {x.shape}; "
                         f"got {np.shape(gamma)}")
    check_positive(eps, "eps")
    return x


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """Batch-normalise x with its own mini-batch statistics, then scale by gamma, shift by beta.

    x: (N, D) with N >= 2; gamma, beta: (D,); eps > 0 keeps the division finite.
    Returns y: (N, D), y = gamma x_hat + beta.
    """
    x = _check_batch(x, gamma, eps)
    if np.shape(beta) != (x.shape[1],):
        raise ValueError(f"beta must have shape ({x.shape[1]},) to match x {x.shape}; "
                         f"got {np.shape(beta)}")
    _, _, x_hat = _batch_statistics(x, eps)
    return gamma * x_hat + beta  # y = gamma x_hat + beta


def batchnorm_backward(
    dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a scalar cost C through ``batchnorm_forward(x, gamma, beta, eps)``.

    dout: (N, D) = dC/dy; x, gamma, eps: as given to the forward pass (beta is not needed).
    Returns (dx (N, D), dgamma (D,), dbeta (D,)):

        dC/dbeta   = sum_i dC/dy_i
        dC/dgamma  = sum_i dC/dy_i x_hat_i
        dC/dx_hat_i = dC/dy_i gamma
        dC/dx_i    = (1/sqrt(sigma_B^2 + eps)) (dC/dx_hat_i - mean_k dC/dx_hat_k
                                                - x_hat_i mean_k(dC/dx_hat_k x_hat_k))

    The last line collects the three paths from x_i to C: directly through x_hat_i, through mu_B
    and through sigma_B^2.
    """
    x = _check_batch(x, gamma, eps)
    dout = np.asarray(dout)
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the forward output's shape {x.shape}; got {dout.shape}")
    _, var, x_hat = _batch_statistics(x, eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)
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
        num_features = check_int(num_features, "num_features", minimum=1)
        self.num_features = num_features
        self.momentum = check_probability(momentum, "momentum")
        self.eps = check_positive(eps, "eps")
        self.dtype = np.dtype(dtype)
        self.gamma = np.ones(self.num_features, dtype=self.dtype)
        self.beta = np.zeros(self.num_features, dtype=self.dtype)
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.x: np.ndarray | None = None  # the last training batch, for backward

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
            out = batchnorm_forward(x, self.gamma, self.beta, self.eps)
            mu, var, _ = _batch_statistics(x, self.eps)
            N = x.shape[0]
            m = self.momentum
            self.running_mean *= m
            self.running_mean += (1 - m) * mu
            self.running_var *= m
            self.running_var += (1 - m) * var * (N / (N - 1))
            self.x = x
            return out
        self.x = None
        x_hat = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return self.gamma * x_hat + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, num_features) = ∂C/∂y → ∂C/∂x; stores ``dgamma`` and ``dbeta``.

        Needs a preceding ``forward(x, train=True)`` (evaluation mode keeps no cache).
        """
        if self.x is None:
            raise RuntimeError(
                "BatchNorm.backward needs a training forward pass first; "
                "call forward(x, train=True)"
            )
        dx, self.dgamma, self.dbeta = batchnorm_backward(dout, self.x, self.gamma, self.eps)
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, momentum={self.momentum}, eps={self.eps})"


# --------------------------------------------------------------------------------------------
# Layer normalisation: the statistics of each row (example) instead of each column (feature)
# --------------------------------------------------------------------------------------------


def _check_rows(x: np.ndarray, gamma: np.ndarray, eps: float) -> np.ndarray:
    x = _check_x(x)
    if np.shape(gamma) != (x.shape[1],):
        raise ValueError(f"gamma must have shape ({x.shape[1]},) to match x {x.shape}; "
                         f"got {np.shape(gamma)}")
    check_positive(eps, "eps")
    return x


def _row_statistics(x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(sigma_i^2 (N, 1), x_hat (N, D)) of each row of a checked x (N, D)."""
    xc = x - x.mean(axis=1, keepdims=True)  # x_ij - mu_i
    var = (xc * xc).mean(axis=1, keepdims=True)  # sigma_i^2
    return var, xc / np.sqrt(var + eps)  # x_hat_ij = (x_ij - mu_i) / sqrt(sigma_i^2 + eps)


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """Layer-normalise each row of x with its own mean and variance over its D features, then
    scale by gamma and shift by beta.

    x: (N, D), any N >= 1; gamma, beta: (D,); eps > 0. Returns y: (N, D), y = gamma x_hat + beta.
    """
    x = _check_rows(x, gamma, eps)
    if np.shape(beta) != (x.shape[1],):
        raise ValueError(f"beta must have shape ({x.shape[1]},) to match x {x.shape}; "
                         f"got {np.shape(beta)}")
    _, x_hat = _row_statistics(x, eps)
    return gamma * x_hat + beta


def layernorm_backward(
    dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a scalar cost C through ``layernorm_forward(x, gamma, beta, eps)``.

    dout: (N, D) = dC/dy. Returns (dx (N, D), dgamma (D,), dbeta (D,)): batch normalisation's
    backward with the means over each row's features (mean_k below runs over k = 1..D):

        dC/dbeta_j  = sum_i dC/dy_ij          dC/dgamma_j = sum_i dC/dy_ij x_hat_ij
        dC/dx_ij    = (1/sqrt(sigma_i^2 + eps)) (dx_hat_ij - mean_k dx_hat_ik
                                                 - x_hat_ij mean_k(dx_hat_ik x_hat_ik))

    with dx_hat_ij = dC/dy_ij gamma_j.
    """
    x = _check_rows(x, gamma, eps)
    dout = np.asarray(dout)
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the forward output's shape {x.shape}; got {dout.shape}")
    var, x_hat = _row_statistics(x, eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dx, dgamma, dbeta
