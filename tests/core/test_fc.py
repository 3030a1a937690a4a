"""The pure fully connected kernels of nndl_lib.fc: BP1-BP4 per example and in matrix form,
numerical gradients, the worked 2-2-2 example, purity, and SGD."""

import numpy as np
import pytest

from nndl_lib import fc
from nndl_lib.grading.checks import check_against_reference, check_gradient_numerically
from nndl_lib.init import bias_init, default_weight_init
from nndl_lib.network import Network
from nndl_lib.reference_values import WORKED_EXAMPLE_222 as EX

CASES = [  # sizes, cost, hidden activation, output activation
    ([5, 4, 3], "quadratic", "sigmoid", None),
    ([5, 4, 3], "cross-entropy", "sigmoid", None),
    ([5, 6, 4, 3], "quadratic", "tanh", None),
    ([5, 6, 4, 3], "log-likelihood", "relu", "softmax"),
    ([5, 6, 3], "cross-entropy", "relu", "sigmoid"),
    ([5, 3], "quadratic", "softplus", None),
]


def _params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = [default_weight_init(m, n, rng) for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [bias_init(m, rng) for m in sizes[1:]]
    return weights, biases


def _batch(n, sizes, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, sizes[0])), np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]


def _masks(n, sizes, seed=2):
    rng = np.random.default_rng(seed)
    return [(rng.random((n, h)) > 0.4).astype(float) for h in sizes[1:-1]]


@pytest.mark.parametrize("sizes, cost, act, out", CASES)
def test_backprop_is_the_mean_of_backprop_example_to_1e12(sizes, cost, act, out):
    weights, biases = _params(sizes)
    x, y = _batch(7, sizes)
    for masks in (None, _masks(7, sizes)):
        matrix = fc.backprop(x, y, weights, biases, cost, act, out, masks)
        per_example = [fc.backprop_example(x[i], y[i], weights, biases, cost, act, out,
                                           None if masks is None else [m[i] for m in masks])
                       for i in range(7)]
        mean = tuple([np.mean([g[part][layer] for g in per_example], axis=0)
                      for layer in range(len(weights))] for part in (0, 1))
        result = check_against_reference(matrix, mean, check="backprop vs mean of examples",
                                         location="(nabla_b, nabla_w)")
        assert result, result.message


@pytest.mark.parametrize("sizes, cost, act, out", CASES)
def test_backprop_matches_centred_differences_of_the_mean_cost(sizes, cost, act, out):
    from nndl_lib.costs import get_cost

    weights, biases = _params(sizes, seed=3)
    x, y = _batch(6, sizes, seed=4)
    masks = _masks(6, sizes, seed=5)

    def mean_cost(_):
        a = fc.forward_pass(x, weights, biases, act, out, masks)[1][-1]
        return get_cost(cost).fn(a, y)

    nabla_b, nabla_w = fc.backprop(x, y, weights, biases, cost, act, out, masks)
    for param, grad in zip(weights + biases, nabla_w + nabla_b, strict=True):
        result = check_gradient_numerically(mean_cost, param, grad)
        assert result, result.message


def test_feedforward_is_the_last_activation_of_forward_pass_and_rows_are_independent():
    sizes = [6, 5, 4, 3]
    weights, biases = _params(sizes)
    x, _ = _batch(5, sizes)
    a = fc.feedforward(x, weights, biases)
    zs, activations = fc.forward_pass(x, weights, biases)
    assert [z.shape for z in zs] == [(5, 5), (5, 4), (5, 3)] and len(activations) == 4
    np.testing.assert_array_equal(a, activations[-1])
    one_by_one = np.vstack([fc.feedforward(x[i:i + 1], weights, biases) for i in range(5)])
    np.testing.assert_allclose(a, one_by_one, rtol=0, atol=1e-15)


def test_kernels_change_none_of_their_inputs():
    sizes = [4, 3, 2]
    weights, biases = _params(sizes)
    x, y = _batch(5, sizes)
    before = [p.copy() for p in weights + biases + [x, y]]
    fc.feedforward(x, weights, biases)
    fc.backprop(x, y, weights, biases)
    fc.backprop_example(x[0], y[0], weights, biases)
    new_w, new_b = fc.update_mini_batch(x, y, weights, biases, 0.5)
    for p, q in zip(weights + biases + [x, y], before, strict=True):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(new_w[0], weights[0])


def test_worked_222_example_through_the_kernels():
    w = EX["w"]
    weights = [np.array([[w[0], w[1]], [w[2], w[3]]]), np.array([[w[4], w[5]], [w[6], w[7]]])]
    biases = [np.full(2, EX["b_hidden"]), np.full(2, EX["b_output"])]
    x, y = np.array(EX["x"]), np.array(EX["y"])
    zs, activations = fc.forward_pass(x[None, :], weights, biases)
    assert zs[0][0, 0] == pytest.approx(EX["net_h1"], abs=1e-9)
    assert activations[2][0] == pytest.approx([EX["out_o1"], EX["out_o2"]], abs=1e-8)
    _, nabla_w = fc.backprop_example(x, y, weights, biases)
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in nabla_w]), EX["dE_dw"],
                               rtol=0, atol=1e-8)
    def weights_only(xb, yb, ws, bs):  # the example updates the weights only
        _, nw = fc.backprop(xb, yb, ws, bs)
        return [np.zeros_like(b) for b in bs], nw

    new_w, _ = fc.update_mini_batch(x[None, :], y[None, :], weights, biases, EX["eta"],
                                    weights_only)
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in new_w]), EX["w_after_step"],
                               rtol=0, atol=1e-8)


@pytest.mark.parametrize("n, mini_batch_size", [(40, 10), (43, 10)])
def test_sgd_kernel_gives_the_weights_of_network_sgd(n, mini_batch_size):
    """The readable chapter 1 loop and the library's trainer (fast path) do the same arithmetic."""
    rng = np.random.default_rng(0)
    x = rng.random((n, 8)) * (rng.random((n, 8)) < 0.3)
    labels = rng.integers(0, 3, n)
    net = Network([8, 5, 3], cost="quadratic", init="large", seed=1)
    weights, biases = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    net.SGD((x, labels), 3, mini_batch_size, 3.0, monitor=None, seed=2, progress=False)
    weights, biases = fc.sgd(x, np.eye(3)[labels], weights, biases, 3, mini_batch_size, 3.0,
                             np.random.default_rng(2))
    for p, q in zip(net.weights + net.biases, weights + biases, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-11, atol=1e-13)


def test_the_printed_kernels_are_short_enough_to_read_in_the_book():
    import inspect

    for kernel in (fc.feedforward, fc.backprop_example, fc.backprop, fc.update_mini_batch,
                   fc.sgd):
        assert len(inspect.getsource(kernel).splitlines()) <= 40, kernel.__name__
