"""Input checks shared by every model of the library: one place for one error message each.

Each function takes what a user passed and returns it in the form the library computes with
(a C-contiguous array of the right dtype, int64 labels, ...) or raises an error that says what was
expected, what was found, and what to do. ``what`` names the argument in the message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "FLOAT_DTYPES",
    "check_dtype",
    "check_int",
    "check_positive",
    "check_probability",
    "as_rng",
    "check_rng",
    "as_batch",
    "as_labels",
    "as_targets",
    "split_pair",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype if it is float32 or float64, else a ValueError."""
    d = np.dtype(dtype)
    if d not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64; got {d}")
    return d


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int if it is an integer >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a float if it is finite and > 0 (>= 0 with ``allow_zero``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number; got {value!r}")
    return v


def check_probability(value: Any, name: str) -> float:
    """``value`` as a float in [0, 1) (a dropout probability, a momentum coefficient, ...)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1); got {value!r}") from None
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must lie in [0, 1); got {value!r}")
    return v


def as_rng(seed: int | np.random.Generator | None, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator``: the one given, or a new one from a seed (None: fresh).

    name: the argument's name in the error message (``seed``, ``rng``).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"{name} must be an int, a numpy.random.Generator or None; "
                        f"got {type(seed).__name__}")
    return np.random.default_rng(seed)


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """``rng`` if it is a ``numpy.random.Generator``, else a TypeError.

    For kernels called many times with one generator (an initialiser per layer, a dropout mask
    per mini-batch): a seed there would draw the same numbers at every call.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. "
                        f"np.random.default_rng(seed)); got {type(rng).__name__}")
    return rng


def as_batch(x: Any, shape: Sequence[int], dtype: np.dtype, what: str = "x") -> np.ndarray:
    """x as a C-contiguous array (N, *shape) of ``dtype``.

    Accepts (N, *shape) or any (N, ...) with prod(shape) values per example (a flat (N, 784) for
    images (N, 1, 28, 28), for instance). Refuses non-numeric data and NaN or infinite values.
    """
    x = np.asarray(x)
    shape = tuple(int(s) for s in shape)
    size = math.prod(shape)
    if x.ndim < 2 or math.prod(x.shape[1:]) != size:
        dims = ", ".join(map(str, shape))
        alt = f" or (N, {size})" if len(shape) > 1 else ""
        raise ValueError(f"{what} must have shape (N, {dims}){alt}; got {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"{what} must be numeric; got dtype {x.dtype}")
    x = np.ascontiguousarray(x.reshape((x.shape[0],) + shape), dtype=dtype)
    # one cheap pass: NaN and inf propagate into the sum (a finite overflow is re-checked)
    if not np.isfinite(np.sum(x)) and not np.isfinite(x).all():
        raise ValueError(f"{what} contains NaN or infinite values; clean the data first")
    return x


def as_labels(y: Any, n: int, n_classes: int, what: str = "y") -> np.ndarray:
    """Integer class labels (n,) in [0, n_classes), as int64.

    y: int labels (n,) (floats holding whole numbers are accepted), or one-hot / score rows
    (n, n_classes), whose argmax is taken. With a single output (n_classes == 1), y holds the
    targets and the label is y > 0.5.
    """
    y = np.asarray(y)
    if n_classes == 1:
        if y.shape not in ((n,), (n, 1)):
            raise ValueError(f"{what} must have shape ({n},) or ({n}, 1); got {y.shape}")
        return (y.reshape(n) > 0.5).astype(np.int64)
    if y.ndim == 2:
        if y.shape != (n, n_classes):
            raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_classes}) "
                             f"(one-hot); got {y.shape}")
        return np.argmax(y, axis=1)
    if y.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_classes}) "
                         f"(one-hot); got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        whole = (np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y))
                 and np.all(y == np.round(y)))
        if not whole:
            raise ValueError(f"{what} labels must be integers in [0, {n_classes}); got dtype "
                             f"{y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{what} labels must lie in [0, {n_classes}) for {n_classes} classes; "
                         f"got values from {y.min()} to {y.max()}")
    return y.astype(np.int64, copy=False)


def as_targets(y: Any, n: int, n_out: int, dtype: np.dtype, what: str = "y") -> np.ndarray:
    """Target rows (n, n_out) of ``dtype``: one-hot rows from int labels (n,), or y itself.

    With a single output neuron, (n,) is read as the target values themselves.
    """
    y = np.asarray(y)
    if y.ndim == 2 or n_out == 1:
        if y.shape not in ((n, n_out),) + (((n,),) if n_out == 1 else ()):
            raise ValueError(f"{what} must have shape ({n},) (labels) or ({n}, {n_out}) "
                             f"(one-hot); got {y.shape}")
        t = np.ascontiguousarray(y.reshape(n, n_out), dtype=dtype)
        if not np.isfinite(t).all():
            raise ValueError(f"{what} contains NaN or infinite values")
        return t
    labels = as_labels(y, n, n_out, what)
    t = np.zeros((n, n_out), dtype=dtype)
    t[np.arange(n), labels] = 1.0
    return t


def split_pair(data: Any, what: str) -> tuple[Any, Any]:
    """(x, y) from a pair, or a TypeError naming ``what``."""
    try:
        x, y = data
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a pair (x, y) of inputs and labels; got "
                        f"{type(data).__name__}") from None
    if np.shape(y)[:1] != np.shape(x)[:1]:
        raise ValueError(f"{what}: x has {np.shape(x)[0]} rows but y has shape {np.shape(y)}")
    return x, y
