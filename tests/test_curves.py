"""Per-epoch curve helpers (nndl_lib.curves)."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.costs import CrossEntropyCost
from nndl_lib.curves import overflowed, plateau_epoch, rises


def test_a_saturated_wrong_output_gives_a_cost_that_counts_as_overflow():
    a = np.array([[1.0, 0.0]], dtype=np.float32)  # certain, and wrong
    y = np.array([[0.0, 1.0]], dtype=np.float32)
    cost = CrossEntropyCost.fn(a, y)
    assert np.isfinite(cost) and cost > 1e30
    assert overflowed([0.5, cost, np.inf, np.nan]).tolist() == [False, True, True, True]
    assert not overflowed([1e30], dtype=np.float64)[0]


def test_rises_ignore_steps_into_or_out_of_an_overflow():
    big = float(np.finfo(np.float32).max) / 1000
    costs = [2.0, 1.0, 1.5, big, 3.0, big, 2.0, 2.5]
    assert rises(costs) == 2  # 1.0 -> 1.5 and 2.0 -> 2.5; nothing next to an overflow
    assert rises([3.0, 2.0, 1.0]) == 0


def test_plateau_epoch_is_where_the_best_gets_within_tolerance_of_the_final_best():
    acc = [0.5, 0.7, 0.80, 0.801, 0.79, 0.803, 0.802]
    assert plateau_epoch(acc, tolerance=0.005) == 2
    assert plateau_epoch(acc, tolerance=0.0) == 5
    assert plateau_epoch([0.3]) == 0
    with pytest.raises(ValueError, match="non-empty"):
        plateau_epoch([])
