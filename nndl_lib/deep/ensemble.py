"""Ensembles of networks by plurality vote (the end of chapter 6: five dropout nets, 99.67%).

Each network votes for one label per image; the ensemble answers the label with the most votes.
**Tie rule:** when several labels share the most votes, the SMALLEST of those labels wins. The
rule is deterministic and does not depend on the order of the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["plurality_vote", "ensemble_predict", "ensemble_accuracy"]


def plurality_vote(predictions: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
    """predictions: (n_models, N) non-negative int labels → (N,) the most-voted label per column.

    Ties go to the smallest tied label. Example: votes [3, 5, 5, 3] → 3 (two each; 3 < 5).
    """
    p = np.asarray(predictions)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(
            f"predictions must have shape (n_models, N) with n_models >= 1; got {p.shape}"
        )
    if p.size and not np.issubdtype(p.dtype, np.integer):
        raise ValueError(f"predictions must be integer labels; got dtype {p.dtype}")
    n_models, N = p.shape
    if N == 0:
        return np.zeros(0, dtype=np.int64)
    if p.min() < 0:
        raise ValueError(f"labels must be non-negative; got minimum {p.min()}")
    votes = np.zeros((N, int(p.max()) + 1), dtype=np.int64)
    for model_votes in p:
        votes[np.arange(N), model_votes] += 1
    return np.argmax(votes, axis=1)  # argmax returns the first (smallest) label among ties


def ensemble_predict(nets: Sequence, x: np.ndarray) -> np.ndarray:
    """Plurality vote of ``net.predict(x)`` over ``nets`` → int labels (N,)."""
    if len(nets) == 0:
        raise ValueError("ensemble needs at least one network; got an empty sequence")
    return plurality_vote(np.stack([np.asarray(net.predict(x)) for net in nets]))


def ensemble_accuracy(nets: Sequence, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of (x, y) the plurality vote of ``nets`` gets right, in [0, 1].

    x: what every net's ``predict`` accepts (e.g. (N, 784)); y: int labels (N,).
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must be int labels of shape ({len(x)},); got {y.shape}")
    return float(np.mean(ensemble_predict(nets, x) == y)) if len(y) else 0.0
