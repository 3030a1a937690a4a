"""Tests of nndl_lib.companions.foundations_normalization (data scaling, local response
normalisation) and of
data.one_hot_features."""

import numpy as np
import pytest

from nndl_lib.companions.foundations_normalization import (
    lrn_backward,
    lrn_forward,
    minmax_normalize,
    minmax_statistics,
    zscore_normalize,
    zscore_statistics,
)
from nndl_lib.data import one_hot_features
from nndl_lib.gradcheck import numerical_gradient, rel_error
from nndl_lib.reference_values import EXERCISE_KEYS


def lrn_by_the_formula(a, n, k, alpha, beta):
    """b^i = a^i / (k + α Σ_{j=max(0, i−n/2)}^{min(C−1, i+n/2)} (a^j)²)^β, one channel at a time."""
    C = a.shape[1]
    b = np.empty_like(a)
    for i in range(C):
        window = range(max(0, i - n // 2), min(C - 1, i + n // 2) + 1)
        s = sum(a[:, j] ** 2 for j in window)
        b[:, i] = a[:, i] / (k + alpha * s) ** beta
    return b


@pytest.mark.parametrize("n, C", [(5, 8), (3, 3), (5, 2), (1, 4), (4, 7)])
def test_lrn_forward_matches_the_formula(n, C):
    a = np.random.default_rng(n + C).normal(size=(2, C, 3, 4))
    np.testing.assert_allclose(lrn_forward(a, n, 1.5, 0.3, 0.75),
                               lrn_by_the_formula(a, n, 1.5, 0.3, 0.75), rtol=1e-13)


def test_lrn_window_of_5_covers_five_channels_centred_on_each_channel():
    a = np.zeros((1, 9, 1, 1))
    a[0, 4] = 10.0  # one active channel
    b = lrn_forward(a + 1.0, n=5, k=1.0, alpha=1.0, beta=1.0)  # ones everywhere plus the peak
    touched = np.flatnonzero(b[0, :, 0, 0] < 1.0 / (1.0 + 5.0) - 1e-12)
    # channels whose window holds channel 4 are 2..6: five of them
    assert touched.tolist() == [2, 3, 4, 5, 6]


def test_lrn_with_alpha_zero_only_divides_by_k_to_the_beta():
    a = np.random.default_rng(0).normal(size=(2, 6, 2, 2))
    np.testing.assert_allclose(lrn_forward(a, 5, 2.0, 0.0, 0.75), a / 2.0**0.75, rtol=1e-15)


@pytest.mark.parametrize("n", [5, 3, 4])
def test_lrn_backward_matches_numerical_gradient(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(2, 7, 3, 3))
    dout = rng.normal(size=a.shape)

    def cost(_):
        return float(np.sum(lrn_forward(a, n, 1.0, 0.5, 0.75) * dout))

    analytic = lrn_backward(dout, a, n, 1.0, 0.5, 0.75)
    assert rel_error(analytic, numerical_gradient(cost, a), norm=True) <= 1e-8


def test_lrn_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        lrn_forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="integer >= 1"):
        lrn_forward(np.zeros((1, 2, 2, 2)), n=0)
    with pytest.raises(ValueError, match="forward output's shape"):
        lrn_backward(np.zeros((1, 2, 2, 1)), np.zeros((1, 2, 2, 2)))


def test_minmax_maps_training_data_to_0_1_and_applies_the_same_statistics_elsewhere():
    rng = np.random.default_rng(1)
    train = rng.uniform([0, -5, 100], [1, 5, 300], size=(50, 3))
    train = np.column_stack([train, np.full(50, 7.0)])  # a constant feature
    lo, hi = minmax_statistics(train)
    x = minmax_normalize(train, lo, hi, dtype=np.float64)
    np.testing.assert_allclose(x[:, :3].min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(x[:, :3].max(axis=0), 1.0, rtol=1e-15)
    assert np.all(x[:, 3] == 0.0)
    other = minmax_normalize(np.array([[lo[0], hi[1], (lo[2] + hi[2]) / 2, 9.0]]), lo, hi)
    np.testing.assert_allclose(other, [[0.0, 1.0, 0.5, 0.0]], atol=1e-7)
    assert other.dtype == np.float32


def test_zscore_gives_mean_0_and_std_1_on_training_data():
    rng = np.random.default_rng(2)
    train = rng.normal([3.0, -200.0, 0.0], [0.1, 50.0, 0.0], size=(200, 3))
    mu, sigma = zscore_statistics(train)
    x = zscore_normalize(train, mu, sigma, dtype=np.float64)
    np.testing.assert_allclose(x[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x[:, :2].std(axis=0), 1.0, rtol=1e-12)
    assert np.all(x[:, 2] == 0.0)  # constant feature
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        zscore_normalize(train, mu[:2], sigma[:2])


def test_one_hot_features_matches_the_exercise_key():
    key = EXERCISE_KEYS["foundations_one_hot"]
    codes = one_hot_features(key["categories"], key["sizes"])
    np.testing.assert_array_equal(codes, key["codes"])
    assert codes.shape == (2, sum(key["sizes"]))
    np.testing.assert_array_equal(one_hot_features([1, 0], (2, 2)), [[0, 1, 1, 0]])


def test_one_hot_features_names_the_bad_feature():
    with pytest.raises(ValueError, match=r"feature 2 \(size 4\): labels must lie in \[0, 4\)"):
        one_hot_features([[0, 1, 4]], (2, 3, 4))
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        one_hot_features([[0, 1]], (2, 3, 4))
