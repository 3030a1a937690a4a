"""Tests for nndl_lib.companions.ch03_single_neuron: chapter 3's one-neuron calculations."""

import numpy as np
import pytest

from nndl_lib.activations import sigmoid_prime, tanh_prime
from nndl_lib.companions.ch03_single_neuron import (
    neuron_cost,
    neuron_gradients,
    sample_weighted_input,
    tanh_sigmoid_slope_crossing,
    train_single_neuron,
    weighted_input_std,
)
from nndl_lib.reference_values import EXERCISE_KEYS

KEY = EXERCISE_KEYS["ch3_single_neuron"]


@pytest.mark.parametrize("i", [0, 1])
def test_initial_output_and_quadratic_gradient_match_exercise_key(i):
    w, b = KEY["starts"][i]
    run = train_single_neuron(w, b, cost="quadratic", epochs=0)
    assert run.a[0] == pytest.approx(KEY["a"][i], abs=1e-6)
    assert run.dC_dw[0] == pytest.approx(KEY["quadratic_dC_dw"][i], abs=1e-6)


@pytest.mark.parametrize("i", [0, 1])
def test_cross_entropy_gradient_is_a_minus_y(i):
    w, b = KEY["starts"][i]
    dw, db = neuron_gradients(w, b, "cross-entropy", x=1.0, y=0.0)
    assert dw == pytest.approx(KEY["a"][i], abs=1e-6)
    assert db == pytest.approx(KEY["a"][i], abs=1e-6)


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_gradients_match_centred_differences_of_the_cost(cost):
    w, b, x, y, h = 0.7, -0.3, 1.5, 0.2, 1e-6

    def c(w_, b_):
        return float(neuron_cost(1 / (1 + np.exp(-(w_ * x + b_))), y, cost))

    dw, db = neuron_gradients(w, b, cost, x, y)
    assert dw == pytest.approx((c(w + h, b) - c(w - h, b)) / (2 * h), rel=1e-6)
    assert db == pytest.approx((c(w, b + h) - c(w, b - h)) / (2 * h), rel=1e-6)


def test_saturated_start_learns_slower_with_quadratic_than_cross_entropy():
    w, b = KEY["starts"][1]
    quad = train_single_neuron(w, b, cost="quadratic", eta=0.15, epochs=300)
    ce = train_single_neuron(w, b, cost="cross-entropy", eta=0.15, epochs=300)
    # Quadratic: the output has barely moved after 50 epochs; cross-entropy has already halved it.
    assert quad.a[50] > 0.95
    assert ce.a[50] < 0.5
    assert ce.a[-1] < quad.a[-1]


def test_trajectory_has_epochs_plus_one_entries_and_costs_decrease():
    run = train_single_neuron(0.6, 0.9, cost="cross-entropy", eta=0.15, epochs=300)
    assert len(run.w) == len(run.cost) == len(run.epochs) == 301
    assert np.all(np.diff(run.cost) < 0)


def test_unknown_cost_raises_with_the_allowed_names():
    with pytest.raises(ValueError, match="quadratic"):
        train_single_neuron(0.6, 0.9, cost="hinge")


def test_weighted_input_std_matches_exercise_key():
    key = EXERCISE_KEYS["ch3_z_std"]
    assert weighted_input_std(500, 1.0) == pytest.approx(key["large"], abs=1e-3)
    assert weighted_input_std(500, np.sqrt(1 / 1000)) == pytest.approx(key["default"], abs=1e-4)


def test_sampled_weighted_input_std_agrees_with_formula_within_2_percent():
    z = sample_weighted_input(1000, 500, 1.0, 20_000, seed=0)
    assert z.std() == pytest.approx(weighted_input_std(500, 1.0), rel=0.02)


def test_tanh_is_steeper_than_sigmoid_only_below_1_6629():
    z_star = tanh_sigmoid_slope_crossing()
    assert z_star == pytest.approx(1.6629, abs=1e-4)
    assert tanh_prime(z_star - 0.01) > sigmoid_prime(z_star - 0.01)
    assert tanh_prime(z_star + 0.01) < sigmoid_prime(z_star + 0.01)
