"""Tests of nndl_lib.deep.rnn: BPTT against numerical gradients, the forward equations, training."""

import numpy as np
import pytest

from nndl_lib.deep.rnn import (
    RNN,
    input_sensitivity,
    lstm_forward,
    noisy_sine,
    readout_backward,
    readout_forward,
    rnn_backward,
    rnn_forward,
    sequence_cost,
    sequence_cost_gradient,
    train_rnn,
)
from nndl_lib.gradcheck import numerical_gradient, rel_error
from nndl_lib.optimizers import SGD, Adam


def random_rnn_problem(N=3, T=5, D=2, H=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(scale=0.5, size=(N, H))
    w_x = rng.normal(scale=0.7, size=(H, D))
    w_h = rng.normal(scale=0.5, size=(H, H))
    b = rng.normal(scale=0.3, size=H)
    dh = rng.normal(size=(N, T, H))
    return x, h0, w_x, w_h, b, dh


@pytest.mark.parametrize("seed, N, T, D, H", [(0, 3, 5, 2, 4), (1, 1, 1, 3, 2), (2, 4, 8, 1, 5)])
def test_rnn_backward_matches_numerical_gradient_of_every_input_and_parameter(seed, N, T, D, H):
    x, h0, w_x, w_h, b, dh = random_rnn_problem(N, T, D, H, seed)

    def cost(_):
        # a scalar whose gradient with respect to h is dh: C = Σ dh ⊙ h
        return float(np.sum(rnn_forward(x, h0, w_x, w_h, b) * dh))

    grads = rnn_backward(dh, x, h0, w_x, w_h, b)
    for analytic, wrt in zip(grads, (x, h0, w_x, w_h, b), strict=True):
        assert analytic.shape == wrt.shape
        assert rel_error(analytic, numerical_gradient(cost, wrt), norm=True) <= 1e-8


def test_rnn_forward_follows_the_recurrence_written_out():
    x, h0, w_x, w_h, b, _ = random_rnn_problem(N=2, T=3, D=2, H=3, seed=4)
    h = rnn_forward(x, h0, w_x, w_h, b)
    h1 = np.tanh(w_x @ x[0, 0] + w_h @ h0[0] + b)  # the book's column form, example 0
    h2 = np.tanh(w_x @ x[0, 1] + w_h @ h1 + b)
    np.testing.assert_allclose(h[0, 0], h1, rtol=1e-13)
    np.testing.assert_allclose(h[0, 1], h2, rtol=1e-13)
    assert np.all(np.abs(h) < 1)


def test_rnn_forward_and_backward_keep_float32():
    x, h0, w_x, w_h, b, dh = (a.astype(np.float32) for a in random_rnn_problem(seed=5))
    assert rnn_forward(x, h0, w_x, w_h, b).dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(dh, x, h0, w_x, w_h, b))


def test_readout_backward_matches_numerical_gradient():
    rng = np.random.default_rng(6)
    h, w_y, b_y, da = (rng.normal(size=s) for s in ((3, 4, 5), (2, 5), (2,), (3, 4, 2)))

    def cost(_):
        return float(np.sum(readout_forward(h, w_y, b_y) * da))

    dh, dw_y, db_y = readout_backward(da, h, w_y)
    assert rel_error(dh, numerical_gradient(cost, h)) <= 1e-8
    assert rel_error(dw_y, numerical_gradient(cost, w_y)) <= 1e-8
    assert rel_error(db_y, numerical_gradient(cost, b_y)) <= 1e-8


def test_sequence_cost_gradient_matches_numerical_gradient():
    rng = np.random.default_rng(7)
    a, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    numeric = numerical_gradient(lambda _: sequence_cost(a, y), a)
    assert rel_error(sequence_cost_gradient(a, y), numeric) <= 1e-8
    assert sequence_cost(y, y) == 0.0


@pytest.mark.parametrize("recurrent", [True, False])
def test_network_gradients_match_numerical_gradient_of_its_cost(recurrent):
    rng = np.random.default_rng(8)
    net = RNN.create(2, 4, 3, rng, recurrent=recurrent)
    x, y = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 6, 3))
    cost, grads = net.gradients(x, y)
    assert cost == pytest.approx(net.cost(x, y), rel=1e-14)
    names = ["w_x", "w_h", "b", "w_y", "b_y"]
    for name, p, g in zip(names, net.params, grads, strict=True):
        numeric = numerical_gradient(lambda _: net.cost(x, y), p)
        if name == "w_h" and not recurrent:
            assert np.all(g == 0)  # discarded: no memory
        else:
            assert rel_error(g, numeric, norm=True) <= 1e-8, name


def test_a_network_without_recurrence_has_no_memory():
    rng = np.random.default_rng(9)
    net = RNN.create(1, 5, 1, rng, recurrent=False)
    x = rng.normal(size=(2, 6, 1))
    x2 = x.copy()
    x2[:, :3] += 1.0  # change the first three inputs only
    a, a2 = net.predict(x), net.predict(x2)
    np.testing.assert_array_equal(a[:, 3:], a2[:, 3:])
    assert not np.allclose(a[:, :3], a2[:, :3])


def test_training_on_the_noisy_sine_beats_the_memoryless_network_and_persistence():
    rng = np.random.default_rng(1)
    train, val = noisy_sine(300, 30, rng=rng), noisy_sine(100, 30, rng=rng)
    costs = {}
    for recurrent in (True, False):
        net = RNN.create(1, 16, 1, np.random.default_rng(2), recurrent=recurrent)
        history = train_rnn(net, train[:2], 20, 20, Adam(0.01), validation_data=val[:2],
                            rng=np.random.default_rng(3))
        assert len(history.training_cost) == len(history.validation_cost) == 20
        assert history.training_cost[-1] < history.training_cost[0]
        costs[recurrent] = history.validation_cost[-1]
    persistence = sequence_cost(val[0], val[1])  # predict s_{t+1} by x_t
    assert costs[True] < 0.4 * costs[False] < 0.4 * persistence


def test_noisy_sine_targets_are_the_next_clean_values():
    x, y, s = noisy_sine(4, 10, noise=0.0, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (4, 10, 1) and s.shape == (4, 11)
    np.testing.assert_allclose(y[:, :-1], x[:, 1:])
    np.testing.assert_allclose(y[:, :, 0], s[:, 1:])
    for bad, message in [({"n_sequences": 0}, "n_sequences must be an integer >= 1"),
                         ({"steps": 2.5}, "steps must be an integer >= 1"),
                         ({"period": 0.0}, "period must be a positive"),
                         ({"noise": -0.1}, "noise must be a non-negative")]:
        with pytest.raises(ValueError, match=message):
            noisy_sine(**{"n_sequences": 4, "steps": 10, "rng": 0, **bad})


def test_input_sensitivity_decays_geometrically_back_in_time_for_small_recurrent_weights():
    rng = np.random.default_rng(10)
    net = RNN.create(1, 8, 1, rng, w_h_gain=0.5)
    sens = input_sensitivity(net, rng.normal(size=(20, 30, 1)))
    assert sens.shape == (30,)
    assert sens[0] < 1e-4 * sens[-1]
    early, middle, late = sens[:10].mean(), sens[10:20].mean(), sens[20:].mean()
    assert early < 1e-2 * middle < 1e-4 * late  # a steady geometric fall, not one jump


def test_gradient_clipping_bounds_the_step():
    rng = np.random.default_rng(11)
    net = RNN.create(1, 4, 1, rng)
    before = [p.copy() for p in net.params]
    x, y = rng.normal(size=(5, 4, 1)), 1e3 * rng.normal(size=(5, 4, 1))  # huge gradients
    train_rnn(net, (x, y), 1, 5, SGD(eta=1.0), rng=rng, max_grad_norm=0.5)
    step = np.sqrt(sum(np.sum((p - q) ** 2) for p, q in zip(net.params, before, strict=True)))
    assert step == pytest.approx(0.5, rel=1e-9)


def test_bad_shapes_give_clear_errors():
    x, h0, w_x, w_h, b, dh = random_rnn_problem()
    with pytest.raises(ValueError, match=r"w_h must have shape \(4, 4\)"):
        rnn_forward(x, h0, w_x, w_h[:, :3], b)
    with pytest.raises(ValueError, match="x must be a NumPy array of shape"):
        rnn_forward(x[0], h0, w_x, w_h, b)
    with pytest.raises(ValueError, match="dh must have the forward output's shape"):
        rnn_backward(dh[:, :2], x, h0, w_x, w_h, b)
    net = RNN.create(2, 3, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 2\)"):
        net.predict(np.zeros((4, 5)))
    with pytest.raises(TypeError, match="rng must be an int, a numpy.random.Generator"):
        RNN.create(2, 3, 1, "0")
    seeded, drawn = RNN.create(2, 3, 1, 5), RNN.create(2, 3, 1, np.random.default_rng(5))
    for p, q in zip(seeded.params, drawn.params, strict=True):  # a seed is a Generator's seed
        np.testing.assert_array_equal(p, q)


def test_lstm_forward_follows_the_gate_equations():
    rng = np.random.default_rng(12)
    N, T, D, H = 2, 3, 2, 3
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    w, b = rng.normal(size=(4 * H, D + H)), rng.normal(size=4 * H)
    h, c = lstm_forward(x, h0, c0, w, b)

    def sigma(z):
        return 1 / (1 + np.exp(-z))

    z = w @ np.concatenate([x[1, 0], h0[1]]) + b  # example 1, first step, column form
    f, i, o, g = sigma(z[:H]), sigma(z[H:2 * H]), sigma(z[2 * H:3 * H]), np.tanh(z[3 * H:])
    np.testing.assert_allclose(c[1, 0], f * c0[1] + i * g, rtol=1e-12)
    np.testing.assert_allclose(h[1, 0], o * np.tanh(f * c0[1] + i * g), rtol=1e-12)
    assert h.shape == c.shape == (N, T, H)


def test_lstm_with_open_forget_gate_and_closed_input_gate_keeps_its_cell_state():
    H, T = 2, 200
    w = np.zeros((4 * H, 1 + H))
    b = np.concatenate([np.full(H, 30.0), np.full(H, -30.0), np.zeros(H), np.zeros(H)])
    c0 = np.array([[0.7, -0.4]])
    _, c = lstm_forward(np.zeros((1, T, 1)), np.zeros((1, H)), c0, w, b)
    np.testing.assert_allclose(c[0, -1], c0[0], rtol=1e-9)  # f = σ(30) ≈ 1, i ≈ 0
    with pytest.raises(ValueError, match=r"w must have shape \(4H, D \+ H\)"):
        lstm_forward(np.zeros((1, T, 1)), np.zeros((1, H)), c0, w[:, :2], b)
