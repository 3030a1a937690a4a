"""Tests for nndl_lib.companions.ch05_learning_speed: chapter 5's chains of neurons and products
of matrices."""

import numpy as np
import pytest

from nndl_lib import fc
from nndl_lib.activations import sigmoid_prime
from nndl_lib.companions.ch05_learning_speed import (
    backward_jacobians,
    chain_backward,
    chain_factors,
    chain_first_bias_gradient,
    chain_forward,
    chain_weighted_inputs,
    chain_with_zero_inputs,
    deltas_by_products,
    factor_interval,
    factor_interval_width,
    gradient_factor,
    random_chain,
    tanh_factor_interval,
    widest_factor_interval,
)
from nndl_lib.gradcheck import numerical_gradient, rel_error
from nndl_lib.network import Network
from nndl_lib.reference_values import EXERCISE_KEYS

# -- a chain of single neurons ------------------------------------------------------------------

def _chain_cost(x, w, b, y=0.2):
    return 0.5 * (chain_forward(x, w, b) - y) ** 2  # quadratic cost of one output


def test_chain_forward_is_one_neuron_after_another():
    w, b = np.array([0.5, -2.0, 3.0]), np.array([0.1, 0.2, -0.3])
    a = 0.7
    for wj, bj in zip(w, b, strict=True):
        a = 1 / (1 + np.exp(-(wj * a + bj)))
    assert chain_forward(0.7, w, b) == pytest.approx(a, rel=1e-12)
    z = chain_weighted_inputs(0.7, w, b)
    assert z[0] == pytest.approx(0.5 * 0.7 + 0.1)


def test_chain_backward_matches_numerical_gradient():
    w, b = random_chain(5, seed=3)
    x, y = 0.8, 0.2
    dout = chain_forward(x, w, b) - y  # dC/da_L for C = (a_L - y)^2 / 2
    dx, dw, db = chain_backward(dout, x, w, b)
    num_w = numerical_gradient(lambda _: float(_chain_cost(x, w, b, y)), w, 1e-6)
    num_b = numerical_gradient(lambda _: float(_chain_cost(x, w, b, y)), b, 1e-6)
    xa = np.array([x])
    num_x = numerical_gradient(lambda _: float(_chain_cost(xa[0], w, b, y)), xa, 1e-6)
    # whole-array errors: the first neurons' entries are tiny (vanishing gradients!), below what
    # a finite difference resolves element by element
    assert rel_error(dw, num_w, norm=True) < 1e-8
    assert rel_error(db, num_b, norm=True) < 1e-8
    assert abs(dx - num_x[0]) < 1e-9  # dx is about 2e-6 here: compare absolutely
    # a short chain, where every gradient is large enough for element-wise comparison
    w2, b2 = np.array([1.5, -2.0]), np.array([0.3, 0.1])
    dx2, dw2, db2 = chain_backward(chain_forward(x, w2, b2) - y, x, w2, b2)
    num_x2 = numerical_gradient(lambda _: float(_chain_cost(xa[0], w2, b2, y)), xa, 1e-6)
    assert rel_error(dx2, num_x2[0]) < 1e-7
    assert rel_error(db2, numerical_gradient(lambda _: float(_chain_cost(x, w2, b2, y)), b2,
                                             1e-6)) < 1e-7


def test_chain_kernels_are_vectorised_over_many_chains():
    w, b = random_chain(4, seed=1, n_chains=6)
    x = np.linspace(-1, 1, 6)
    dx, dw, db = chain_backward(np.ones(6), x, w, b)
    assert dx.shape == (6,) and dw.shape == db.shape == (6, 4)
    for i in range(6):
        _, dwi, dbi = chain_backward(1.0, x[i], w[i], b[i])
        np.testing.assert_allclose(db[i], dbi)
        np.testing.assert_allclose(dw[i], dwi)
    assert chain_forward(x, w, b).shape == (6,)


def test_chain_rejects_mismatched_shapes_with_a_clear_error():
    with pytest.raises(ValueError, match="one shape"):
        chain_forward(1.0, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="leading shape"):
        chain_forward(np.ones(4), np.ones((3, 2)), np.ones((3, 2)))


def test_book_product_formula_equals_backpropagation():
    w, b = random_chain(4, seed=11, n_chains=50)
    x = np.random.default_rng(0).random(50)
    _, _, db = chain_backward(np.full(50, 0.3), x, w, b)
    np.testing.assert_allclose(chain_first_bias_gradient(0.3, x, w, b), db[:, 0], rtol=1e-12)
    z = chain_weighted_inputs(x, w, b)
    np.testing.assert_allclose(chain_factors(x, w, b), w[:, 1:] * sigmoid_prime(z[:, 1:]))


def test_factor_is_below_a_quarter_when_the_weight_is_below_one():
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, 100_000)
    a, b = rng.normal(0, 3, 100_000), rng.normal(0, 3, 100_000)
    assert gradient_factor(w, a, b).max() < 0.25
    # the bound |w|/4 is reached at w a + b = 0
    assert gradient_factor(0.8, 0.5, -0.4) == pytest.approx(0.2)


def test_vanishing_gradients_in_random_chains_with_default_init():
    w, b = random_chain(6, seed=4, n_chains=20_000)  # w ~ N(0, 1), b ~ N(0, 1)
    x = np.random.default_rng(1).random(20_000)
    _, _, db = chain_backward(np.ones(20_000), x, w, b)
    med = np.median(np.abs(db), axis=0)
    assert np.all(np.diff(med) > 0)  # each earlier neuron's gradient is smaller ...
    assert np.all(med[1:] / med[:-1] > 4)  # ... by more than the bound of 4 per layer


def test_weights_100_with_zero_weighted_inputs_explode_by_25_per_layer():
    assert EXERCISE_KEYS["ch5_w100_factor"] == pytest.approx(100 * sigmoid_prime(0.0))
    w, b = chain_with_zero_inputs(5, w=100.0, x=0.3)
    np.testing.assert_allclose(chain_weighted_inputs(0.3, w, b), 0.0, atol=1e-12)
    np.testing.assert_allclose(chain_factors(0.3, w, b), EXERCISE_KEYS["ch5_w100_factor"])
    _, _, db = chain_backward(1.0, 0.3, w, b)
    np.testing.assert_allclose(db[:-1] / db[1:], 25.0)


def test_factor_interval_endpoints_give_factor_exactly_one():
    for w, bias in [(6.0, 0.0), (-9.0, 2.0), (20.0, -5.0)]:
        lo, hi = factor_interval(w, bias)
        assert gradient_factor(w, [lo, hi], bias) == pytest.approx([1.0, 1.0], abs=1e-9)
        inside = np.linspace(lo, hi, 101)[1:-1]
        assert np.all(gradient_factor(w, inside, bias) > 1.0)
        assert gradient_factor(w, [lo - 1e-3, hi + 1e-3], bias).max() < 1.0
        assert hi - lo == pytest.approx(float(factor_interval_width(w)), rel=1e-12)


def test_factor_interval_width_agrees_with_the_books_formula_and_is_zero_below_four():
    w = np.array([4.5, 6.0, 10.0, 50.0])
    book = (2 / w) * np.log(w * (1 + np.sqrt(1 - 4 / w)) / 2 - 1)
    np.testing.assert_allclose(factor_interval_width(w), book, rtol=1e-12)
    np.testing.assert_allclose(factor_interval_width(-w), book, rtol=1e-12)
    np.testing.assert_array_equal(factor_interval_width([0.0, 1.0, 3.9, 4.0]), 0.0)
    with pytest.raises(ValueError, match=r"\|w\| >= 4"):
        factor_interval(3.0)


def test_widest_interval_matches_the_exercise_key():
    key = EXERCISE_KEYS["ch5_widest_interval"]
    w, width = widest_factor_interval()
    assert w == pytest.approx(key["w"], abs=5e-4)
    assert width == pytest.approx(key["width"], abs=5e-5)
    grid = np.linspace(key["min_w"], 60, 200_001)
    assert width >= factor_interval_width(grid).max() - 1e-12
    with pytest.raises(ValueError, match="4 <= lo < hi"):
        widest_factor_interval(lo=2.0)


# -- the general case ---------------------------------------------------------------------------

@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_deltas_by_products_equal_backprop(cost):
    rng = np.random.default_rng(8)
    sizes = [9, 6, 5, 4, 3]
    weights = [rng.normal(0, 1, (n, m)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(0, 1, n) for n in sizes[1:]]
    x, y = rng.random(9), np.eye(3)[1]
    deltas = deltas_by_products(x, y, weights, biases, cost)
    nabla_b, _ = fc.backprop_example(x, y, weights, biases, cost)
    assert len(deltas) == len(nabla_b)
    for d, nb in zip(deltas, nabla_b, strict=True):
        np.testing.assert_allclose(d, nb, rtol=1e-10, atol=1e-15)


def test_backward_jacobians_are_sigma_prime_times_transposed_weights():
    net = Network([8, 5, 4, 3], seed=4)
    x = np.random.default_rng(0).random(8)
    zs, _ = net.forward_pass(x[None, :])
    jac = backward_jacobians(x, net.weights, net.biases)
    assert [j.shape for j in jac] == [(5, 4), (4, 3)]
    np.testing.assert_allclose(jac[0], np.diag(sigmoid_prime(zs[0][0])) @ net.weights[1].T)
    with pytest.raises(ValueError, match="one example"):
        backward_jacobians(np.ones(7), net.weights, net.biases)


def test_tanh_factor_interval_endpoints_give_factor_exactly_one_and_none_below_one():
    def factor(w, a, bias):
        return np.abs(w * (1 - np.tanh(w * np.asarray(a) + bias) ** 2))

    for w, bias in [(1.5, 0.0), (-3.0, 1.0), (25.0, -4.0)]:
        lo, hi = tanh_factor_interval(w, bias)
        assert factor(w, [lo, hi], bias) == pytest.approx([1.0, 1.0], abs=1e-9)
        assert np.all(factor(w, np.linspace(lo, hi, 101)[1:-1], bias) > 1.0)
        assert factor(w, [lo - 1e-3, hi + 1e-3], bias).max() < 1.0
    assert tanh_factor_interval(1.0, 0.5) == (-0.5, -0.5)
    with pytest.raises(ValueError, match=r"\|w\| >= 1"):
        tanh_factor_interval(0.9)
