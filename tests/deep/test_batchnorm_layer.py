"""Tests of nndl_lib.deep.batchnorm_layer: the layer's gradients, evaluation mode, training in a
ConvNetwork."""

import numpy as np
import pytest

from nndl_lib.deep.batchnorm_layer import BatchNormLayer
from nndl_lib.deep.convnet import ConvNetwork
from nndl_lib.deep.layers import FullyConnectedLayer, SoftmaxLayer
from nndl_lib.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "linear"])
def test_backward_matches_numerical_gradient(activation):
    rng = np.random.default_rng(0)
    layer = BatchNormLayer(4, activation=activation, dtype=np.float64)
    gamma, beta = layer.params
    gamma[...] = rng.normal(size=4) + 1.0
    beta[...] = rng.normal(size=4)
    x = rng.normal(loc=2.0, scale=3.0, size=(6, 4))
    dout = rng.normal(size=(6, 4))

    def cost(_):
        return float(np.sum(layer.forward(x, train=True) * dout))

    layer.forward(x, train=True)
    dx = layer.backward(dout)
    dgamma, dbeta = (g.copy() for g in layer.grads)
    assert rel_error(dx, numerical_gradient(cost, x), norm=True) <= 1e-7
    assert rel_error(dgamma, numerical_gradient(cost, gamma), norm=True) <= 1e-7
    assert rel_error(dbeta, numerical_gradient(cost, beta), norm=True) <= 1e-7


def test_training_output_is_normalised_and_evaluation_uses_running_statistics():
    rng = np.random.default_rng(1)
    layer = BatchNormLayer(3, activation="linear", momentum=0.0, dtype=np.float64)
    x = rng.normal(loc=5.0, scale=2.0, size=(200, 3))
    y = layer.forward(x, train=True)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-4)
    # momentum 0: the running statistics are this batch's (variance unbiased)
    single = layer.forward(x[:1], train=False)
    expected = (x[0] - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + 1e-5)
    np.testing.assert_allclose(single[0], expected, rtol=1e-10)


def _bn_net(rng):
    return ConvNetwork([FullyConnectedLayer(20, 16, activation="linear", rng=rng),
                        BatchNormLayer(16, activation="sigmoid"),
                        SoftmaxLayer(16, 2)], dtype=np.float32)


def _two_classes(rng):
    # two classes in 20 dimensions, separated by the sign of x_0 + x_1, all features offset
    x = rng.normal(size=(400, 20)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x + 10.0, y  # a large common offset, which the batch mean removes


def test_a_convnetwork_with_batchnorm_layers_trains_and_never_regularises_gamma_or_beta():
    rng = np.random.default_rng(2)
    x, y = _two_classes(rng)
    net = _bn_net(rng)
    bn = net.layers[1]
    gamma, beta = bn.params
    assert gamma is bn.bn.gamma and gamma.dtype == np.float32
    assert bn.bn.running_mean.dtype == np.float32
    assert all(gamma is not w for w in net.weights) and any(gamma is b for b in net.biases)
    before = net.accuracy(x[300:], y[300:])
    history = net.SGD((x[:300], y[:300]), 20, 10, 0.5, (x[300:], y[300:]), seed=0, progress=False)
    assert history.validation_accuracy[-1] > max(0.9, before)
    assert not np.allclose(gamma, 1.0)  # γ was trained in place
    # the L2 term adds nothing to γ's gradient (it is not a weight)
    grads = net.gradients(x[:10], y[:10], lmbda=5.0, num_batches=1)
    plain = net.gradients(x[:10], y[:10], lmbda=0.0, num_batches=1)
    index = next(i for i, p in enumerate(net.params) if p is gamma)
    np.testing.assert_array_equal(grads[index], plain[index])
    assert not np.array_equal(grads[0], plain[0])  # the FC layer's w is regularised


def test_save_and_load_keep_gamma_beta_and_the_running_statistics(tmp_path):
    rng = np.random.default_rng(3)
    x, y = _two_classes(rng)
    net = _bn_net(rng)
    net.SGD((x[:300], y[:300]), 2, 10, 0.5, (x[300:], y[300:]), seed=0, progress=False)
    net.save(tmp_path / "bn.npz")
    loaded = ConvNetwork.load(tmp_path / "bn.npz")
    assert isinstance(loaded.layers[1], BatchNormLayer)
    for a, b in zip(net.layers[1].params + net.layers[1].buffers,
                    loaded.layers[1].params + loaded.layers[1].buffers, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x[300:]), net.predict(x[300:]))


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="train=True"):
        BatchNormLayer(3).backward(np.zeros((2, 3)))
