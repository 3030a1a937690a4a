"""L2 / L1 update rules, biases left alone, dropout masks and the book's dropout scaling."""

import itertools

import numpy as np
import pytest

from nndl_lib import fc
from nndl_lib.network import Network
from nndl_lib.reference_values import EXERCISE_KEYS
from nndl_lib.regularization import (
    check_regularization,
    dropout_backward,
    dropout_evaluate,
    dropout_forward,
    dropout_mask,
    dropout_masks,
    l1_penalty,
    l1_update,
    l2_penalty,
    l2_update,
    regularize,
)


def test_l2_update_is_weight_decay_then_gradient_step_exactly():
    rng = np.random.default_rng(0)
    w, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    expected = (1 - 0.5 * 5.0 / 100) * w - 0.5 * g
    l2_update(w, g, eta=0.5, lmbda=5.0, n=100)
    assert np.array_equal(w, expected)


def test_l1_update_shrinks_by_a_constant_towards_zero():
    w = np.array([[0.5, -0.25, 0.0]])
    g = np.zeros_like(w)
    l1_update(w, g, eta=0.5, lmbda=2.0, n=10)
    assert np.array_equal(w, np.array([[0.4, -0.15, 0.0]]))


def test_penalties_match_their_formulas():
    ws = [np.array([[1.0, -2.0]]), np.array([[3.0]])]
    assert l2_penalty(ws, lmbda=2.0, n=4) == pytest.approx(0.5 * 0.5 * 14.0)
    assert l1_penalty(ws, lmbda=2.0, n=4) == pytest.approx(0.5 * 6.0)


def test_book_l2_decay_factor():
    key = EXERCISE_KEYS["ch3_l2_decay_factor"]
    w, g = np.ones((1, 1)), np.zeros((1, 1))
    l2_update(w, g, key["eta"], key["lmbda"], key["n"])
    assert w[0, 0] == pytest.approx(key["factor"], abs=1e-15)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_sgd_regularised_step_matches_the_rule_and_leaves_biases_unregularised(kind):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    net = Network([3, 4, 2], seed=2)
    ref = Network([3, 4, 2], seed=2)
    eta, lmbda, n = 0.3, 0.8, 6
    # one mini-batch holding the whole training set: one update per epoch
    net.SGD((x, y), 1, 6, eta, lmbda, regularization=kind, monitor=None, seed=0,
            progress=False)
    nabla_b, nabla_w = ref.backprop(x, y)
    for w_new, w, nw in zip(net.weights, ref.weights, nabla_w, strict=True):
        if kind == "l2":
            expected = (1 - eta * lmbda / n) * w - eta * nw
        else:
            expected = w - (eta * lmbda / n) * np.sign(w) - eta * nw
        # the mean over a shuffled batch differs from the unshuffled one only by rounding
        np.testing.assert_allclose(w_new, expected, rtol=1e-13, atol=1e-15)
    for b_new, b, nb in zip(net.biases, ref.biases, nabla_b, strict=True):
        np.testing.assert_allclose(b_new, b - eta * nb, rtol=1e-13, atol=1e-15)


def test_dropout_mask_is_zero_one_with_drop_probability_p():
    mask = dropout_mask((200, 500), 0.3, np.random.default_rng(3))
    assert set(np.unique(mask)) == {0.0, 1.0}
    # 100,000 Bernoulli draws: std of the fraction is 0.0014; allow 0.01
    assert mask.mean() == pytest.approx(0.7, abs=0.01)
    assert dropout_mask((2, 2), 0.0, np.random.default_rng(0)).min() == 1.0
    assert dropout_mask((3,), 0.5, np.random.default_rng(0), np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dropout_mask((2,), 1.0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator.*got int"):
        dropout_mask((2,), 0.5, 0)


def test_dropout_expected_training_output_equals_evaluation_output_exactly():
    """With a linear output layer the output is linear in each mask, so averaging over every
    possible mask (weighted by its probability) must give the evaluation output exactly."""
    p = 0.4
    net = Network([3, 4, 2], cost="quadratic", output_activation="linear", seed=4)
    net.dropout = p
    x = np.random.default_rng(5).normal(size=(2, 3))
    expected = np.zeros((2, 2))
    for bits in itertools.product([0.0, 1.0], repeat=4):
        m = np.array(bits)
        prob = np.prod(np.where(m == 1.0, 1 - p, p))
        masks = [np.tile(m, (2, 1))]
        _, activations = net.forward_pass(x, dropout_masks=masks)
        expected += prob * activations[-1]
    np.testing.assert_allclose(net.feedforward(x), expected, rtol=1e-13, atol=1e-14)


def test_dropout_monte_carlo_mean_of_hidden_layer_matches_evaluation_scaling():
    p = 0.5
    net = Network([3, 6, 5, 2], seed=6)
    net.dropout = p
    x = np.random.default_rng(7).normal(size=(1, 3))
    rng = np.random.default_rng(8)
    k = 20_000
    xs = np.repeat(x, k, axis=0)
    masks = [dropout_mask((k, 6), p, rng), np.ones((k, 5))]
    _, train_acts = net.forward_pass(xs, dropout_masks=masks)
    _, eval_acts = net.forward_pass(x)
    # first hidden layer: E[a * m] = (1 - p) a; 20,000 samples, std of the mean <= 0.0036
    np.testing.assert_allclose(train_acts[1].mean(axis=0), eval_acts[1][0], atol=0.015)


def test_training_with_dropout_sets_evaluation_scaling_and_zeroes_dropped_units_gradient():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    net = Network([3, 4, 2], seed=7)
    net.SGD((x, y), 1, 5, 0.5, dropout=0.5, monitor=None, seed=0, progress=False)
    assert net.dropout == 0.5
    # evaluation: hidden activations times (1 - p), written out with the book's sigma
    (w0, w1), (b0, b1) = net.weights, net.biases
    hidden = 1 / (1 + np.exp(-(x @ w0.T + b0)))
    expected = 1 / (1 + np.exp(-((1 - 0.5) * hidden @ w1.T + b1)))
    np.testing.assert_allclose(net.feedforward(x), expected, rtol=1e-13)
    mask = np.ones((10, 4))
    mask[:, 1] = 0.0  # hidden unit 1 dropped for every example
    prepared = net.prepare((x, y), "data")
    nabla_b, nabla_w = fc.backprop(prepared.x, prepared.targets, net.weights, net.biases,
                                   net.cost, masks=[mask])
    assert np.all(nabla_w[0][1] == 0.0) and nabla_b[0][1] == 0.0
    assert np.all(nabla_w[1][:, 1] == 0.0)


def test_regularize_applies_only_the_regulariser_part_of_the_step():
    w = np.array([[0.5, -2.0, 0.0]])
    l2, l1, none = w.copy(), w.copy(), w.copy()
    regularize(l2, 0.5, 2.0, 10, "l2")  # factor 1 - 0.5*2/10 = 0.9
    regularize(l1, 0.5, 2.0, 10, "l1")  # shrink 0.1 towards 0, sgn(0) = 0
    regularize(none, 0.5, 0.0, 10, "l2")
    np.testing.assert_array_equal(l2, [[0.45, -1.8, 0.0]])
    np.testing.assert_allclose(l1, [[0.4, -1.9, 0.0]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(none, w)


def test_check_regularization_normalises_case_and_rejects_unknown_kinds():
    assert check_regularization("L1") == "l1"
    with pytest.raises(ValueError, match="regularization must be one of"):
        check_regularization("l3")


def test_dropout_kernels_follow_the_convention_and_scale_for_evaluation():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 5))
    mask = dropout_mask(x.shape, 0.5, rng)
    out = dropout_forward(x, mask)
    np.testing.assert_array_equal(out, x * mask)
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(dropout_backward(dout, mask), dout * mask)
    np.testing.assert_allclose(dropout_evaluate(x, 0.25), 0.75 * x)
    # the evaluation output is the expected training output: E[mask] = 1 - p
    many = dropout_mask((20_000, 5), 0.25, rng)
    np.testing.assert_allclose((many * x[0]).mean(axis=0), dropout_evaluate(x[0], 0.25), atol=0.03)
    with pytest.raises(ValueError, match="mask must have the shape of x"):
        dropout_forward(x, mask[:, :3])
    with pytest.raises(ValueError, match="mask must have the shape of dout"):
        dropout_backward(dout[:2], mask)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dropout_evaluate(x, 1.0)


def test_dropout_masks_draw_one_mask_per_hidden_layer_or_nothing():
    rng = np.random.default_rng(0)
    masks = dropout_masks(4, [3, 2], 0.5, rng, np.float32)
    assert [m.shape for m in masks] == [(4, 3), (4, 2)] and masks[0].dtype == np.float32
    state = rng.bit_generator.state
    assert dropout_masks(4, [3, 2], 0.0, rng) is None
    assert rng.bit_generator.state == state  # p = 0 draws nothing
