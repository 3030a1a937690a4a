"""Activations: dtypes kept, stability at large |z|, softmax rows, name lookup."""

import numpy as np
import pytest

from nndl_lib.activations import ACTIVATIONS, get_activation, sigmoid, softmax, softplus


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_and_its_derivative_keep_float32(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3.0, 3.0, 7, dtype=np.float32)
    assert act.fn(z).dtype == np.float32
    assert act.prime(z).dtype == np.float32


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_of_integer_input_is_float64(name):
    assert ACTIVATIONS[name].prime(np.arange(-2, 3)).dtype == np.float64


def test_sigmoid_and_softplus_are_finite_and_exact_at_large_abs_z():
    z = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(sigmoid(z), [0.0, 0.5, 1.0])
        np.testing.assert_array_equal(softplus(z), [0.0, np.log(2.0), 1000.0])


def test_softmax_rows_sum_to_one_without_overflow():
    z = np.array([[1000.0, 1000.0, -1000.0], [3.0, 1.0, -3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = softmax(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(a[0], [0.5, 0.5, 0.0], rtol=0, atol=1e-15)
    e = np.exp([3.0, 1.0, -3.0])
    np.testing.assert_allclose(a[1], e / e.sum(), rtol=1e-14)


def test_get_activation_unknown_name_lists_the_known_ones():
    assert get_activation("relu") is ACTIVATIONS["relu"]
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*'sigmoid'"):
        get_activation("swish")
