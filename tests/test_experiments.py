"""Tests for nndl_lib.experiments: chapter 3's experiment runners (synthetic data, seconds)."""

import numpy as np
import pytest

from nndl_lib.activations import softmax
from nndl_lib.experiments import (
    RunSpec,
    backprop_throughput,
    fraction_below,
    more_data_sweep,
    run_spec,
    spec_from_book,
    weight_decay_factor,
)
from nndl_lib.network import Network
from nndl_lib.reference_values import EXERCISE_KEYS, book_result


def _blobs(n, n_in=20, n_classes=3, seed=0):
    """n points around one random centre per class: an easy, separable problem."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(n_classes, n_in))
    y = rng.integers(0, n_classes, size=n)
    x = (centres[y] + 0.3 * rng.normal(size=(n, n_in))).astype(np.float32)
    return x, y


def test_weight_decay_factor_matches_exercise_key():
    k = EXERCISE_KEYS["ch3_l2_decay_factor"]
    factor = weight_decay_factor(k["eta"], k["lmbda"], k["n"])
    assert factor == pytest.approx(k["factor"], abs=1e-12)


def test_weight_decay_factor_rejects_empty_training_set():
    with pytest.raises(ValueError, match="positive"):
        weight_decay_factor(0.5, 5.0, 0)


def test_softmax_of_exercise_vector_matches_key():
    k = EXERCISE_KEYS["ch3_softmax"]
    np.testing.assert_allclose(softmax(np.array(k["z"])), k["a"], atol=5e-6)


def test_spec_from_book_copies_the_published_configuration():
    spec = spec_from_book("ch3_l2_1000")
    r = book_result("ch3_l2_1000")
    assert spec.sizes == tuple(r.sizes)
    assert (spec.eta, spec.lmbda, spec.epochs, spec.training_size) == (r.eta, r.lmbda, r.epochs,
                                                                       r.training_size)
    assert spec.init == "large" and spec.cost == "cross-entropy"
    assert spec_from_book("ch3_l2_1000", epochs=3).epochs == 3


def test_spec_validation_names_the_bad_field():
    with pytest.raises(ValueError, match="epochs"):
        RunSpec(epochs=0)
    with pytest.raises(ValueError, match="sizes"):
        RunSpec(sizes=(784,))


def test_run_spec_learns_separable_blobs_and_is_reproducible():
    train, test = _blobs(300, seed=1), _blobs(200, seed=1)
    spec = RunSpec(sizes=(20, 8, 3), eta=0.5, epochs=5, training_size=300)
    a = run_spec(spec, train, test, seed=3)
    b = run_spec(spec, train, test, seed=3)
    assert a.history.evaluation_accuracy == b.history.evaluation_accuracy
    assert a.best_evaluation_accuracy > 0.9  # three well separated clusters
    assert len(a.history.evaluation_accuracy) == 5


def test_run_spec_refuses_more_images_than_given():
    with pytest.raises(ValueError, match="training_size"):
        run_spec(RunSpec(sizes=(20, 3), training_size=500), _blobs(100))


def test_more_data_sweep_scales_epochs_and_returns_accuracy_per_size():
    train, valid = _blobs(400, seed=2), _blobs(200, seed=2)
    base = RunSpec(sizes=(20, 8, 3), eta=0.5)
    out = more_data_sweep((50, 400), train, valid, base=base, examples_per_run=800, seed=0)
    assert list(out) == [50, 400]
    assert all(0.0 <= v <= 1.0 for v in out.values())
    assert out[400] > 0.9


def test_backprop_throughput_reports_positive_rates_for_each_batch_size():
    net = Network([20, 8, 3], seed=0, dtype=np.float32)
    x, y = _blobs(200)
    speed = backprop_throughput(net, x, y, (1, 10, 100), repeats=1)
    assert list(speed) == [1, 10, 100]
    assert all(v > 0 for v in speed.values())


def test_fraction_below_counts_small_weights_across_arrays():
    ws = [np.array([0.0, 1e-4, 0.5]), np.array([[2e-3, -5e-4], [1.0, 0.0]])]
    assert fraction_below(ws, 1e-3) == pytest.approx(4 / 7)


def test_run_spec_passes_hidden_and_output_activations_to_the_network():
    spec = RunSpec(sizes=(20, 8, 3), activation="relu", output_activation="sigmoid", eta=0.1,
                   epochs=1, training_size=100)
    result = run_spec(spec, _blobs(100), monitor=())
    assert result.net.activation.name == "relu"
    assert result.net.output_activation.name == "sigmoid"
