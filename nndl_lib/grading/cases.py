"""Random test cases for the library's kernels: plain arrays drawn from a Generator.

Fully connected networks of random sizes and dtypes (:func:`fc_case`, :func:`fc_cases`),
saturated weighted inputs (:func:`saturated`), inputs for finite differences
(:func:`well_conditioned`), tie-heavy pooling inputs (:func:`tie_heavy`), convolution and pooling
shapes with strides and padding (:func:`conv_cases`, :func:`pool_cases`), batch-normalisation
and dropout problems. Every generator takes a ``numpy.random.Generator`` (or an int seed).
:mod:`nndl_lib.grading.checks` re-exports them beside the comparisons that use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nndl_lib.deep.conv import conv_output_size
from nndl_lib.validate import as_rng

__all__ = [
    "FCCase",
    "fc_case",
    "fc_cases",
    "saturated",
    "range_edges",
    "well_conditioned",
    "tie_heavy",
    "ConvCase",
    "conv_cases",
    "PoolCase",
    "pool_cases",
    "batchnorm_case",
    "dropout_case",
]


@dataclass
class FCCase:
    """A fully connected problem in the library's shapes.

    x: (N, sizes[0]); y: (N, sizes[-1]); weights[i]: (sizes[i+1], sizes[i]);
    biases[i]: (sizes[i+1],).
    """

    sizes: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]

    @property
    def label(self) -> str:
        return (f"network {list(self.sizes)}, N = {self.x.shape[0]}, {self.x.dtype}")

    def arrays(self) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Deep copies of (x, y, weights, biases)."""
        return (self.x.copy(), self.y.copy(), [w.copy() for w in self.weights],
                [b.copy() for b in self.biases])


def fc_case(rng: np.random.Generator | int, sizes: Sequence[int] | None = None,
            n: int | None = None, dtype: Any = np.float64, *, saturated: bool = False,
            targets: str = "one-hot") -> FCCase:
    """A random fully connected problem.

    sizes: layer sizes (default: 2 to 4 layers of 1 to 7 neurons); n: rows (default 1 to 6).
    Weights N(0, 1/n_in) and biases N(0, 1); ``saturated=True`` scales the weights and biases
    by 20 so that most weighted inputs z are far in the sigmoid's flat tails. targets:
    "one-hot" rows, "unit" (uniform in (0, 1)) or "labels-prob" (rows summing to 1).
    """
    rng = as_rng(rng)
    if sizes is None:
        sizes = tuple(int(s) for s in rng.integers(1, 8, size=int(rng.integers(2, 5))))
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer sizes; got {sizes}")
    n = int(rng.integers(1, 7)) if n is None else int(n)
    scale = 20.0 if saturated else 1.0
    x = rng.standard_normal((n, sizes[0]))
    weights = [scale * rng.standard_normal((o, i)) / np.sqrt(i)
               for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [scale * rng.standard_normal(o) for o in sizes[1:]]
    k = sizes[-1]
    if targets == "one-hot":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    elif targets == "unit":
        y = rng.uniform(0.05, 0.95, size=(n, k))
    elif targets == "labels-prob":
        y = rng.dirichlet(np.ones(k), size=n)
    else:
        raise ValueError(f"targets must be 'one-hot', 'unit' or 'labels-prob'; got {targets!r}")
    dt = np.dtype(dtype)
    return FCCase(sizes, x.astype(dt), y.astype(dt), [w.astype(dt) for w in weights],
                  [b.astype(dt) for b in biases])


def fc_cases(rng: np.random.Generator | int, count: int = 6,
             dtypes: Sequence[Any] = (np.float64,), **kwargs: Any) -> list[FCCase]:
    """``count`` varied problems: always one example (N = 1), one net without hidden layer and
    one with three hidden layers, then random sizes; dtypes cycle through ``dtypes``."""
    rng = as_rng(rng)
    fixed = [dict(n=1), dict(sizes=(int(rng.integers(2, 6)), int(rng.integers(1, 5)))),
             dict(sizes=tuple(int(s) for s in rng.integers(1, 6, size=5)))]
    out = []
    for i in range(count):
        spec = fixed[i] if i < len(fixed) else {}
        out.append(fc_case(rng, dtype=dtypes[i % len(dtypes)], **spec, **kwargs))
    return out


def saturated(rng: np.random.Generator | int, shape: tuple[int, ...], scale: float = 40.0,
              dtype: Any = np.float64, extreme: bool = True) -> np.ndarray:
    """Weighted inputs deep in a sigmoid's tails: |z| between scale/2 and 2*scale, random sign;
    with ``extreme`` a few entries are +-1000 (exp overflows there unless written stably)."""
    rng = as_rng(rng)
    z = rng.uniform(scale / 2, 2 * scale, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if extreme and z.size >= 2:
        flat = z.reshape(-1)
        flat[0], flat[-1] = -1000.0, 1000.0
    return z.astype(dtype)


def range_edges(rng: np.random.Generator | int) -> list[tuple[np.ndarray, str]]:
    """Inputs, with their labels, where a naive exp overflows or a naive formula loses the value:
    saturated z (:func:`saturated`, with +-1000), then float64 and float32 z at the edges of
    their ranges (largest, smallest normal, float64's smallest subnormal, and either side of
    where exp overflows), in random order."""
    rng = as_rng(rng)
    f64, f32 = np.finfo(np.float64), np.finfo(np.float32)
    edges64 = np.array([f64.max, -f64.max, f64.tiny, -f64.tiny, 5e-324, -5e-324, 710.0, -710.0,
                        746.0, -746.0])
    edges32 = np.array([f32.max, -f32.max, f32.tiny, -f32.tiny, 89.0, -89.0, 104.0, -104.0],
                       dtype=np.float32)
    return [(saturated(rng, (4, 6)), "|z| from 20 to 80, and z = -1000 and z = +1000"),
            (rng.permutation(edges64), "float64 z at the edges of its range: +-1.8e308, "
                                       "+-2.2e-308, +-5e-324, +-710 and +-746 (e^710 overflows "
                                       "float64)"),
            (rng.permutation(edges32), "float32 z at the edges of its range: +-3.4e38, "
                                       "+-1.2e-38, +-89 and +-104 (e^89 overflows float32)")]


def well_conditioned(shape: tuple[int, ...], rng: np.random.Generator | int,
                     signed: bool = True) -> np.ndarray:
    """Entries with distinct magnitudes in [0.5, 1.5), at least 1/size apart, random sign.

    No ties (so max pooling is differentiable there and h = 1e-5 never reorders entries) and no
    entries near 0, whose tiny gradients would make a relative error measure rounding noise.
    """
    rng = as_rng(rng)
    n = int(np.prod(shape))
    magnitude = 0.5 + rng.permutation(n) / n
    if not signed:
        return magnitude.reshape(shape)
    return (magnitude * rng.choice([-1.0, 1.0], size=n)).reshape(shape)


def tie_heavy(shape: tuple[int, ...], rng: np.random.Generator | int, levels: int = 3,
              dtype: Any = np.float64) -> np.ndarray:
    """Entries drawn from only ``levels`` values (0, 1, ...), so pooling windows hold many ties:
    the case where max-pool kernels must agree on which maximum gets the gradient."""
    rng = as_rng(rng)
    return rng.integers(0, levels, size=shape).astype(dtype)


@dataclass(frozen=True)
class ConvCase:
    """A convolution problem: x (N, C, H, W), w (F, C, KH, KW), stride, pad."""

    N: int
    C: int
    H: int
    W: int
    F: int
    KH: int
    KW: int
    stride: int = 1
    pad: int = 0

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.F, conv_output_size(self.H, self.KH, self.stride, self.pad),
                conv_output_size(self.W, self.KW, self.stride, self.pad))

    @property
    def label(self) -> str:
        return (f"N{self.N}C{self.C}H{self.H}W{self.W}F{self.F}k{self.KH}x{self.KW}"
                f"s{self.stride}p{self.pad}")

    def arrays(self, rng: np.random.Generator | int, dtype: Any = np.float64
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Standard-normal (x, w, b, dout) for this case."""
        rng = as_rng(rng)
        x = rng.standard_normal((self.N, self.C, self.H, self.W))
        w = rng.standard_normal((self.F, self.C, self.KH, self.KW))
        b = rng.standard_normal(self.F)
        dout = rng.standard_normal(self.out_shape)
        return tuple(a.astype(dtype) for a in (x, w, b, dout))


def conv_cases(rng: np.random.Generator | int, count: int = 6, max_size: int = 9
               ) -> list[ConvCase]:
    """``count`` random valid convolution shapes: strides 1-3, pads 0-2, non-square kernels and
    images; every (H + 2 pad - KH) is a multiple of the stride, as the kernels require."""
    rng = as_rng(rng)
    cases = []
    while len(cases) < count:
        KH, KW = (int(k) for k in rng.integers(1, 5, size=2))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        Ho, Wo = (int(k) for k in rng.integers(1, 5, size=2))
        H, W = (Ho - 1) * stride + KH - 2 * pad, (Wo - 1) * stride + KW - 2 * pad
        if min(H, W) < 1 or max(H, W) > max_size or pad >= max(KH, KW):
            continue
        cases.append(ConvCase(int(rng.integers(1, 3)), int(rng.integers(1, 4)), H, W,
                              int(rng.integers(1, 4)), KH, KW, stride, pad))
    return cases


@dataclass(frozen=True)
class PoolCase:
    """A pooling problem: x (N, C, H, W), square windows of ``size``, ``stride``."""

    N: int
    C: int
    H: int
    W: int
    size: int = 2
    stride: int = 2

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, conv_output_size(self.H, self.size, self.stride),
                conv_output_size(self.W, self.size, self.stride))

    @property
    def label(self) -> str:
        return f"N{self.N}C{self.C}H{self.H}W{self.W}size{self.size}s{self.stride}"


def pool_cases(rng: np.random.Generator | int, count: int = 6) -> list[PoolCase]:
    """``count`` random pooling shapes whose windows tile the input (overlapping, gapped and
    exactly tiling windows all occur)."""
    rng = as_rng(rng)
    cases = []
    for _ in range(count):
        size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        Ho, Wo = (int(k) for k in rng.integers(1, 5, size=2))
        cases.append(PoolCase(int(rng.integers(1, 3)), int(rng.integers(1, 4)),
                              (Ho - 1) * stride + size, (Wo - 1) * stride + size, size, stride))
    return cases


def batchnorm_case(rng: np.random.Generator | int, N: int | None = None, D: int | None = None,
                   dtype: Any = np.float64
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, gamma, beta, dout) for batch normalisation: x (N, D) with features on different
    scales and offsets, N >= 2."""
    rng = as_rng(rng)
    N = int(rng.integers(2, 9)) if N is None else int(N)
    D = int(rng.integers(1, 6)) if D is None else int(D)
    x = rng.normal(loc=rng.normal(0, 3, size=D), scale=rng.uniform(0.5, 4, size=D), size=(N, D))
    gamma = rng.normal(size=D) + 1.0
    beta = rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def dropout_case(rng: np.random.Generator | int, shape: tuple[int, ...] | None = None,
                 p: float | None = None, dtype: Any = np.float64
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """(x, mask, p): activations x, a 0/1 mask dropping each unit with probability p (drawn as
    the library does, ``rng.random(shape) >= p``), and p in [0.1, 0.8]."""
    rng = as_rng(rng)
    if shape is None:
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 9)))
    p = float(rng.uniform(0.1, 0.8)) if p is None else float(p)
    x = rng.standard_normal(shape).astype(dtype)
    mask = (rng.random(shape) >= p).astype(dtype)
    return x, mask, p
