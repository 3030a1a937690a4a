"""Tests of nndl_lib.batchnorm_layer: the layer's gradients, evaluation mode, training in a
ConvNetwork."""

import numpy as np
import pytest

from nndl_lib.batchnorm_layer import BatchNormLayer
from nndl_lib.convnet import ConvNetwork
from nndl_lib.gradcheck import numerical_gradient, rel_error
from nndl_lib.layers import FullyConnectedLayer, SoftmaxLayer


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "linear"])
def test_backward_matches_numerical_gradient(activation):
    rng = np.random.default_rng(0)
    layer = BatchNormLayer(4, activation=activation, dtype=np.float64)
    layer.w[...] = rng.normal(size=4) + 1.0  # γ
    layer.b[...] = rng.normal(size=4)  # β
    x = rng.normal(loc=2.0, scale=3.0, size=(6, 4))
    dout = rng.normal(size=(6, 4))

    def cost(_):
        return float(np.sum(layer.forward(x, train=True) * dout))

    layer.forward(x, train=True)
    dx = layer.backward(dout)
    dgamma, dbeta = layer.nabla_w.copy(), layer.nabla_b.copy()
    assert rel_error(dx, numerical_gradient(cost, x), norm=True) <= 1e-7
    assert rel_error(dgamma, numerical_gradient(cost, layer.w), norm=True) <= 1e-7
    assert rel_error(dbeta, numerical_gradient(cost, layer.b), norm=True) <= 1e-7


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


def test_a_convnetwork_with_batchnorm_layers_trains_and_keeps_the_aliases():
    rng = np.random.default_rng(2)
    # two classes in 20 dimensions, separated by the sign of x_0 + x_1, all features offset
    x = rng.normal(size=(400, 20)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    x += 10.0  # a large common offset, which the batch mean removes
    net = ConvNetwork([FullyConnectedLayer(20, 16, activation="linear", rng=rng),
                       BatchNormLayer(16, activation="sigmoid"),
                       SoftmaxLayer(16, 2)], dtype=np.float32)
    bn = net.layers[1]
    assert bn.w is bn.bn.gamma and bn.w.dtype == np.float32
    assert bn.bn.running_mean.dtype == np.float32
    before = net.accuracy(x[300:], y[300:])
    history = net.SGD((x[:300], y[:300]), 20, 10, 0.5, (x[300:], y[300:]), seed=0, progress=False)
    assert history.validation_accuracy[-1] > max(0.9, before)
    assert not np.allclose(bn.w, 1.0)  # γ was trained through the alias
    assert bn.bn.running_mean.shape == (16,)


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="train=True"):
        BatchNormLayer(3).backward(np.zeros((2, 3)))
