"""Reading per-epoch curves (chapter 3): where a cost overflowed, how often it rose, when an
accuracy stopped improving, and (``WeightWatch``, a training callback) how the weights moved.

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

__all__ = ["overflowed", "rises", "plateau_epoch", "WeightWatch"]


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


class WeightWatch:
    """A training callback (``train(..., callback=WeightWatch())``) that records, after every
    epoch, what the weights (not the biases) did:

    - ``lengths``: the length ||w|| of all weights of all layers taken as one vector;
    - ``turns``: the angle in degrees by which that vector turned during the epoch (0 for the
      first epoch, which has no predecessor here);
    - ``tracked``: for each (layer, row, column) in ``track``, that weight's value per epoch.

    It never stops training (returns False).
    """

    def __init__(self, track: Sequence[tuple[int, int, int]] = ()) -> None:
        self.track = [tuple(int(i) for i in t) for t in track]
        self.lengths: list[float] = []
        self.turns: list[float] = []
        self.tracked: list[list[float]] = [[] for _ in self.track]
        self._previous: np.ndarray | None = None

    def __call__(self, epoch: int, model, history) -> bool:
        w = np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in model.weights])
        length = float(np.linalg.norm(w))
        self.lengths.append(length)
        if self._previous is None or length == 0.0:
            self.turns.append(0.0)
        else:
            cos = float(w @ self._previous) / (length * float(np.linalg.norm(self._previous)))
            self.turns.append(float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))))
        self._previous = w
        for values, (layer, row, col) in zip(self.tracked, self.track, strict=True):
            values.append(float(model.weights[layer][row, col]))
        return False
