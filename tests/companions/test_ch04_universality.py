"""Tests for nndl_lib.companions.ch04_universality: chapter 4's hand-built networks."""

import numpy as np
import pytest

from nndl_lib import fc
from nndl_lib.activations import sigmoid
from nndl_lib.companions import ch04_steps as steps
from nndl_lib.companions import ch04_universality as u
from nndl_lib.companions import ch04_universality_beyond as ub

L_SINE = 0.4 * 2 * np.pi  # Lipschitz constant of sine_target


def sine_target(x):
    """0.5 + 0.4 sin(2 pi x): continuous, Lipschitz constant 0.8 pi, values in [0.1, 0.9]."""
    return 0.5 + 0.4 * np.sin(2 * np.pi * x)


def direct_bump_sum(x, edges, heights, w):
    """sum_i h_i [sigma(w (x - e_i)) - sigma(w (x - e_{i+1}))], written out independently."""
    out = np.zeros_like(x)
    for h, e1, e2 in zip(heights, edges[:-1], edges[1:], strict=True):
        out += h * (sigmoid(w * (x - e1)) - sigmoid(w * (x - e2)))
    return out


# ---- many bumps ----------------------------------------------------------------------------

def test_step_edges_cover_the_interval_with_cells_at_most_one_bump_wide():
    edges = u.step_edges(5)
    assert edges == pytest.approx([-0.1, 0.2, 0.4, 0.6, 0.8, 1.1])
    shifted = u.step_edges(5, offset=0.05)
    assert shifted.size == 7  # one more cell, cut short at both ends
    widths = np.diff(np.clip(shifted, 0, 1))
    assert widths.max() <= 0.2 + 1e-12 and widths.min() > 0
    with pytest.raises(ValueError, match="offset"):
        u.step_edges(5, offset=0.2)


@pytest.mark.parametrize("offset", [0.0, 0.03])
def test_bump_network_through_fc_feedforward_equals_the_sum_of_bumps(offset):
    n, w = 6, 300.0
    net = u.bump_network(sine_target, n, w=w, offset=offset)
    edges = u.step_edges(n, offset)
    centres = (np.clip(edges[:-1], 0, 1) + np.clip(edges[1:], 0, 1)) / 2
    x = np.linspace(0, 1, 501)
    expected = direct_bump_sum(x, edges, sine_target(centres), w)
    out = fc.feedforward(x[:, None], net.weights, net.biases, "sigmoid", "linear")
    assert out.shape == (501, 1)
    assert out[:, 0] == pytest.approx(expected, abs=1e-12)
    assert net(x) == pytest.approx(expected, abs=1e-12)
    assert net.n_hidden == 2 * (edges.size - 1)
    assert net.weights[0].shape == (net.n_hidden, 1) and net.weights[1].shape == (1, net.n_hidden)


def test_a_constant_target_is_reproduced_everywhere_on_the_interval():
    net = u.bump_network(lambda x: 0.3, 7, w=1e4)
    assert u.approximation_error(net, lambda x: np.full_like(x, 0.3)).max < 1e-12


def test_at_a_step_edge_the_output_blends_the_two_neighbouring_heights():
    n = 5
    net = u.bump_network(sine_target, n, w=1e4)
    edges, x = u.step_edges(n), np.linspace(0, 1, 4001)
    centres = (np.arange(n) + 0.5) / n
    assert net(edges[1:-1]) == pytest.approx(
        (sine_target(centres[:-1]) + sine_target(centres[1:])) / 2, abs=1e-9)
    # away from the edges the output is the ideal staircase f(centre)
    away = np.min(np.abs(x[:, None] - edges[None, 1:-1]), axis=1) > 3 * steps.window_of_failure(1e4)
    staircase = u.ideal_staircase(sine_target, n, x)
    assert np.abs(net(x) - staircase)[away].max() < 1e-6


def test_error_decreases_with_more_bumps_and_stays_below_the_lipschitz_bound():
    counts = [2, 4, 8, 16, 32, 64]
    rows = u.error_vs_bumps(sine_target, counts, w=1e4, n_points=4001)
    maxima = [r["max"] for r in rows]
    assert all(a > b for a, b in zip(maxima, maxima[1:], strict=False))
    assert maxima[-1] < maxima[0] / 20
    assert [r["n_hidden"] for r in rows] == [2 * n for n in counts]
    for r in rows:
        assert r["mean"] <= r["max"] <= u.lipschitz_error_bound(r["n_bumps"], 1e4, L_SINE, 0.9)


def test_with_a_moderate_weight_the_windows_cost_what_the_bound_says():
    # w = 200: windows of failure wider than the bumps; the error stops falling (near the ends of
    # the interval the outer steps are only half up), yet the bound, which counts the windows, holds
    rows = u.error_vs_bumps(sine_target, [2, 4, 8, 16, 32, 64], w=200.0, n_points=4001)
    for r in rows:
        assert r["max"] <= u.lipschitz_error_bound(r["n_bumps"], 200.0, L_SINE, 0.9), r
    assert rows[-1]["max"] > rows[3]["max"]


def test_the_bound_is_not_vacuous():
    # the measured error is within a factor 3 of the bound: the bound tracks the real error
    net = u.bump_network(sine_target, 50, w=1e4)
    measured = u.approximation_error(net, sine_target, 20001).max
    assert measured > u.lipschitz_error_bound(50, 1e4, L_SINE, 0.9) / 3


def test_sigmoid_output_uses_bumps_that_add_up_to_sigmoid_inverse_of_f():
    n, w = 40, 1e4
    net = u.bump_network(sine_target, n, w=w, output="sigmoid")
    assert net.output_activation == "sigmoid"
    x = np.linspace(0, 1, 2001)
    zs, activations = fc.forward_pass(x[:, None], net.weights, net.biases, "sigmoid", "sigmoid")
    weighted_output = zs[-1][:, 0]
    # sigma^{-1}(f) = logit(f) is Lipschitz with L / min f(1 - f) (f in [0.1, 0.9])
    l_logit, sup_logit = L_SINE / (0.1 * 0.9), float(np.log(0.9 / 0.1))
    bound_logit = u.lipschitz_error_bound(n, w, l_logit, sup_logit)
    assert np.abs(weighted_output - steps.sigmoid_inverse(sine_target(x))).max() <= bound_logit
    # sigma is 1/4-Lipschitz, so the output is within a quarter of that of f
    assert np.abs(activations[-1][:, 0] - sine_target(x)).max() <= bound_logit / 4
    assert u.approximation_error(net, sine_target).max <= bound_logit / 4


def test_sigmoid_output_refuses_targets_outside_zero_one():
    with pytest.raises(ValueError, match="0 < a < 1"):
        u.bump_network(lambda x: 2 * x, 10, output="sigmoid")
    assert u.bump_network(lambda x: 2 * x, 10, output="linear").n_hidden == 20


# ---- the window of failure and its fix -----------------------------------------------------

def test_shifted_network_is_the_average_of_shifted_copies_for_f_over_m():
    n, m_total, w = 8, 3, 500.0
    net = u.shifted_bump_network(sine_target, n, m_total, w=w)
    x = np.linspace(0, 1, 777)
    copies = [u.bump_network(sine_target, n, w=w, offset=m / (m_total * n)) for m in range(m_total)]
    assert net(x) == pytest.approx(np.mean([c(x) for c in copies], axis=0), abs=1e-12)
    assert net.n_hidden == sum(c.n_hidden for c in copies)
    single = u.bump_network(sine_target, n, w=w)
    assert u.shifted_bump_network(sine_target, n, 1, w=w)(x) == pytest.approx(single(x))
    assert u.approximation_error(net, sine_target).max <= u.lipschitz_error_bound(
        n, w, L_SINE, 0.9)


def test_sum_networks_adds_outputs_and_refuses_different_shapes():
    a = u.bump_network(sine_target, 4, w=100.0)
    b = u.bump_network(np.cos, 3, w=100.0)
    x = np.linspace(0, 1, 101)
    assert u.sum_networks([a, b])(x) == pytest.approx(a(x) + b(x), abs=1e-12)
    with pytest.raises(ValueError, match="differs from network 0"):
        u.sum_networks([a, ub.relu_network(sine_target, 4)])
    with pytest.raises(ValueError, match="at least one"):
        u.sum_networks([])


# ---- beyond sigmoid ------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "softplus", "linear", "leaky_relu"])
def test_unbounded_activations_have_no_step_limits(activation):
    with pytest.raises(ValueError, match="relu_network"):
        steps.activation_limits(activation)
    with pytest.raises(ValueError, match="no two different finite limits"):
        u.bump_network(sine_target, 5, activation=activation)


def test_a_tanh_bump_network_is_the_sigmoid_one_with_twice_the_weight():
    # (tanh(w u) + 1) / 2 = sigma(2 w u), and the output weights are divided by hi - lo = 2
    x = np.linspace(0, 1, 1001)
    tanh_net = u.bump_network(sine_target, 12, w=150.0, activation="tanh")
    sigmoid_net = u.bump_network(sine_target, 12, w=300.0)
    assert tanh_net.activation == "tanh"
    assert tanh_net(x) == pytest.approx(sigmoid_net(x), abs=1e-12)


def test_relu_step_and_hat_have_the_stated_shapes():
    x = np.array([0.0, 0.29, 0.3, 0.31, 1.0])
    assert ub.relu_step(x, 0.3, 100.0) == pytest.approx([0, 0, 0.5, 1, 1], abs=1e-12)
    xs = np.linspace(0, 1, 1001)
    hat = ub.hat(xs, 0.5, 0.2)
    assert hat.max() == pytest.approx(1.0) and xs[np.argmax(hat)] == pytest.approx(0.5)
    assert np.abs(hat[(xs <= 0.3) | (xs >= 0.7)]).max() < 1e-12
    assert np.trapezoid(hat, xs) == pytest.approx(0.2, rel=1e-4)  # a triangle: base 0.4, height 1
    inside = (xs > 0.3) & (xs < 0.5)
    assert hat[inside] == pytest.approx((xs[inside] - 0.3) / 0.2)


@pytest.mark.parametrize("n", [1, 3, 10, 40])
def test_relu_network_is_the_linear_interpolant_and_respects_its_bound(n):
    net = ub.relu_network(sine_target, n)
    assert net.n_hidden == n and net.activation == "relu"
    x = np.linspace(0, 1, 4001)
    knots = np.linspace(0, 1, n + 1)
    out = fc.feedforward(x[:, None], net.weights, net.biases, "relu", "linear")[:, 0]
    assert out == pytest.approx(np.interp(x, knots, sine_target(knots)), abs=1e-12)
    assert u.approximation_error(net, sine_target, 4001).max <= L_SINE / (2 * n)


def test_relu_network_is_exact_for_a_straight_line():
    net = ub.relu_network(lambda x: 0.7 - 2 * x, 5)
    assert u.approximation_error(net, lambda x: 0.7 - 2 * x).max < 1e-12


# ---- two inputs: towers --------------------------------------------------------------------

def bowl(x, y):
    """A smooth 2-D target with values in [0.2, 0.8]."""
    return 0.5 + 0.3 * np.sin(2 * np.pi * x) * np.cos(np.pi * y)


def test_each_second_layer_neuron_is_a_tower_over_its_cell():
    n = 4
    net = ub.tower_network(bowl, n, w=1e4, threshold_weight=50.0)
    assert net.hidden_sizes == (2 * (n + 1), n * n)
    centres = (np.arange(n) + 0.5) / n
    cx, cy = np.meshgrid(centres, centres, indexing="ij")
    points = np.stack([cx.ravel(), cy.ravel()], axis=1)
    _, activations = fc.forward_pass(points, net.weights, net.biases, "sigmoid", "linear")
    towers = activations[2]  # (cells, towers): tower k is on over cell k only
    assert towers == pytest.approx(np.eye(n * n), abs=1e-9)
    # on a "ridge" (x inside a cell, y in another) the tower stays off
    ridge = np.array([[centres[1], centres[3]]])
    _, act_ridge = fc.forward_pass(ridge, net.weights, net.biases, "sigmoid", "linear")
    assert act_ridge[2][0, 1 * n + 1] < 1e-9
    assert net(points) == pytest.approx(bowl(cx.ravel(), cy.ravel()), abs=1e-9)


def test_towers_leave_a_hole_at_every_interior_corner():
    n = 4
    net = ub.tower_network(bowl, n, w=1e4)
    corners = np.array([[0.25, 0.5], [0.5, 0.75], [0.75, 0.25]])
    # at a corner every bump is at 1/2, B_x + B_y = 1 < 3/2: all four towers are off
    assert np.abs(net(corners)).max() < 1e-9
    assert ub.approximation_error_2d(net, bowl, 101).max >= bowl(corners[:, 0],
                                                                corners[:, 1]).max() - 1e-9


def test_shifted_towers_cut_the_worst_error_by_about_the_number_of_copies():
    n = 6
    single = ub.approximation_error_2d(ub.tower_network(bowl, n, w=1e3), bowl, 121)
    for m_total in (2, 4):
        net = ub.shifted_tower_network(bowl, n, m_total, w=1e3)
        err = ub.approximation_error_2d(net, bowl, 121)
        assert err.max < single.max / m_total * 1.15, (m_total, err, single)
        assert err.mean < single.mean
    assert single.max > 0.7  # the hole: about max f = 0.8


def test_tower_network_with_sigmoid_output_matches_f_at_cell_centres():
    n = 3
    net = ub.tower_network(bowl, n, output="sigmoid")
    c = (np.arange(n) + 0.5) / n
    cx, cy = np.meshgrid(c, c, indexing="ij")
    assert net(np.stack([cx.ravel(), cy.ravel()], axis=1)) == pytest.approx(
        bowl(cx.ravel(), cy.ravel()), abs=1e-9)


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, -3, 2.5, True, "5"])
def test_bad_bump_counts_are_refused(n):
    with pytest.raises(ValueError, match="integer >= 1"):
        u.bump_network(sine_target, n)


def test_bad_targets_and_options_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="function"):
        u.bump_network([0.1, 0.2], 5)
    with pytest.raises(ValueError, match="one value per point"):
        u.bump_network(lambda x: np.ones((len(x), 2)), 5)
    with pytest.raises(ValueError, match="NaN or infinite"):
        u.bump_network(lambda x: np.where(x > 0.5, np.inf, x), 5)
    with pytest.raises(ValueError, match="positive finite"):
        u.bump_network(sine_target, 5, w=-10.0)
    with pytest.raises(ValueError, match="'linear' or 'sigmoid'"):
        u.bump_network(sine_target, 5, output="relu")
    with pytest.raises(ValueError, match="shape"):
        u.bump_network(sine_target, 5)(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        u.ideal_staircase(sine_target, 5, np.array([0.5, 1.5]))


def test_evaluation_in_chunks_equals_one_feedforward_call(monkeypatch):
    net = u.bump_network(sine_target, 30, w=500.0)
    x = np.linspace(0, 1, 1001)
    whole = fc.feedforward(x[:, None], net.weights, net.biases, "sigmoid", "linear")[:, 0]
    monkeypatch.setattr(u, "_CHUNK_ELEMENTS", 7 * 60)  # 7 rows per chunk
    assert net(x) == pytest.approx(whole, abs=1e-12)
    assert net(np.zeros(0)).shape == (0,)
