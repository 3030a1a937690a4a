"""Costs: values, derivatives and output errors checked against centred differences."""

import numpy as np
import pytest

from nndl_lib.activations import sigmoid, softmax, tanh, tanh_prime
from nndl_lib.costs import (
    CrossEntropyCost,
    LogLikelihoodCost,
    QuadraticCost,
    get_cost,
)
from nndl_lib.gradcheck import numerical_gradient, rel_error

RNG = np.random.default_rng(20240101)


def test_quadratic_fn_is_mean_over_rows_of_half_squared_error():
    a = np.array([[0.2, 0.7], [0.9, 0.1]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    expected = (0.5 * (0.04 + 0.09) + 0.5 * (0.01 + 0.01)) / 2
    assert QuadraticCost.fn(a, y) == pytest.approx(expected, rel=1e-15)


def test_cross_entropy_fn_matches_formula_and_is_zero_at_a_equals_y_in_0_1():
    a = np.array([[0.2, 0.7]])
    y = np.array([[0.0, 1.0]])
    assert CrossEntropyCost.fn(a, y) == pytest.approx(-np.log(0.8) - np.log(0.7), rel=1e-14)
    # a == y == 1 and a == y == 0: 0 * ln 0 terms count as 0, no nan/inf
    assert CrossEntropyCost.fn(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0


def test_cross_entropy_is_numerically_safe_at_saturation():
    a = np.array([[1.0, 0.0, 1.0]])
    y = np.array([[1.0, 0.0, 0.0]])
    assert np.isfinite(CrossEntropyCost.fn(a, y))
    assert np.all(np.isfinite(CrossEntropyCost.derivative(a, y)))
    assert np.all(np.isfinite(CrossEntropyCost.delta(np.zeros_like(a), a, y)))
    assert CrossEntropyCost.derivative(a, y)[0, 0] == 0.0


@pytest.mark.parametrize("cost", [CrossEntropyCost, LogLikelihoodCost])
def test_several_infinite_terms_give_the_largest_finite_cost_without_warnings(cost):
    a = np.array([[0.0, 0.0], [0.0, 0.0]])
    y = np.ones_like(a)  # every term is -ln 0 = inf
    with np.errstate(all="raise"):
        c = cost.fn(a, y)
    assert c == np.finfo(np.float64).max / 2


def test_log_likelihood_fn_is_minus_log_of_the_target_output():
    z = np.array([[3.0, 1.0, -3.0], [0.0, 0.0, 0.0]])
    a = softmax(z)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    expected = (-np.log(a[0, 0]) - np.log(1 / 3)) / 2
    assert LogLikelihoodCost.fn(a, y) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost, LogLikelihoodCost])
def test_cost_derivative_matches_numerical_gradient(cost):
    a = RNG.uniform(0.1, 0.9, size=5)
    if cost is LogLikelihoodCost:
        a = a / a.sum()
        y = np.eye(5)[2]
    else:
        y = RNG.uniform(0.0, 1.0, size=5)  # soft targets exercise every term
    numerical = numerical_gradient(lambda v: cost.fn(v, y), a.copy())
    assert rel_error(cost.derivative(a, y), numerical) <= 1e-7


@pytest.mark.parametrize(
    "cost, fn, prime",
    [
        (QuadraticCost, sigmoid, None),
        (QuadraticCost, tanh, tanh_prime),
        (CrossEntropyCost, sigmoid, None),
        (LogLikelihoodCost, softmax, None),
    ],
    ids=["quadratic-sigmoid", "quadratic-tanh", "cross-entropy-sigmoid", "log-likelihood-softmax"],
)
def test_cost_delta_is_dC_dz_by_numerical_gradient(cost, fn, prime):
    z = RNG.normal(size=6)
    y = np.eye(6)[4] if cost is LogLikelihoodCost else RNG.uniform(0, 1, size=6)
    a = fn(z)
    delta = cost.delta(z, a, y) if prime is None else cost.delta(z, a, y, prime)
    numerical = numerical_gradient(lambda v: cost.fn(fn(v), y), z.copy())
    assert rel_error(delta, numerical) <= 1e-7


def test_cross_entropy_and_log_likelihood_delta_is_a_minus_y_without_sigma_prime():
    z = RNG.normal(size=(4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    assert np.array_equal(CrossEntropyCost.delta(z, sigmoid(z), y), sigmoid(z) - y)
    assert np.array_equal(LogLikelihoodCost.delta(z, softmax(z), y), softmax(z) - y)


def test_quadratic_delta_carries_the_sigma_prime_factor():
    z = np.array([[4.0, -4.0]])
    a = sigmoid(z)
    y = np.array([[0.0, 1.0]])
    np.testing.assert_allclose(QuadraticCost.delta(z, a, y), (a - y) * a * (1 - a), rtol=1e-14)


def test_costs_keep_float32():
    a = np.full((2, 3), 0.3, dtype=np.float32)
    y = np.zeros((2, 3), dtype=np.float32)
    for cost in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost):
        assert cost.delta(a, a, y).dtype == np.float32
        assert cost.derivative(a, y).dtype == np.float32


def test_get_cost_by_name_class_and_unknown_name():
    assert get_cost("quadratic") is QuadraticCost
    assert get_cost("cross-entropy") is CrossEntropyCost
    assert get_cost("log-likelihood") is LogLikelihoodCost
    assert get_cost(CrossEntropyCost) is CrossEntropyCost
    with pytest.raises(ValueError, match="unknown cost 'hinge'.*quadratic"):
        get_cost("hinge")
