"""Per-epoch curve helpers (nndl_lib.companions.ch03_curves)."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.companions.ch03_curves import overflowed, plateau_epoch, rises
from nndl_lib.costs import CrossEntropyCost


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


def test_weight_watch_records_length_turn_and_tracked_weights():
    from nndl_lib.companions.ch03_curves import WeightWatch

    class Model:
        weights = [np.array([[3.0, 0.0]]), np.array([[0.0], [4.0]])]

    watch = WeightWatch(track=[(0, 0, 0)])
    assert watch(0, Model, None) is False
    assert watch.lengths == [5.0] and watch.turns == [0.0] and watch.tracked == [[3.0]]
    Model.weights = [np.array([[0.0, 0.0]]), np.array([[0.0], [5.0]])]  # turned by 36.87 deg
    watch(1, Model, None)
    assert watch.turns[1] == pytest.approx(np.degrees(np.arccos(4 / 5)))
    assert watch.tracked == [[3.0, 0.0]]


def test_weight_watch_works_as_a_training_callback():
    from nndl_lib.companions.ch03_curves import WeightWatch
    from nndl_lib.network import Network

    rng = np.random.default_rng(0)
    x, y = rng.random((20, 4)), rng.integers(0, 2, 20)
    net = Network([4, 3, 2], seed=0)
    watch = WeightWatch(track=[(1, 0, 2)])
    net.SGD((x, y), 3, 5, 0.5, callback=watch, monitor=(), progress=False, seed=1)
    assert len(watch.lengths) == 3 and len(watch.tracked[0]) == 3
    assert watch.tracked[0][-1] == pytest.approx(float(net.weights[1][0, 2]))
    assert all(t > 0 for t in watch.turns[1:])
