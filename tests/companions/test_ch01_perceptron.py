"""Tests for nndl_lib.companions.ch01_perceptron: the perceptron rule, NAND, adders built from NAND
perceptrons."""

import itertools

import numpy as np
import pytest

from nndl_lib.activations import sigmoid
from nndl_lib.companions.ch01_perceptron import (
    NAND_BIAS,
    NAND_WEIGHTS,
    NandCircuit,
    add_binary,
    bitwise_output_layer,
    from_bits,
    full_adder,
    half_adder,
    nand,
    perceptron_output,
    sigmoid_neuron_output,
    threshold_output,
    to_bits,
)
from nndl_lib.reference_values import EXERCISE_KEYS


def test_vote_exercise_weighted_sum_and_output_match_key():
    key = EXERCISE_KEYS["ch1_perceptron_vote"]
    x, w = np.array(key["x"]), np.array(key["w"])
    assert x @ w == key["weighted_sum"]
    assert threshold_output(x, w, key["threshold"]) == key["output"]


def test_nand_perceptron_matches_key_on_all_inputs():
    key = EXERCISE_KEYS["ch1_nand"]
    np.testing.assert_array_equal(NAND_WEIGHTS, key["w"])
    assert NAND_BIAS == key["b"]
    inputs = np.array(key["inputs"])
    np.testing.assert_array_equal(perceptron_output(inputs, NAND_WEIGHTS, NAND_BIAS),
                                  key["outputs"])
    np.testing.assert_array_equal(nand(inputs[:, 0], inputs[:, 1]), key["outputs"])


def test_perceptron_outputs_zero_exactly_on_the_boundary():
    # w . x + b = 0 is "not positive": the perceptron outputs 0 there
    assert perceptron_output(np.array([1.0, 1.0]), np.array([1.0, -1.0]), 0.0) == 0
    assert perceptron_output(np.array([1.0, 1.0]), np.array([1.0, -1.0]), 1e-9) == 1


def test_half_adder_truth_table_and_uses_five_nands():
    a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    s, c = half_adder(a, b)
    np.testing.assert_array_equal(s, a ^ b)
    np.testing.assert_array_equal(c, a & b)
    circuit = NandCircuit()
    circuit.half_adder(1, 1)
    assert circuit.evaluations == 5


def test_full_adder_truth_table_and_uses_nine_nands():
    table = np.array(list(itertools.product([0, 1], repeat=3)))
    s, c = full_adder(table[:, 0], table[:, 1], table[:, 2])
    total = table.sum(axis=1)
    np.testing.assert_array_equal(s, total % 2)
    np.testing.assert_array_equal(c, total // 2)
    circuit = NandCircuit()
    circuit.full_adder(0, 1, 1)
    assert circuit.evaluations == 9


def test_ripple_carry_adder_adds_all_4_bit_pairs():
    xs, ys = np.meshgrid(np.arange(16), np.arange(16))
    bits = NandCircuit().add(to_bits(xs, 4), to_bits(ys, 4))
    np.testing.assert_array_equal(from_bits(bits), xs + ys)
    assert add_binary(200, 55) == 255
    assert add_binary(255, 1, n_bits=8) == 256


def test_bits_round_trip_and_reject_out_of_range():
    np.testing.assert_array_equal(to_bits(6, 4), [0, 1, 1, 0])
    assert from_bits(to_bits(np.arange(32), 5)).tolist() == list(range(32))
    with pytest.raises(ValueError, match=r"\[0, 16\)"):
        to_bits(16, 4)
    with pytest.raises(ValueError, match="bits 0 and 1"):
        nand(2, 0)


def test_scaled_sigmoid_neuron_approaches_perceptron_off_the_boundary():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(50, 3)).astype(float)
    w, b = np.array([0.7, -1.3, 0.4]), 0.15  # no input gives w . x + b = 0
    p = perceptron_output(x, w, b)
    # the smallest |w . x + b| over binary inputs is 0.05, so the worst error is sigma(-0.05 c)
    errors = []
    for c in [1.0, 10.0, 100.0, 1000.0]:
        errors.append(np.abs(sigmoid_neuron_output(x, c * w, c * b) - p).max())
        assert errors[-1] <= sigmoid(-0.05 * c) + 1e-15
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-12
    # on the boundary the scaled sigmoid neuron stays at 1/2 for every c
    assert sigmoid_neuron_output(np.array([1.0, 1.0]), 1e3 * np.array([1.0, -1.0]), 0.0) == 0.5


def test_bitwise_layer_decodes_every_digit_from_imperfect_outputs():
    w, b = bitwise_output_layer()
    assert w.shape == (4, 10) and b.shape == (4,)
    a = np.full((10, 10), 0.01) + np.eye(10) * 0.98  # correct neuron 0.99, others 0.01
    bits = sigmoid(a @ w.T + b)
    assert np.all((bits > 0.99) | (bits < 0.01))
    np.testing.assert_array_equal(from_bits((bits > 0.5).astype(int)), np.arange(10))


def test_shape_mismatch_error_names_expected_and_received():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\).*got \(3,\)"):
        perceptron_output(np.ones(3), NAND_WEIGHTS, NAND_BIAS)
