"""Tests for nndl_lib.companions.ch02_backprop_demo (chapter 2's experiments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nndl_lib.companions import ch02_backprop_demo as bd
from nndl_lib.costs import CrossEntropyCost, QuadraticCost
from nndl_lib.metrics import count_parameters
from nndl_lib.network import Network
from nndl_lib.reference_values import EXERCISE_KEYS, WORKED_EXAMPLE_222

# The reference values are printed with 9 decimals (8 for the weights after the step).
TOL_9_DECIMALS = 1e-9 * 0.5 + 1e-12
TOL_8_DECIMALS = 1e-8 * 0.5 + 1e-12


def _one_hot_rows(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


def test_count_parameters_matches_the_chapter_1_exercise_key():
    for sizes, count in EXERCISE_KEYS["ch1_parameter_counts"].items():
        assert count_parameters(sizes) == count


def test_count_parameters_rejects_a_single_layer():
    with pytest.raises(ValueError, match="at least two"):
        count_parameters([784])


def test_worked_example_network_uses_the_notes_layout():
    net = bd.worked_example_network()
    w = WORKED_EXAMPLE_222["w"]
    np.testing.assert_array_equal(net.weights[0], [[w[0], w[1]], [w[2], w[3]]])
    np.testing.assert_array_equal(net.weights[1], [[w[4], w[5]], [w[6], w[7]]])
    np.testing.assert_array_equal(net.biases[0], [0.35, 0.35])
    np.testing.assert_array_equal(net.biases[1], [0.60, 0.60])
    assert net.cost is QuadraticCost


def test_worked_example_forward_values_and_errors_match_reference_to_9_decimals():
    live = bd.worked_example_results()
    for key in ("net_h1", "out_h1", "out_h2", "net_o1", "out_o1", "out_o2",
                "E_o1", "E_o2", "E_total", "E_total_after_step"):
        assert live[key] == pytest.approx(WORKED_EXAMPLE_222[key], abs=TOL_9_DECIMALS), key


def test_worked_example_gradients_match_reference_to_9_decimals():
    live = bd.worked_example_results()
    np.testing.assert_allclose(live["dE_dw"], WORKED_EXAMPLE_222["dE_dw"], rtol=0,
                               atol=TOL_9_DECIMALS)


def test_worked_example_step_updates_weights_only_and_matches_reference_to_8_decimals():
    live = bd.worked_example_results()
    np.testing.assert_allclose(live["w_after_step"], WORKED_EXAMPLE_222["w_after_step"], rtol=0,
                               atol=TOL_8_DECIMALS)
    # the step is w - eta dE/dw exactly
    eta = WORKED_EXAMPLE_222["eta"]
    expected = np.array(WORKED_EXAMPLE_222["w"]) - eta * np.array(live["dE_dw"])
    np.testing.assert_allclose(live["w_after_step"], expected, rtol=0, atol=1e-15)
    assert live["E_total_after_step"] < live["E_total"]


@pytest.mark.parametrize("layer,j,k", [(0, 1, 2), (1, 3, 0), (2, 2, 3), (3, 1, 1)])
@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost])
def test_path_sum_equals_backprop_example_for_every_layer(layer, j, k, cost):
    net = Network([3, 4, 4, 4, 2], cost=cost, init="large", seed=6)
    x, y = np.array([0.2, 0.7, 0.1]), np.array([1.0, 0.0])
    paths, total = bd.path_contributions(net, x, y, layer, j, k)
    assert len(paths) == math.prod(net.sizes[layer + 2:])
    assert total == pytest.approx(sum(rate for _, rate in paths), abs=1e-15)
    _, nabla_w = net.backprop_example(x, y)
    assert total == pytest.approx(nabla_w[layer][j, k], rel=1e-10, abs=1e-14)


def test_path_contributions_rejects_bad_indices_and_softmax_outputs():
    net = Network([3, 4, 2], seed=0)
    x, y = np.zeros(3), np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="layer"):
        bd.path_contributions(net, x, y, 2, 0, 0)
    with pytest.raises(ValueError, match=r"\(j, k\)"):
        bd.path_contributions(net, x, y, 0, 4, 0)
    softmax_net = Network([3, 4, 2], cost="log-likelihood", seed=0)
    with pytest.raises(ValueError, match="softmax"):
        bd.path_contributions(softmax_net, x, y, 0, 0, 0)


def test_time_finite_differences_counts_two_passes_per_parameter_and_leaves_net_unchanged():
    rng = np.random.default_rng(4)
    net = Network([20, 6, 3], seed=5)
    x = rng.random((4, 20))
    y = _one_hot_rows(rng.integers(0, 3, size=4), 3)
    before = [w.copy() for w in net.weights]
    fd = bd.time_finite_differences(net, x, y, n_rows=2, backprop_repeats=3)
    assert fd.n_checked == 2 * 20
    assert fd.forward_passes == 2 * fd.n_checked
    assert fd.n_parameters == count_parameters([20, 6, 3]) == 20 * 6 + 6 + 6 * 3 + 3
    assert fd.forward_passes_all == 2 * fd.n_parameters
    assert fd.relative_error < 1e-7  # backprop and finite differences agree
    assert fd.fd_seconds > 0 and fd.backprop_seconds > 0
    assert fd.extrapolated_seconds == pytest.approx(fd.seconds_per_partial * fd.n_parameters)
    for w0, w1 in zip(before, net.weights, strict=True):
        np.testing.assert_array_equal(w0, w1)


def test_time_finite_differences_rejects_too_many_rows():
    net = Network([4, 3, 2], seed=0)
    with pytest.raises(ValueError, match="n_rows"):
        bd.time_finite_differences(net, np.zeros((1, 4)), np.zeros((1, 2)), n_rows=4)
