"""Tests of nndl_lib.optimizers: hand-computed steps, convergence on a quadratic, the protocol."""

import math

import numpy as np
import pytest

from nndl_lib.optimizers import (
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    get_optimizer,
    trajectory,
)

# The tiny example used by every hand-computed test: a 2-element parameter and two known gradients.
W0 = (1.0, -2.0)
G1 = (0.5, -1.0)
G2 = (0.25, 0.5)


def two_steps(opt):
    """Run opt on w = W0 with gradients G1 then G2; return w after each step (a copy)."""
    w = np.array(W0)
    opt.step([w], [np.array(G1)])
    w1 = w.copy()
    opt.step([w], [np.array(G2)])
    return w1, w.copy()


def test_sgd_two_steps_match_hand_computation():
    # w1 = w0 − 0.1·g1 = (1 − 0.05, −2 + 0.1); w2 = w1 − 0.1·g2 = (0.95 − 0.025, −1.9 − 0.05)
    w1, w2 = two_steps(SGD(eta=0.1))
    np.testing.assert_allclose(w1, [0.95, -1.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.925, -1.95], rtol=0, atol=1e-15)


def test_momentum_two_steps_match_hand_computation():
    # v1 = −0.1·g1 = (−0.05, 0.1); w1 = w0 + v1 = (0.95, −1.9)
    # v2 = 0.9·v1 − 0.1·g2 = (−0.045 − 0.025, 0.09 − 0.05) = (−0.07, 0.04); w2 = (0.88, −1.86)
    w1, w2 = two_steps(Momentum(eta=0.1, mu=0.9))
    np.testing.assert_allclose(w1, [0.95, -1.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.88, -1.86], rtol=0, atol=1e-15)


def test_nesterov_two_steps_match_hand_computation():
    # v1 = (−0.05, 0.1); w1 = w0 + 0.9·v1 − 0.1·g1 = (1 − 0.045 − 0.05, −2 + 0.09 + 0.1)
    # v2 = (−0.07, 0.04); w2 = w1 + 0.9·v2 − 0.1·g2 = (0.905 − 0.063 − 0.025, −1.81 + 0.036 − 0.05)
    w1, w2 = two_steps(Nesterov(eta=0.1, mu=0.9))
    np.testing.assert_allclose(w1, [0.905, -1.81], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.817, -1.824], rtol=0, atol=1e-15)


def test_adagrad_two_steps_match_hand_computation():
    # G1 = g1² = (0.25, 1): the first step is η·sign(g1), so w1 = (0.9, −1.9).
    # G2 = (0.3125, 1.25); steps 0.1·0.25/√0.3125 = 0.1·0.5/√1.25 = 0.1/√5 = 0.04472135955
    w1, w2 = two_steps(Adagrad(eta=0.1, eps=1e-8))
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=0, atol=1e-8)
    np.testing.assert_allclose(w2, [0.85527864045, -1.94472135955], rtol=0, atol=1e-8)


def test_rmsprop_two_steps_match_hand_computation():
    # E1 = 0.1·g1² = (0.025, 0.1); step = 0.01·g1/√E1 = 0.01·√10·sign(g1) = ±0.0316227766
    # E2 = 0.9·E1 + 0.1·g2² = (0.0225 + 0.00625, 0.09 + 0.025) = (0.02875, 0.115)
    # step 2 = 0.01·(0.25/√0.02875, 0.5/√0.115) = (0.0147441956, 0.0147441956)
    w1, w2 = two_steps(RMSprop(eta=0.01, rho=0.9, eps=1e-8))
    step1 = 0.01 * math.sqrt(10.0)
    np.testing.assert_allclose(w1, [1 - step1, -2 + step1], rtol=0, atol=1e-8)  # ε adds ~2e-9
    step2 = (0.01 * 0.25 / math.sqrt(0.02875), 0.01 * 0.5 / math.sqrt(0.115))
    np.testing.assert_allclose(step2, [0.0147441956, 0.0147441956], rtol=0, atol=1e-10)
    np.testing.assert_allclose(w2, [w1[0] - step2[0], w1[1] - step2[1]], rtol=0, atol=1e-8)


def test_adadelta_two_steps_match_hand_computation():
    # ρ = 0.95, ε = 1e-6, E[Δw²]₀ = 0.
    # E[g²]1 = 0.05·g1² = (0.0125, 0.05); Δw1 = −√1e-6/√(E[g²]1 + 1e-6)·g1
    eg1 = (0.05 * 0.25, 0.05 * 1.0)
    dw1 = (-1e-3 / math.sqrt(eg1[0] + 1e-6) * 0.5, -1e-3 / math.sqrt(eg1[1] + 1e-6) * -1.0)
    # E[Δw²]1 = 0.05·Δw1²; E[g²]2 = 0.95·E[g²]1 + 0.05·g2²
    ed1 = (0.05 * dw1[0] ** 2, 0.05 * dw1[1] ** 2)
    eg2 = (0.95 * eg1[0] + 0.05 * 0.0625, 0.95 * eg1[1] + 0.05 * 0.25)
    dw2 = (
        -math.sqrt(ed1[0] + 1e-6) / math.sqrt(eg2[0] + 1e-6) * 0.25,
        -math.sqrt(ed1[1] + 1e-6) / math.sqrt(eg2[1] + 1e-6) * 0.5,
    )
    # Δw1 ≈ (−0.0044719, +0.0044721): roughly 1e-3·√20 in size, in the direction −sign(g1)
    np.testing.assert_allclose(dw1, [-0.0044719, 0.0044721], rtol=1e-4)
    w1, w2 = two_steps(Adadelta(rho=0.95, eps=1e-6))
    np.testing.assert_allclose(w1, [1 + dw1[0], -2 + dw1[1]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(w2, [1 + dw1[0] + dw2[0], -2 + dw1[1] + dw2[1]], rtol=0, atol=1e-14)


def test_adadelta_eta_multiplies_the_step():
    w1, _ = two_steps(Adadelta(rho=0.95, eps=1e-6))
    w1_half, _ = two_steps(Adadelta(rho=0.95, eps=1e-6, eta=0.5))
    np.testing.assert_allclose(np.array(w1_half) - W0, 0.5 * (np.array(w1) - W0), rtol=1e-12)
    assert Adadelta().eta == 1.0


def test_adam_two_steps_match_hand_computation():
    # Step 1: m̂ = g1, v̂ = g1², so the step is η·sign(g1) = 0.1·(1, −1): w1 = (0.9, −1.9).
    # Step 2: m = 0.9·0.1·g1 + 0.1·g2 = (0.07, −0.04); v = 0.999·0.001·g1² + 0.001·g2²
    #         = (0.00024975 + 0.0000625, 0.000999 + 0.00025) = (0.00031225, 0.001249)
    #         m̂ = m/(1 − 0.9²) = m/0.19, v̂ = v/(1 − 0.999²) = v/0.001999
    m_hat = (0.07 / 0.19, -0.04 / 0.19)
    v_hat = (0.00031225 / 0.001999, 0.001249 / 0.001999)
    w1, w2 = two_steps(Adam(eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8))
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=0, atol=1e-8)
    expected = [
        0.9 - 0.1 * m_hat[0] / math.sqrt(v_hat[0]),
        -1.9 - 0.1 * m_hat[1] / math.sqrt(v_hat[1]),
    ]
    # ≈ (0.9 − 0.0932180, −1.9 + 0.0266337)
    np.testing.assert_allclose(expected, [0.8067820, -1.8733663], atol=1e-7)
    np.testing.assert_allclose(w2, expected, rtol=0, atol=1e-8)


# Convergence: C(w) = ½ Σ_j a_j (w_j − c_j)², ill-conditioned (a = 1 and 10), from w = 0.
A = np.array([1.0, 10.0])
C = np.array([3.0, -2.0])
SETTINGS = {
    "sgd": dict(eta=0.15),
    "momentum": dict(eta=0.05, mu=0.5),
    "nesterov": dict(eta=0.05, mu=0.5),
    "adagrad": dict(eta=1.0),
    "adadelta": dict(eta=1.0, rho=0.9, eps=1e-4),
    "rmsprop": dict(eta=0.01),
    "adam": dict(eta=0.05),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_minimises_an_ill_conditioned_quadratic(name):
    opt = get_optimizer(name, **SETTINGS[name])
    w = np.zeros(2)
    for _ in range(2000):
        opt.step([w], [A * (w - C)])  # ∇C = a ⊙ (w − c)
    np.testing.assert_allclose(w, C, atol=2e-2)
    cost = 0.5 * np.sum(A * (w - C) ** 2)
    assert cost < 1e-3 * 0.5 * np.sum(A * C**2)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_updates_in_place_and_state_matches_dtype(name):
    opt = get_optimizer(name, **SETTINGS[name])
    w = np.ones((3, 2), dtype=np.float32)
    b = np.ones(3, dtype=np.float32)
    ids = (id(w), id(b))
    opt.step([w, b], [np.full((3, 2), 0.5, np.float32), np.full(3, -0.5, np.float32)])
    assert (id(w), id(b)) == ids and w.dtype == np.float32 and b.dtype == np.float32
    assert np.all(w < 1) and np.all(b > 1)  # moved against the gradient
    for arrays in opt.state.values():
        assert [a.shape for a in arrays] == [(3, 2), (3,)]
        assert all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_changed_parameter_shapes_raise_until_reset(name):
    opt = get_optimizer(name, **SETTINGS[name])
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="reset"):
        opt.step([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="reset"):
        opt.step([np.zeros(2), np.zeros(1)], [np.ones(2), np.ones(1)])
    opt.reset()
    opt.step([np.zeros(3)], [np.ones(3)])
    assert opt.t == 1


def test_reset_makes_the_optimizer_behave_as_new():
    opt = Adam(eta=0.1)
    two_steps(opt)
    opt.reset()
    again = two_steps(opt)
    fresh = two_steps(Adam(eta=0.1))
    np.testing.assert_array_equal(again, fresh)


def test_mismatched_grads_raise_clear_errors():
    opt = SGD(eta=0.1)
    with pytest.raises(ValueError, match="one gradient per parameter"):
        opt.step([np.zeros(2)], [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match=r"grads\[0\] must have the shape"):
        opt.step([np.zeros(2)], [np.ones(3)])
    with pytest.raises(TypeError, match="floating-point numpy array"):
        opt.step([np.zeros(2, dtype=np.int64)], [np.ones(2)])


def test_changing_eta_between_steps_changes_the_step():
    opt = SGD(eta=0.1)
    w = np.array([1.0])
    opt.step([w], [np.array([1.0])])
    opt.eta = 0.01  # e.g. a learning-rate schedule
    opt.step([w], [np.array([1.0])])
    np.testing.assert_allclose(w, [1.0 - 0.1 - 0.01], rtol=0, atol=1e-15)


def test_momentum_with_mu_zero_is_plain_sgd():
    assert two_steps(Momentum(eta=0.1, mu=0.0))[1].tolist() == two_steps(SGD(eta=0.1))[1].tolist()


def test_get_optimizer_by_name_and_errors():
    assert isinstance(get_optimizer("Adam", eta=1e-3), Adam)
    assert isinstance(get_optimizer("adadelta"), Adadelta)
    opt = Momentum(eta=0.1)
    assert get_optimizer(opt) is opt
    assert set(OPTIMIZERS) == {
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
        "adam",
    }
    assert all(issubclass(cls, Optimizer) for cls in OPTIMIZERS.values())
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        get_optimizer("adamw", eta=0.1)
    with pytest.raises(TypeError, match="bad arguments for optimizer 'sgd'"):
        get_optimizer("sgd", eta=0.1, mu=0.9)
    with pytest.raises(ValueError, match="eta must be a positive"):
        SGD(eta=-1.0)
    with pytest.raises(ValueError, match=r"mu must lie in \[0, 1\)"):
        Momentum(eta=0.1, mu=1.0)


TORCH_EQUIVALENTS = {
    "sgd": (dict(eta=0.1), "SGD", dict(lr=0.1)),
    "momentum": (dict(eta=0.1, mu=0.9), "SGD", dict(lr=0.1, momentum=0.9)),
    "nesterov": (dict(eta=0.1, mu=0.9), "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    "adagrad": (dict(eta=0.1), "Adagrad", dict(lr=0.1, eps=1e-8)),
    "adadelta": (dict(eta=0.7), "Adadelta", dict(lr=0.7, rho=0.95, eps=1e-6)),
    "rmsprop": (dict(eta=0.01), "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-8)),
    "adam": (dict(eta=0.01), "Adam", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
}


@pytest.mark.parametrize("name", sorted(TORCH_EQUIVALENTS))
def test_matches_torch_optim_over_ten_steps(name):
    torch = pytest.importorskip("torch")
    ours, torch_name, torch_kw = TORCH_EQUIVALENTS[name]
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(10)]
    w = w0.copy()
    opt = get_optimizer(name, **ours)
    tw = torch.tensor(w0.copy(), requires_grad=True)
    topt = getattr(torch.optim, torch_name)([tw], **torch_kw)
    for g in grads:
        opt.step([w], [g])
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_trajectory_with_sgd_is_plain_gradient_descent_on_a_bowl():
    # C(v) = v1^2 + 3 v2^2, grad = (2 v1, 6 v2): each step multiplies v1 by (1 - 2 eta) and v2 by
    # (1 - 6 eta), so the path is known in closed form.
    eta, steps = 0.1, 5
    path = trajectory(SGD(eta), lambda v: np.array([2 * v[0], 6 * v[1]]), (1.0, -2.0), steps)
    k = np.arange(steps + 1)
    expected = np.stack([1.0 * (1 - 2 * eta) ** k, -2.0 * (1 - 6 * eta) ** k], axis=1)
    np.testing.assert_allclose(path, expected, rtol=1e-14)


def test_trajectory_rejects_bad_steps_and_start():
    with pytest.raises(ValueError, match="steps"):
        trajectory(SGD(0.1), lambda v: v, (1.0, 2.0), -1)
    with pytest.raises(ValueError, match=r"\(d,\)"):
        trajectory(SGD(0.1), lambda v: v, [[1.0, 2.0]], 3)

