"""Numerical gradients, and backprop checked against them for activations, costs and networks."""

import numpy as np
import pytest

from nndl_lib.activations import ACTIVATIONS
from nndl_lib.gradcheck import check_network_gradients, numerical_gradient, rel_error
from nndl_lib.network import Network


def test_numerical_gradient_of_a_cubic_matches_3x_squared():
    x = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
    g = numerical_gradient(lambda v: np.sum(v**3), x)
    assert g.shape == x.shape
    assert rel_error(g, 3 * x**2) <= 1e-9


def test_numerical_gradient_restores_x_exactly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(np.sin(v))), x, h=1e-3)
    assert np.array_equal(x, before)


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(lambda v: 0.0, np.arange(3))


def test_rel_error_elementwise_and_norm_values():
    assert rel_error([1.0, 2.0], [1.1, 2.0]) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert rel_error([3.0, 0.0], [3.0, 0.0]) == 0.0
    assert rel_error([3.0, 4.0], [3.0, 4.5], norm=True) == pytest.approx(
        0.5 / (5.0 + np.hypot(3.0, 4.5)), rel=1e-12)
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        rel_error([1.0, 2.0], [1.0, 2.0, 3.0])


# ReLU and leaky ReLU have a kink at 0: sample points at least 0.1 away from it.
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_numerical_gradient(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z = rng.uniform(0.1, 3.0, size=12) * rng.choice([-1.0, 1.0], size=12)
    numerical = numerical_gradient(lambda v: float(np.sum(act.fn(v))), z.copy())
    assert rel_error(act.prime(z), numerical) <= 1e-7


# Whole networks: depths 2, 3, 4 layers (and 5), every cost, several activations.
# Cross-entropy needs outputs in (0, 1): its output layer is sigmoid whatever the hidden one.
CASES = [
    (sizes, cost, act)
    for sizes in ([4, 3], [4, 5, 3], [4, 5, 4, 3], [3, 5, 4, 4, 2])
    for cost in ("quadratic", "cross-entropy", "log-likelihood")
    for act in ("sigmoid", "tanh", "relu", "softplus")
]


@pytest.mark.parametrize("sizes, cost, act", CASES,
                         ids=[f"{len(s)}layers-{c}-{a}" for s, c, a in CASES])
def test_network_backprop_matches_numerical_gradient(sizes, cost, act):
    out = "sigmoid" if cost == "cross-entropy" else None
    net = Network(sizes, cost=cost, activation=act, seed=11, output_activation=out)
    rng = np.random.default_rng(12)
    x = rng.normal(size=(6, sizes[0]))
    y = rng.integers(0, sizes[-1], size=6)
    if act == "relu":  # keep every z away from the kink at 0
        zs, _ = net.forward_pass(x)
        assert min(np.abs(z).min() for z in zs) > 1e-3
    errors = check_network_gradients(net, x, y)
    assert len(errors) == len(sizes) - 1
    worst = max(max(e.values()) for e in errors)
    assert worst <= 1e-7, errors


def test_check_network_gradients_detects_a_wrong_backprop():
    net = Network([3, 4, 2], cost="quadratic", seed=0)
    x = np.random.default_rng(0).normal(size=(3, 3))
    y = np.array([0, 1, 1])
    good = check_network_gradients(net, x, y)
    original = net.backprop

    def broken(x_, y_):
        nabla_b, nabla_w = original(x_, y_)
        nabla_w[0] = nabla_w[0] * 1.01
        return nabla_b, nabla_w

    net.backprop = broken
    bad = check_network_gradients(net, x, y)
    assert good[0]["weights"] <= 1e-7
    assert bad[0]["weights"] > 1e-3


def test_backprop_of_a_dropout_trained_network_matches_its_evaluation_cost():
    """After dropout training, evaluation scales hidden activations by (1 - p); backprop of the
    evaluation network must include that factor."""
    net = Network([4, 5, 4, 3], seed=13)
    net.dropout = 0.5
    rng = np.random.default_rng(14)
    x, y = rng.normal(size=(5, 4)), rng.integers(0, 3, size=5)
    errors = check_network_gradients(net, x, y)
    assert max(max(e.values()) for e in errors) <= 1e-7


def test_total_cost_adds_l2_or_l1_penalty():
    net = Network([3, 2], cost="quadratic", seed=15)
    x, y = np.ones((4, 3)), np.array([0, 1, 1, 0])
    c0 = net.total_cost(x, y)
    w2 = sum(np.sum(w**2) for w in net.weights)
    w1 = sum(np.sum(np.abs(w)) for w in net.weights)
    assert net.total_cost(x, y, lmbda=0.5, n=10) == pytest.approx(c0 + 0.5 / 20 * w2, rel=1e-14)
    assert net.total_cost(x, y, lmbda=0.5, n=10, regularization="l1") == pytest.approx(
        c0 + 0.5 / 10 * w1, rel=1e-14)
