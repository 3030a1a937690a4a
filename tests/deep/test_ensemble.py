"""Plurality vote: hand examples, the tie rule, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.deep.ensemble import ensemble_accuracy, ensemble_predict, plurality_vote


def test_plurality_vote_picks_the_most_common_label_per_image():
    predictions = np.array([
        [1, 7, 3, 0],
        [1, 2, 3, 9],
        [4, 7, 3, 9],
        [1, 7, 5, 9],
        [2, 7, 3, 0],
    ])
    np.testing.assert_array_equal(plurality_vote(predictions), [1, 7, 3, 9])


def test_plurality_vote_breaks_ties_by_the_smallest_label():
    predictions = np.array([
        [5, 8, 2, 6],
        [3, 8, 2, 6],
        [5, 1, 9, 4],
        [3, 1, 9, 7],
    ])
    # column 0: 5,5 vs 3,3 -> 3; column 1: 8,8 vs 1,1 -> 1; column 2: 2 vs 9 -> 2;
    # column 3: 6,6 beats 4 and 7 (no tie)
    np.testing.assert_array_equal(plurality_vote(predictions), [3, 1, 2, 6])
    # the rule does not depend on model order
    np.testing.assert_array_equal(plurality_vote(predictions[::-1]), [3, 1, 2, 6])


def test_plurality_vote_of_one_model_is_that_model():
    np.testing.assert_array_equal(plurality_vote([[4, 0, 9]]), [4, 0, 9])


def test_plurality_vote_all_different_votes_gives_smallest():
    np.testing.assert_array_equal(plurality_vote([[7], [2], [5]]), [2])


def test_plurality_vote_rejects_bad_input_with_clear_messages():
    with pytest.raises(ValueError, match=r"\(n_models, N\).*got \(3,\)"):
        plurality_vote(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="integer labels"):
        plurality_vote(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="non-negative"):
        plurality_vote(np.array([[1, -1]]))
    with pytest.raises(ValueError, match="n_models >= 1"):
        plurality_vote(np.zeros((0, 4), dtype=int))


class _FixedNet:
    """Stand-in for a trained network: predicts fixed labels."""

    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def predict(self, x):
        assert len(x) == len(self.labels)
        return self.labels


def test_ensemble_accuracy_counts_the_voted_labels():
    nets = [_FixedNet([0, 1, 2, 3]), _FixedNet([0, 1, 5, 6]), _FixedNet([9, 1, 5, 3])]
    x = np.zeros((4, 784))
    np.testing.assert_array_equal(ensemble_predict(nets, x), [0, 1, 5, 3])
    assert ensemble_accuracy(nets, x, np.array([0, 1, 2, 3])) == 0.75
    with pytest.raises(ValueError, match="at least one network"):
        ensemble_accuracy([], x, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        ensemble_accuracy(nets, x, np.zeros(3, dtype=int))
