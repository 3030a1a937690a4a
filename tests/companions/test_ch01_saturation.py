"""Tests for nndl_lib.companions.ch01_saturation."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.activations import sigmoid_prime
from nndl_lib.companions.ch01_saturation import output_class_counts, saturated_fraction
from nndl_lib.network import Network


def test_saturated_fraction_counts_small_derivatives_per_layer():
    net = Network([3, 4, 2], seed=0)
    x = np.random.default_rng(1).standard_normal((50, 3))
    zs, _ = net.forward_pass(x)
    expected = [np.mean(sigmoid_prime(z) < 0.05) for z in zs]
    assert saturated_fraction(net, x, threshold=0.05) == pytest.approx(expected)


def test_huge_weights_saturate_everything_and_zero_weights_nothing():
    net = Network([3, 4, 2], seed=0)
    x = np.ones((5, 3))
    for w in net.weights:
        w[...] = 100.0
    assert saturated_fraction(net, x) == [1.0, 1.0]
    for w, b in zip(net.weights, net.biases, strict=True):
        w[...], b[...] = 0.0, 0.0
    assert saturated_fraction(net, x) == [0.0, 0.0]


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        saturated_fraction(Network([2, 2], seed=0), np.zeros((1, 2)), threshold=0)


def test_output_class_counts_tallies_the_predictions():
    net = Network([2, 3], seed=0)
    net.weights[0][...] = 0.0
    net.biases[0][...] = [0.0, 5.0, 0.0]  # output 1 always wins
    counts = output_class_counts(net, np.zeros((7, 2)))
    assert counts.tolist() == [0, 7, 0]
