"""Reading per-epoch curves (chapter 3): where a cost overflowed, how often it rose, and when an
accuracy stopped improving.

A cost "overflows" when a sigmoid or softmax output saturates at exactly 0 or 1 on the wrong
side: ln 0 is infinite, and the cost functions of :mod:`nndl_lib.costs` turn an infinite total into
the largest finite float of the network's dtype before dividing by the number of examples (about
3.4e38 / n in float32). Such a value is not a measurement of how far the network is from its
targets, only a sign that it has blown up, so it must not be drawn on a linear axis beside real
costs nor counted as the cost "going up".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["overflowed", "rises", "plateau_epoch"]


def overflowed(values: Sequence[float], dtype=np.float32) -> np.ndarray:
    """Boolean mask (len(values),): True where a value is not finite or lies within a factor
    10^6 of the largest float of ``dtype`` (an infinite cost turned into that float and divided
    by up to a million examples)."""
    v = np.asarray(values, dtype=np.float64)
    limit = float(np.finfo(np.dtype(dtype)).max) / 1e6
    return ~np.isfinite(v) | (np.abs(v) >= limit)


def rises(values: Sequence[float], dtype=np.float32) -> int:
    """How many times the curve went up from one epoch to the next, counting only pairs of
    epochs whose values are both real measurements (neither overflowed)."""
    v = np.asarray(values, dtype=np.float64)
    ok = ~overflowed(v, dtype)
    both = ok[1:] & ok[:-1]
    return int(np.sum((np.diff(v) > 0) & both))


def plateau_epoch(accuracies: Sequence[float], tolerance: float = 0.005) -> int:
    """The first epoch (0-based) after which the best accuracy so far never rises by more than
    ``tolerance`` (same unit as the accuracies: 0.005 = half a percentage point for fractions).

    This is where a curve "pretty much stops improving": later epochs add at most ``tolerance``
    to the best value reached by then.
    """
    a = np.asarray(accuracies, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"accuracies must be a non-empty 1-D sequence; got shape {a.shape}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance!r}")
    best_so_far = np.maximum.accumulate(a)
    return int(np.argmax(best_so_far >= a.max() - tolerance))
