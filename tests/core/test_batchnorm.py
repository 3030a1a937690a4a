"""Tests of nndl_lib.batchnorm: numerical gradients, normalisation, running statistics."""

import numpy as np
import pytest

from nndl_lib.batchnorm import (
    BatchNorm,
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from nndl_lib.grading.checks import check_gradient_numerically
from nndl_lib.optimizers import SGD


def random_problem(N=6, D=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=3.0, scale=2.0, size=(N, D))
    gamma = rng.normal(size=D) + 1.0
    beta = rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return x, gamma, beta, dout


@pytest.mark.parametrize("seed, N, D", [(0, 6, 4), (1, 3, 3), (2, 10, 1)])
def test_batchnorm_backward_matches_numerical_gradient_to_1e7(seed, N, D):
    x, gamma, beta, dout = random_problem(N, D, seed)

    def cost(_):
        # a scalar whose gradient w.r.t. the output is dout: C = Σ dout ⊙ y
        return float(np.sum(batchnorm_forward(x, gamma, beta) * dout))

    dx, dgamma, dbeta = batchnorm_backward(dout, x, gamma)
    assert dx.shape == (N, D) and dgamma.shape == (D,) and dbeta.shape == (D,)
    for name, param, grad in (("dx", x, dx), ("dgamma", gamma, dgamma), ("dbeta", beta, dbeta)):
        result = check_gradient_numerically(cost, param, grad, location=name)
        assert result, result.message


def test_batchnorm_output_has_zero_mean_unit_variance_per_feature_when_gamma1_beta0():
    x, _, _, _ = random_problem(N=50, D=5, seed=3)
    x[:, 2] *= 100.0  # features on very different scales
    out = batchnorm_forward(x, np.ones(5), np.zeros(5), eps=1e-5)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    # variance is σ²/(σ² + ε), a hair below 1
    expected_var = x.var(axis=0) / (x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(out.var(axis=0), expected_var, rtol=1e-10)
    np.testing.assert_allclose(out.var(axis=0), 1.0, atol=1e-5)


def test_batchnorm_scale_and_shift_set_output_mean_and_std():
    x, _, _, _ = random_problem(N=40, D=3, seed=4)
    gamma, beta = np.array([2.0, 0.5, 3.0]), np.array([-1.0, 0.0, 4.0])
    out = batchnorm_forward(x, gamma, beta, eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-9)


def test_batchnorm_forward_matches_the_formula_written_out():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    # feature 0: μ = 3, σ² = 8/3; feature 1: μ = 20, σ² = 200
    out = batchnorm_forward(x, np.array([1.0, 2.0]), np.array([0.0, 1.0]), eps=1e-5)
    col0 = np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3 + 1e-5)
    col1 = 2.0 * np.array([-10.0, -10.0, 20.0]) / np.sqrt(200 + 1e-5) + 1.0
    np.testing.assert_allclose(out, np.stack([col0, col1], axis=1), rtol=1e-14)


def test_batchnorm_layer_uses_running_statistics_at_evaluation():
    rng = np.random.default_rng(5)
    bn = BatchNorm(3, momentum=0.9)
    mean, std = np.array([5.0, -2.0, 0.5]), np.array([3.0, 0.1, 1.0])
    for _ in range(200):
        bn.forward(rng.normal(mean, std, size=(64, 3)), train=True)
    assert np.all(np.abs(bn.running_mean - mean) < 0.1 * std)
    np.testing.assert_allclose(bn.running_var, std**2, rtol=0.15)

    # evaluation uses (x − running_mean)/√(running_var + ε): one example no longer needs a batch
    x1 = np.array([[8.0, -2.1, 0.5]])
    out = bn.forward(x1, train=False)
    expected = (x1 - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    # and the running statistics are not changed by evaluation
    before = bn.running_mean.copy()
    bn.forward(rng.normal(size=(8, 3)), train=False)
    np.testing.assert_array_equal(bn.running_mean, before)


def test_batchnorm_layer_running_average_update_by_hand():
    bn = BatchNorm(1, momentum=0.9)
    bn.forward(np.array([[1.0], [3.0]]), train=True)
    # μ_B = 2, σ_B² = 1, unbiased 2: running_mean = 0.9·0 + 0.1·2, running_var = 0.9·1 + 0.1·2
    np.testing.assert_allclose(bn.running_mean, [0.2], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var, [1.1], rtol=1e-15)


def test_batchnorm_layer_backward_matches_functions_and_trains_with_an_optimizer():
    x, _, _, dout = random_problem(N=8, D=4, seed=6)
    bn = BatchNorm(4)
    out = bn.forward(x, train=True)
    dx = bn.backward(dout)
    ref_out = batchnorm_forward(x, np.ones(4), np.zeros(4), eps=bn.eps)
    ref_dx, ref_dgamma, ref_dbeta = batchnorm_backward(dout, x, np.ones(4), eps=bn.eps)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(dx, ref_dx)
    np.testing.assert_array_equal(bn.dgamma, ref_dgamma)
    np.testing.assert_array_equal(bn.dbeta, ref_dbeta)
    gamma_id = id(bn.gamma)
    SGD(eta=0.1).step(bn.params, bn.grads)
    assert id(bn.gamma) == gamma_id
    np.testing.assert_allclose(bn.gamma, 1.0 - 0.1 * ref_dgamma, rtol=1e-15)
    np.testing.assert_allclose(bn.beta, -0.1 * ref_dbeta, rtol=1e-15)


def test_batchnorm_invalid_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        batchnorm_forward(np.zeros(5), np.ones(5), np.zeros(5))
    with pytest.raises(ValueError, match="at least 2 examples"):
        batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(2))
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), eps=0.0)
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape"):
        batchnorm_backward(np.ones((2, 3)), np.eye(3), np.ones(3))
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\)"):
        bn.forward(np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match="forward\\(x, train=True\\)"):
        bn.backward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)


# --- layer normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize("seed, N, D", [(0, 6, 4), (1, 1, 5), (2, 3, 2)])
def test_layernorm_backward_matches_numerical_gradient_for_x_gamma_and_beta(seed, N, D):
    x, gamma, beta, dout = random_problem(N, D, seed)

    def cost(_):
        return float(np.sum(layernorm_forward(x, gamma, beta, eps=1e-3) * dout))

    dx, dgamma, dbeta = layernorm_backward(dout, x, gamma, eps=1e-3)
    assert dx.shape == (N, D) and dgamma.shape == (D,) and dbeta.shape == (D,)
    for name, param, grad in (("dx", x, dx), ("dgamma", gamma, dgamma), ("dbeta", beta, dbeta)):
        result = check_gradient_numerically(cost, param, grad, location=name)
        assert result, result.message


def test_layernorm_is_batchnorm_of_the_transposed_rows():
    x, _, _, dout = random_problem(N=5, D=3, seed=6)
    ones, zeros = np.ones(3), np.zeros(3)
    np.testing.assert_allclose(layernorm_forward(x, ones, zeros),
                               batchnorm_forward(x.T, np.ones(5), np.zeros(5)).T, rtol=1e-12)
    dx_ln = layernorm_backward(dout, x, ones)[0]
    dx_bn = batchnorm_backward(dout.T, x.T, np.ones(5))[0].T
    np.testing.assert_allclose(dx_ln, dx_bn, rtol=1e-10, atol=1e-12)


def test_layernorm_normalises_each_row_even_a_batch_of_one():
    x = np.array([[1.0, 2.0, 6.0]])
    out = layernorm_forward(x, np.ones(3), np.zeros(3), eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1.0, rtol=1e-9)
