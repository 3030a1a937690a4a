"""Initialisers: shapes, dtypes, standard deviations, reproducibility."""

import numpy as np
import pytest

from nndl_lib.init import (
    bias_init,
    ch6_weight_init,
    default_weight_init,
    get_weight_init,
    he_weight_init,
    large_weight_init,
    xavier_weight_init,
)
from nndl_lib.reference_values import EXERCISE_KEYS

N_OUT, N_IN = 400, 500


@pytest.mark.parametrize(
    "init, std",
    [
        (large_weight_init, 1.0),
        (default_weight_init, np.sqrt(1 / N_IN)),
        (xavier_weight_init, np.sqrt(2 / (N_IN + N_OUT))),
        (he_weight_init, np.sqrt(2 / N_IN)),
        (ch6_weight_init, np.sqrt(1 / N_OUT)),
    ],
)
def test_weight_init_has_shape_zero_mean_and_its_standard_deviation(init, std):
    w = init(N_OUT, N_IN, np.random.default_rng(0))
    assert w.shape == (N_OUT, N_IN) and w.dtype == np.float64
    # 200,000 draws: the sample std is within ~0.3% of the true one; allow 1%
    assert w.std() == pytest.approx(std, rel=0.01)
    assert abs(w.mean()) < 0.01 * std


def test_bias_init_is_standard_normal():
    b = bias_init(100_000, np.random.default_rng(1))
    assert b.shape == (100_000,)
    assert b.std() == pytest.approx(1.0, rel=0.01) and abs(b.mean()) < 0.01


def test_same_seed_same_weights_and_float32_matches_float64_to_rounding():
    w64 = default_weight_init(30, 784, np.random.default_rng(7))
    w64_again = default_weight_init(30, 784, np.random.default_rng(7))
    w32 = default_weight_init(30, 784, np.random.default_rng(7), np.float32)
    assert np.array_equal(w64, w64_again)
    assert w32.dtype == np.float32
    np.testing.assert_allclose(w32, w64, rtol=1e-7)


def test_get_weight_init_names_and_unknown_name():
    for name, fn in [("large", large_weight_init), ("default", default_weight_init),
                     ("xavier", xavier_weight_init), ("he", he_weight_init),
                     ("ch6", ch6_weight_init)]:
        assert get_weight_init(name) is fn
    with pytest.raises(ValueError, match="unknown weight initialiser 'uniform'"):
        get_weight_init("uniform")


def test_init_rejects_non_generator_and_non_positive_sizes():
    with pytest.raises(TypeError, match="Generator"):
        large_weight_init(3, 2, rng=0)
    with pytest.raises(ValueError, match="positive integers"):
        default_weight_init(0, 2, np.random.default_rng(0))


def test_exercise_std_of_z_large_versus_default_init():
    """Chapter 3: 1,000 inputs of which 500 are 1; z = w.x + b with b ~ N(0, 1)."""
    key = EXERCISE_KEYS["ch3_z_std"]
    rng = np.random.default_rng(3)
    x = np.zeros(1000)
    x[:500] = 1.0
    for name in ("large", "default"):
        w = get_weight_init(name)(4000, 1000, rng)
        z = w @ x + bias_init(4000, rng)
        # 4,000 neurons: the sample std is within ~1.1% of the truth; allow 4%
        assert z.std() == pytest.approx(key[name], rel=0.04)
