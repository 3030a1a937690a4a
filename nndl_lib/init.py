"""Weight and bias initialisers (chapters 1, 3 and 6).

Every weight initialiser has the signature ``init(n_out, n_in, rng, dtype=np.float64)`` and returns
an ``(n_out, n_in)`` array drawn from a zero-mean Gaussian; they differ only in the standard
deviation:

===========  ==========================  =====================================================
name         standard deviation          where
===========  ==========================  =====================================================
"large"      1                           chapters 1-2 (the first network), chapter 3's contrast
"default"    sqrt(1 / n_in)              chapter 3's improved initialisation
"xavier"     sqrt(2 / (n_in + n_out))    Glorot & Bengio (2010), normal variant
"he"         sqrt(2 / n_in)              He et al. (2015), for ReLU layers
"ch6"        sqrt(1 / n_out)             chapter 6's code (the acknowledged n_out slip)
===========  ==========================  =====================================================

Biases are N(0, 1), as in the book (``bias_init``). Draws come from the ``numpy.random.Generator``
passed in and are made in float64, then cast, so float32 and float64 networks built from the same
seed start from the same numbers (up to rounding).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nndl_lib.validate import check_rng

__all__ = [
    "normal_weights",
    "large_weight_init",
    "default_weight_init",
    "xavier_weight_init",
    "he_weight_init",
    "ch6_weight_init",
    "bias_init",
    "WEIGHT_INITS",
    "get_weight_init",
]

WeightInit = Callable[..., np.ndarray]


def normal_weights(shape: tuple[int, ...], std: float, rng: np.random.Generator,
                   dtype=np.float64) -> np.ndarray:
    """An array of ``shape`` drawn from N(0, std^2) (in float64, then cast to ``dtype``).

    Every initialiser below is this with its own ``std``; chapter 6's convolutional filters use it
    directly with shape (F, C, KH, KW).
    """
    check_rng(rng)
    for n in shape:
        if int(n) != n or n < 1:
            raise ValueError(f"layer sizes must be positive integers; got shape {shape}")
    return (std * rng.standard_normal(shape)).astype(dtype, copy=False)


def large_weight_init(n_out: int, n_in: int, rng: np.random.Generator,
                      dtype=np.float64) -> np.ndarray:
    """w ~ N(0, 1): shape (n_out, n_in). Saturates sigmoid neurons with many inputs."""
    return normal_weights((n_out, n_in), 1.0, rng, dtype)


def default_weight_init(n_out: int, n_in: int, rng: np.random.Generator,
                        dtype=np.float64) -> np.ndarray:
    """w ~ N(0, 1/n_in): shape (n_out, n_in). Keeps z = w a + b of order 1."""
    return normal_weights((n_out, n_in), np.sqrt(1.0 / n_in), rng, dtype)


def xavier_weight_init(n_out: int, n_in: int, rng: np.random.Generator,
                       dtype=np.float64) -> np.ndarray:
    """w ~ N(0, 2/(n_in + n_out)) (Glorot normal): shape (n_out, n_in)."""
    return normal_weights((n_out, n_in), np.sqrt(2.0 / (n_in + n_out)), rng, dtype)


def he_weight_init(n_out: int, n_in: int, rng: np.random.Generator,
                   dtype=np.float64) -> np.ndarray:
    """w ~ N(0, 2/n_in) (He): shape (n_out, n_in)."""
    return normal_weights((n_out, n_in), np.sqrt(2.0 / n_in), rng, dtype)


def ch6_weight_init(n_out: int, n_in: int, rng: np.random.Generator,
                    dtype=np.float64) -> np.ndarray:
    """w ~ N(0, 1/n_out): chapter 6's faithful variant. Shape (n_out, n_in)."""
    return normal_weights((n_out, n_in), np.sqrt(1.0 / n_out), rng, dtype)


def bias_init(n_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """b ~ N(0, 1): shape (n_out,)."""
    return normal_weights((n_out,), 1.0, rng, dtype)


WEIGHT_INITS: dict[str, WeightInit] = {
    "large": large_weight_init,
    "default": default_weight_init,
    "xavier": xavier_weight_init,
    "he": he_weight_init,
    "ch6": ch6_weight_init,
}


def get_weight_init(name: str | WeightInit) -> WeightInit:
    """The weight initialiser called ``name`` (see the table above), or ``name`` if callable."""
    if callable(name):
        return name
    key = name.strip().lower() if isinstance(name, str) else name
    aliases = {"glorot": "xavier", "kaiming": "he"}
    key = aliases.get(key, key)
    try:
        return WEIGHT_INITS[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown weight initialiser {name!r}; expected one of {sorted(WEIGHT_INITS)} "
            "or a function (n_out, n_in, rng, dtype) -> array"
        ) from None
