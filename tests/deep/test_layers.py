"""Chapter 6 layers: every backward against centred finite differences (float64), dropout
statistics, initialisation and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import H, numgrad

from nndl_lib.deep.layers import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer
from nndl_lib.gradcheck import rel_error

TOL = 1e-7  # relative error allowed between analytic and numerical gradients (float64)


def _check_layer_gradients(layer, x, *, seed=0, train_rng_seed=None):
    """Compare backward with numerical gradients of C = Σ r ⊙ (forward(x) − a0) for a fixed random
    r (a0, the output at the starting point, is a constant that keeps C near 0 and so reduces
    rounding in the sum).

    With ``train_rng_seed`` the forward pass is a training pass whose dropout mask comes from a
    Generator re-seeded identically at every evaluation (so the mask is fixed).
    """
    rng = np.random.default_rng(seed)

    def fwd():
        r = np.random.default_rng(train_rng_seed) if train_rng_seed is not None else None
        return layer.forward(x, train=True, rng=r)

    a0 = fwd().copy()
    r = rng.standard_normal(a0.shape)

    def cost(_):
        return float(np.sum(r * (fwd() - a0)))

    fwd()
    dx = layer.backward(r)
    nabla_w, nabla_b = (g.copy() for g in layer.grads)
    assert rel_error(dx, numgrad(cost, x)) < TOL
    assert rel_error(nabla_w, numgrad(cost, layer.w)) < TOL
    assert rel_error(nabla_b, numgrad(cost, layer.b)) < TOL


def _images_without_ties(shape, seed):
    """Distinct values spread in [-1, 1]: no ties inside pooling windows."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64)
    return 2 * x / x.size - 1 + 0.01 * rng.random(shape) / x.size


@pytest.mark.parametrize("pool", ["max", "avg", "l2"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_convpool_backward_matches_numerical_gradient(pool, activation):
    layer = ConvPoolLayer((3, 2, 3, 3), (2, 8, 8), poolsize=(2, 2), activation=activation,
                          pool=pool, rng=1, dtype=np.float64)
    x = _images_without_ties((2, 2, 8, 8), seed=2)
    if activation == "relu":
        # keep pooled + bias away from the kink at 0
        layer.b[:] = [0.7, -0.6, 0.8]
    _check_layer_gradients(layer, x)


@pytest.mark.parametrize("pool", ["max", "avg", "l2"])
def test_convpool_gradcheck_inputs_are_away_from_kinks_and_ties(pool):
    """Sanity for the test above: with every pool, no pre-activation sits within 0.02 of 0, so
    finite-difference steps of 2H = 2e-3 (times weights below 1) never cross the ReLU kink."""
    layer = ConvPoolLayer((3, 2, 3, 3), (2, 8, 8), activation="relu", pool=pool, rng=1,
                          dtype=np.float64)
    layer.b[:] = [0.7, -0.6, 0.8]
    layer.forward(_images_without_ties((2, 2, 8, 8), seed=2), train=True)
    z = layer.z
    assert np.min(np.abs(z)) > 0.02
    # and no max-pool window's two largest conv outputs are closer than one step can move them:
    # a step of 2H in one entry of x (|x| <= 1) or w moves each conv output by at most
    # 2H·max(|w|max, 1), and so a difference of two by at most twice that.
    assert np.abs(layer.w).max() < 1.25
    conv_out = layer.conv_out
    windows = conv_out.reshape(2, 3, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 3, 4)
    top2 = np.sort(windows, axis=-1)[..., -2:]
    assert np.min(top2[..., 1] - top2[..., 0]) > 4 * H * 1.25


def test_convpool_applies_bias_and_activation_after_pooling():
    """a = σ(pool(w ⊛ x) + b): for L2 pooling this differs from pooling σ(w ⊛ x + b)."""
    from nndl_lib.activations import sigmoid
    from nndl_lib.deep import conv

    layer = ConvPoolLayer((2, 1, 3, 3), (1, 6, 6), pool="l2", rng=3, dtype=np.float64)
    x = np.random.default_rng(4).standard_normal((2, 1, 6, 6))
    conv_out = conv.conv2d_forward(x, layer.w, np.zeros(2))
    expected = sigmoid(conv.l2pool_forward(conv_out, 2, 2) + layer.b[None, :, None, None])
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_fully_connected_backward_matches_numerical_gradient(activation):
    layer = FullyConnectedLayer(7, 5, activation=activation, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((4, 7))
    if activation == "relu":
        layer.b[:] = np.where(np.abs(layer.b) < 0.3, 0.5, layer.b)
        z = x @ layer.w.T + layer.b
        assert np.min(np.abs(z)) > 0.02  # away from the kink
    _check_layer_gradients(layer, x)


def test_fully_connected_flattens_image_input_and_returns_dx_in_that_shape():
    layer = FullyConnectedLayer(2 * 3 * 3, 4, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((5, 2, 3, 3))
    a = layer.forward(x, train=True)
    assert a.shape == (5, 4)
    assert layer.backward(np.ones_like(a)).shape == x.shape
    _check_layer_gradients(layer, x)


@pytest.mark.parametrize("cls", ["fc", "softmax"])
def test_dropout_layer_backward_matches_numerical_gradient_with_fixed_mask(cls):
    if cls == "fc":
        layer = FullyConnectedLayer(12, 6, activation="tanh", p_dropout=0.4, rng=0,
                                    dtype=np.float64)
    else:
        layer = SoftmaxLayer(12, 6, p_dropout=0.4, dtype=np.float64)
        rng = np.random.default_rng(5)
        layer.w[:] = rng.standard_normal(layer.w.shape)
        layer.b[:] = rng.standard_normal(layer.b.shape)
    x = np.random.default_rng(1).standard_normal((4, 12))
    _check_layer_gradients(layer, x, train_rng_seed=42)
    # the mask really dropped something, and dropped inputs get zero gradient
    layer.forward(x, train=True, rng=np.random.default_rng(42))
    mask = layer.mask
    assert 0 < mask.sum() < mask.size
    dx = layer.backward(np.ones((4, 6)))
    assert np.all(dx[mask == 0] == 0)


def test_softmax_log_likelihood_backward_matches_numerical_gradient():
    layer = SoftmaxLayer(6, 4, dtype=np.float64)
    rng = np.random.default_rng(0)
    layer.w[:] = rng.standard_normal(layer.w.shape)
    layer.b[:] = rng.standard_normal(layer.b.shape)
    x = rng.standard_normal((5, 6))
    y = np.array([0, 3, 1, 1, 2])

    def cost(_):
        return layer.cost(y, layer.forward(x, train=True))

    cost(None)
    dx = layer.backward_log_likelihood(y)
    nabla_w, nabla_b = (g.copy() for g in layer.grads)
    assert rel_error(dx, numgrad(cost, x)) < TOL
    assert rel_error(nabla_w, numgrad(cost, layer.w)) < TOL
    assert rel_error(nabla_b, numgrad(cost, layer.b)) < TOL


def test_softmax_general_backward_equals_log_likelihood_shortcut():
    """Backprop of dC/da = −1/(N a_y) through the softmax Jacobian gives δ = (a − e_y)/N."""
    layer = SoftmaxLayer(6, 4, dtype=np.float64)
    rng = np.random.default_rng(1)
    layer.w[:] = rng.standard_normal(layer.w.shape)
    x = rng.standard_normal((5, 6))
    y = np.array([2, 3, 0, 1, 2])
    a = layer.forward(x, train=True)
    dx_short = layer.backward_log_likelihood(y)
    gw_short = layer.nabla_w.copy()
    dout = np.zeros_like(a)
    dout[np.arange(5), y] = -1.0 / (5 * a[np.arange(5), y])
    dx_general = layer.backward(dout)
    np.testing.assert_allclose(dx_general, dx_short, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.nabla_w, gw_short, rtol=1e-12, atol=1e-15)


def test_softmax_layer_starts_at_zero_and_outputs_uniform_probabilities():
    layer = SoftmaxLayer(8, 10)
    assert not layer.w.any() and not layer.b.any()
    a = layer.forward(np.ones((3, 8), dtype=np.float32))
    np.testing.assert_allclose(a, 0.1, rtol=1e-6)


def test_training_forward_drops_about_p_of_the_inputs():
    p = 0.3
    layer = FullyConnectedLayer(500, 3, p_dropout=p, rng=0)
    layer.forward(np.ones((200, 500), dtype=np.float32), train=True, rng=np.random.default_rng(0))
    x_used, mask = layer.x, layer.mask
    assert set(np.unique(mask)) == {0.0, 1.0}
    np.testing.assert_array_equal(x_used, mask)  # kept inputs are not rescaled
    # 100,000 Bernoulli draws: the standard error of the dropped fraction is ~0.0014
    assert abs((1 - mask.mean()) - p) < 0.006


def test_dropout_evaluation_weighted_input_is_expectation_of_training_one_exactly():
    """With a linear check: E_mask[(mask ⊙ x) @ wᵀ] = (1 − p) x @ wᵀ, which is what evaluation uses.
    Averaging the training-time z over ALL masks of a 3-unit input reproduces it to rounding."""
    import itertools

    p = 0.25
    layer = FullyConnectedLayer(3, 2, activation="linear", p_dropout=p, rng=0, dtype=np.float64)
    x = np.array([[0.3, -1.2, 2.0]])
    expected = np.zeros((1, 2))
    for keep in itertools.product([0, 1], repeat=3):
        keep = np.array(keep, dtype=float)
        prob = np.prod(np.where(keep == 1, 1 - p, p))
        expected += prob * ((x * keep) @ layer.w.T + layer.b)
    np.testing.assert_allclose(layer.forward(x, train=False), expected, rtol=1e-13)


def test_dropout_evaluation_output_matches_monte_carlo_mean_of_training_outputs():
    p = 0.5
    layer = FullyConnectedLayer(50, 4, activation="linear", p_dropout=p, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((1, 50))
    rng = np.random.default_rng(2)
    samples = np.stack([layer.forward(x, train=True, rng=rng) for _ in range(20000)])
    mean, sem = samples.mean(axis=0), samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(mean - layer.forward(x, train=False)) < 5 * sem)


def test_faithful_init_uses_n_out_and_corrected_uses_n_in():
    # conv-pool: n_out = F*KH*KW/(pool area) = 200*25/4 = 1250; n_in = C*KH*KW = 25
    big = dict(rng=0, dtype=np.float64)
    c_f = ConvPoolLayer((200, 1, 5, 5), (1, 28, 28), init="faithful", **big)
    c_c = ConvPoolLayer((200, 1, 5, 5), (1, 28, 28), init="corrected", **big)
    assert abs(c_f.w.std() - np.sqrt(4 / (200 * 25))) < 0.05 * np.sqrt(4 / (200 * 25))
    assert abs(c_c.w.std() - np.sqrt(1 / 25)) < 0.05 * np.sqrt(1 / 25)
    fc_f = FullyConnectedLayer(400, 100, init="faithful", **big)
    fc_c = FullyConnectedLayer(400, 100, init="corrected", **big)
    assert abs(fc_f.w.std() - 0.1) < 0.005
    assert abs(fc_c.w.std() - 0.05) < 0.0025
    assert abs(fc_f.b.std() - 1.0) < 0.2  # biases N(0, 1)


def test_layers_keep_float32_by_default():
    layer = ConvPoolLayer((4, 1, 5, 5), (1, 12, 12), rng=0)
    a = layer.forward(np.zeros((2, 1, 12, 12), dtype=np.float32), train=True)
    assert a.dtype == np.float32 and layer.w.dtype == np.float32
    assert layer.backward(np.ones_like(a)).dtype == np.float32


def test_bad_layer_arguments_raise_errors_naming_shapes():
    with pytest.raises(ValueError, match=r"3 input channels .* \(1, 28, 28\)"):
        ConvPoolLayer((20, 3, 5, 5), (1, 28, 28))
    with pytest.raises(ValueError, match="tile"):
        ConvPoolLayer((20, 1, 5, 5), (1, 27, 27))
    with pytest.raises(ValueError, match="pool must be one of"):
        ConvPoolLayer((20, 1, 5, 5), (1, 28, 28), pool="median")
    with pytest.raises(ValueError, match=r"p_dropout .*must lie in \[0, 1\)"):
        FullyConnectedLayer(10, 5, p_dropout=1.0)
    layer = FullyConnectedLayer(10, 5)
    with pytest.raises(ValueError, match=r"\(N, 10\).*got \(3, 9\)"):
        layer.forward(np.zeros((3, 9)))
    conv_layer = ConvPoolLayer((2, 1, 3, 3), (1, 6, 6))
    with pytest.raises(ValueError, match=r"\(N, 1, 6, 6\).*got \(2, 1, 5, 5\)"):
        conv_layer.forward(np.zeros((2, 1, 5, 5)))
    drop = FullyConnectedLayer(10, 5, p_dropout=0.5)
    with pytest.raises(ValueError, match="needs rng"):
        drop.forward(np.zeros((2, 10)), train=True)


@pytest.mark.parametrize("pool", ["max", "avg", "l2"])
def test_naive_kernels_give_the_same_layer_forward_and_backward_as_fast(pool):
    fast = ConvPoolLayer((3, 2, 3, 3), (2, 6, 6), pool=pool, activation="tanh", rng=0,
                         dtype=np.float64)
    naive = ConvPoolLayer((3, 2, 3, 3), (2, 6, 6), pool=pool, activation="tanh", rng=0,
                          dtype=np.float64, kernels="naive")
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6))
    dout = np.random.default_rng(2).standard_normal((2, 3, 2, 2))
    np.testing.assert_allclose(naive.forward(x, train=True), fast.forward(x, train=True),
                               rtol=1e-12)
    np.testing.assert_allclose(naive.backward(dout), fast.backward(dout), rtol=1e-11, atol=1e-14)
    for g_naive, g_fast in zip(naive.grads, fast.grads, strict=True):
        np.testing.assert_allclose(g_naive, g_fast, rtol=1e-11, atol=1e-14)


def test_softmax_cost_and_backward_before_a_forward_pass_say_what_to_do():
    layer = SoftmaxLayer(6, 4, dtype=np.float64)
    with pytest.raises(RuntimeError, match=r"SoftmaxLayer.cost needs a training forward pass"):
        layer.cost(np.array([0, 1]))
    with pytest.raises(RuntimeError, match=r"backward_log_likelihood needs a training forward"):
        layer.backward_log_likelihood(np.array([0, 1]))
    a = layer.forward(np.zeros((2, 6)))  # evaluation pass: cost of given outputs still works
    assert layer.cost(np.array([0, 1]), a) == pytest.approx(np.log(4))
