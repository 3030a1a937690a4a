"""Tests for nndl_lib.companions.ch04_steps: one neuron is a step, two make a bump."""

import numpy as np
import pytest

from nndl_lib.activations import Activation, sigmoid
from nndl_lib.companions import ch04_steps as steps

ARCTAN = Activation("arctan", np.arctan, lambda z: 1 / (1 + z * z))


# ---- one neuron: a step ------------------------------------------------------------------------

@pytest.mark.parametrize(("w", "b"), [(1000.0, -400.0), (5.0, 1.0), (-20.0, 6.0), (3.0, 0.0)])
def test_step_position_is_minus_b_over_w_where_the_neuron_outputs_one_half(w, b):
    s = steps.step_position(w, b)
    assert s == pytest.approx(-b / w)
    assert steps.hidden_neuron(np.array([s]), w, b)[0] == pytest.approx(0.5, abs=1e-12)
    assert steps.step_bias(s, w) == pytest.approx(b)


def test_a_large_weight_makes_the_neuron_a_step_and_a_small_one_does_not():
    s = 0.4
    x_left, x_right = np.linspace(0, s - 0.01, 50), np.linspace(s + 0.01, 1, 50)
    a_left = steps.hidden_neuron(x_left, 1000.0, steps.step_bias(s, 1000.0))
    a_right = steps.hidden_neuron(x_right, 1000.0, steps.step_bias(s, 1000.0))
    assert a_left.max() < 1e-4 and a_right.min() > 1 - 1e-4
    soft = steps.hidden_neuron(np.array([0.0]), 5.0, steps.step_bias(s, 5.0))[0]
    assert 0.1 < soft < 0.2  # sigma(-2): far from a step


@pytest.mark.parametrize("eps", [0.01, 0.001])
def test_the_window_of_failure_ends_where_the_neuron_is_eps_from_0_and_1(eps):
    w, s = 250.0, 0.3
    width = steps.window_of_failure(w, eps)
    a = steps.hidden_neuron(np.array([s - width / 2, s + width / 2]), w, steps.step_bias(s, w))
    assert a == pytest.approx([eps, 1 - eps], rel=1e-9)
    assert steps.window_of_failure(10 * w, eps) == pytest.approx(width / 10)


def test_step_position_and_window_reject_a_zero_weight():
    with pytest.raises(ValueError, match="nonzero weight"):
        steps.step_position(0.0, 1.0)
    with pytest.raises(ValueError, match="nonzero weight"):
        steps.window_of_failure(0.0)
    with pytest.raises(ValueError, match="eps"):
        steps.window_of_failure(10.0, eps=0.5)


# ---- two neurons: a bump -------------------------------------------------------------------

@pytest.mark.parametrize("h", [0.8, -1.3, 5.0])
def test_bump_has_height_h_between_its_steps_and_zero_outside(h):
    x_in, x_out = np.linspace(0.42, 0.58, 20), np.r_[np.linspace(0, 0.37, 20), 0.65, 0.9]
    assert steps.bump(x_in, 0.4, 0.6, h, w=1e4) == pytest.approx(np.full(20, h), abs=1e-12)
    assert np.abs(steps.bump(x_out, 0.4, 0.6, h, w=1e4)).max() < 1e-12


def test_bump_needs_s1_below_s2():
    with pytest.raises(ValueError, match="s1 < s2"):
        steps.bump(np.zeros(3), 0.6, 0.4, 1.0, w=100.0)


def test_sigmoid_inverse_inverts_sigmoid():
    z = np.linspace(-20, 20, 41)
    assert steps.sigmoid_inverse(sigmoid(z)) == pytest.approx(z, abs=1e-6)
    with pytest.raises(ValueError, match="0 < a < 1"):
        steps.sigmoid_inverse(np.array([0.2, 1.0]))



@pytest.mark.parametrize(("activation", "limits"),
                         [("sigmoid", (0.0, 1.0)), ("tanh", (-1.0, 1.0)),
                          (ARCTAN, (-np.pi / 2, np.pi / 2))])
def test_activation_limits_of_bounded_activations(activation, limits):
    assert steps.activation_limits(activation) == pytest.approx(limits, abs=1e-4)
    step = steps.normalized_step(np.array([0.2, 0.5, 0.8]), 0.5, 1e6, activation)
    assert step == pytest.approx([0.0, 0.5, 1.0], abs=1e-4)

