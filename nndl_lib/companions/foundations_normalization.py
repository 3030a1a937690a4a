"""Normalising data and activations: min-max and z-score scaling, local response normalisation.

The foundations page of the course. Batch normalisation lives in :mod:`nndl_lib.batchnorm`.

**Data normalisation** rescales every input feature (column) with statistics of the *training*
data, and applies the same statistics to validation and test data:

    min-max:  x' = (x − min) / (max − min)     each feature in [0, 1] on the training data
    z-score:  x' = (x − μ) / σ                 mean 0 and standard deviation 1 on the training data

A feature that is constant on the training data (max = min, or σ = 0; e.g. MNIST's border pixels)
carries no information there and is mapped to 0.

**Local response normalisation** (LRN; Krizhevsky, Sutskever and Hinton, 2012) divides each
activation by a measure of the activity of the same position in neighbouring channels:

    b^i_{x,y} = a^i_{x,y} / (k + α Σ_{j = max(0, i − n//2)}^{min(C − 1, i + n//2)} (a^j_{x,y})²)^β

with C channels; the window spans the n channels centred on channel i (channels i − 2 .. i + 2
for n = 5; an even n behaves like n + 1), truncated at the first and last channel. AlexNet used
k = 2, n = 5, α = 10⁻⁴, β = 0.75 (the defaults here). Shapes: ``a: (N, C, H, W)``. The
kernels follow the library's convention: ``lrn_backward(dout, a, ...)`` recomputes what it needs
and returns ∂C/∂a.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.validate import check_int

__all__ = [
    "minmax_statistics",
    "minmax_normalize",
    "zscore_statistics",
    "zscore_normalize",
    "lrn_forward",
    "lrn_backward",
]


def _check_2d(x: np.ndarray, name: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array of shape (N, features); got "
                         f"shape {x.shape}, dtype {x.dtype}")
    return x


def minmax_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature minimum and maximum of training data x: (N, D) -> (lo (D,), hi (D,))."""
    x = _check_2d(x)
    if len(x) == 0:
        raise ValueError("x has no rows; statistics need at least one example")
    return x.min(axis=0).astype(np.float64), x.max(axis=0).astype(np.float64)


def minmax_normalize(x: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     dtype: np.dtype | type = np.float32) -> np.ndarray:
    """x' = (x − lo)/(hi − lo) per feature; features with hi == lo become 0.

    x: (N, D); lo, hi: (D,) from :func:`minmax_statistics` of the training data.
    """
    x = _check_2d(x)
    span = np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64)
    if span.shape != (x.shape[1],):
        raise ValueError(f"lo and hi must have shape ({x.shape[1]},); got {span.shape}")
    scale = np.divide(1.0, span, out=np.zeros_like(span), where=span > 0)
    return ((x - lo) * scale).astype(dtype)


def zscore_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of training data x: (N, D) -> (mu, sigma)."""
    x = _check_2d(x)
    if len(x) == 0:
        raise ValueError("x has no rows; statistics need at least one example")
    x64 = x.astype(np.float64)
    return x64.mean(axis=0), x64.std(axis=0)


def zscore_normalize(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
                     dtype: np.dtype | type = np.float32) -> np.ndarray:
    """x' = (x − mu)/sigma per feature; features with sigma == 0 become 0.

    x: (N, D); mu, sigma: (D,) from :func:`zscore_statistics` of the training data.
    """
    x = _check_2d(x)
    sigma = np.asarray(sigma, dtype=np.float64)
    if sigma.shape != (x.shape[1],) or np.shape(mu) != (x.shape[1],):
        raise ValueError(f"mu and sigma must have shape ({x.shape[1]},); got {np.shape(mu)}, "
                         f"{sigma.shape}")
    scale = np.divide(1.0, sigma, out=np.zeros_like(sigma), where=sigma > 0)
    return ((x - mu) * scale).astype(dtype)


def _check_lrn(a: np.ndarray, n: int, k: float, alpha: float, beta: float) -> None:
    if not isinstance(a, np.ndarray) or a.ndim != 4:
        raise ValueError(f"a must be a NumPy array of shape (N, C, H, W); got "
                         f"{getattr(a, 'shape', type(a).__name__)}")
    check_int(n, "n (channels in the window)", minimum=1)
    if not k > 0 or alpha < 0 or beta < 0:
        raise ValueError(f"need k > 0, alpha >= 0, beta >= 0; got k={k}, alpha={alpha}, "
                         f"beta={beta}")


def _window_sums(sq: np.ndarray, n: int) -> np.ndarray:
    """Σ over the channel window of each channel: sq (N, C, H, W) -> (N, C, H, W).

    Channel i sums channels max(0, i − n//2) .. min(C − 1, i + n//2): 2·(n//2) + 1 channels
    away from the edges (n for odd n, as always in practice).
    """
    C = sq.shape[1]
    half = n // 2
    cumulative = np.concatenate([np.zeros_like(sq[:, :1]), np.cumsum(sq, axis=1)], axis=1)
    upper = np.minimum(np.arange(C) + half, C - 1) + 1
    lower = np.maximum(np.arange(C) - half, 0)
    return cumulative[:, upper] - cumulative[:, lower]


def lrn_forward(a: np.ndarray, n: int = 5, k: float = 2.0, alpha: float = 1e-4,
                beta: float = 0.75) -> np.ndarray:
    """Local response normalisation across channels (see the module docstring).

    a: (N, C, H, W) -> b: (N, C, H, W), b^i = a^i / (k + α Σ_window (a^j)²)^β.
    """
    _check_lrn(a, n, k, alpha, beta)
    denom = k + alpha * _window_sums(a * a, n)  # k + α Σ_j (a^j)²
    return a / denom**beta


def lrn_backward(dout: np.ndarray, a: np.ndarray, n: int = 5, k: float = 2.0,
                 alpha: float = 1e-4, beta: float = 0.75) -> np.ndarray:
    """Gradient of :func:`lrn_forward`: dout (N, C, H, W) = ∂C/∂b -> ∂C/∂a (N, C, H, W).

    With D_i = k + α S_i (S_i the window sum of channel i):
    ∂b_i/∂a_i = D_i^{−β} directly, and every b_i whose window contains channel j depends on a_j
    through S_i: ∂b_i/∂a_j += −2αβ a_i a_j D_i^{−β−1}. The window relation is symmetric (j is in
    i's window exactly when i is in j's), so the second term is again a window sum.
    """
    _check_lrn(a, n, k, alpha, beta)
    if not isinstance(dout, np.ndarray) or dout.shape != a.shape:
        raise ValueError(f"dout must have the forward output's shape {a.shape}; "
                         f"got {getattr(dout, 'shape', type(dout).__name__)}")
    denom = k + alpha * _window_sums(a * a, n)
    direct = dout * denom**-beta
    # j is in channel i's window exactly when i is in j's (|i − j| <= n//2): a window sum again
    gathered = _window_sums(dout * a * denom ** (-beta - 1), n)
    return direct - 2 * alpha * beta * a * gathered
