"""Tests for nndl_lib.reproduction.experiments: chapter 3's experiment runners (synthetic data,
seconds)."""

import numpy as np
import pytest
from helpers import blobs

from nndl_lib.activations import softmax
from nndl_lib.companions.ch02_backprop_demo import backprop_throughput
from nndl_lib.conventions import CHAPTER_3, CHAPTER_6
from nndl_lib.network import Network
from nndl_lib.reference_values import EXERCISE_KEYS, book_result
from nndl_lib.regularization import fraction_below, weight_decay_factor
from nndl_lib.reproduction.experiments import (
    RunSpec,
    more_data_sweep,
    run_spec,
    spec_from_book,
)


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
    train, test = blobs(300, seed=1), blobs(200, seed=1)
    spec = RunSpec(sizes=(20, 8, 3), eta=0.5, epochs=5, training_size=300)
    a = run_spec(spec, train, test, seed=3)
    b = run_spec(spec, train, test, seed=3)
    assert a.history.evaluation_accuracy == b.history.evaluation_accuracy
    assert a.best_evaluation_accuracy > 0.9  # three well separated clusters
    assert len(a.history.evaluation_accuracy) == 5


def test_run_spec_refuses_more_images_than_given():
    with pytest.raises(ValueError, match="training_size"):
        run_spec(RunSpec(sizes=(20, 3), training_size=500), blobs(100))


def test_more_data_sweep_scales_epochs_and_returns_accuracy_per_size():
    train, valid = blobs(400, seed=2), blobs(200, seed=2)
    base = RunSpec(sizes=(20, 8, 3), eta=0.5)
    out = more_data_sweep((50, 400), train, valid, base=base, examples_per_run=800, seed=0)
    assert list(out) == [50, 400]
    assert all(0.0 <= v <= 1.0 for v in out.values())
    assert out[400] > 0.9


def test_backprop_throughput_reports_positive_rates_for_each_batch_size():
    net = Network([20, 8, 3], seed=0, dtype=np.float32)
    x, y = blobs(200)
    speed = backprop_throughput(net, x, y, (1, 10, 100), repeats=1)
    assert list(speed) == [1, 10, 100]
    assert all(v > 0 for v in speed.values())


def test_fraction_below_counts_small_weights_across_arrays():
    ws = [np.array([0.0, 1e-4, 0.5]), np.array([[2e-3, -5e-4], [1.0, 0.0]])]
    assert fraction_below(ws, 1e-3) == pytest.approx(4 / 7)


def test_run_spec_passes_hidden_and_output_activations_to_the_network():
    spec = RunSpec(sizes=(20, 8, 3), activation="relu", output_activation="sigmoid", eta=0.1,
                   epochs=1, training_size=100)
    result = run_spec(spec, blobs(100), monitor=())
    assert result.net.activation.name == "relu"
    assert result.net.output_activation.name == "sigmoid"


# -- the table of the book's experiments and run(key, tier) --------------------------------------

def test_every_row_of_the_table_is_a_book_result_and_builds_through_the_public_api():
    from nndl_lib.reference_values import BOOK_RESULTS
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    published = [k for k, e in EXPERIMENTS.items() if e.variant_of is None]
    assert published == list(BOOK_RESULTS)  # corrected variants are not published numbers
    for key, experiment in EXPERIMENTS.items():
        assert experiment.book == experiment.result.accuracy
        for tier in ("fast", "full"):
            spec = experiment.spec_for(tier)
            if spec is None:
                assert experiment.measure in ("random_guess", "average_darkness", "svm"), key
                continue
            if spec.network is None or spec.network == "shallow":  # conv nets: built below
                model = spec.build(seed=0)
                assert hasattr(model, "batch_gradients") and model.weights
    conv = EXPERIMENTS["ch6_two_fc1000"].spec.build(seed=0)
    assert [w.shape for w in conv.weights][-3:] == [(1000, 640), (1000, 1000), (10, 1000)]


def test_fast_tier_overrides_only_what_the_row_says():
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    e = EXPERIMENTS["ch3_overfit_1000"]
    full, fast = e.spec_for("full"), e.spec_for("fast")
    assert (full.epochs, full.training_size) == (400, 1000)
    assert fast == full.but(epochs=e.fast["epochs"])
    with pytest.raises(ValueError, match="tier must be one of"):
        e.spec_for("medium")


def test_run_is_deterministic_in_the_seed_and_measures_what_the_row_says():
    from nndl_lib.reproduction.experiments import run

    x, y = blobs(10_200, n_in=784, n_classes=10, seed=3)  # the fast tier trains on 10,000
    data = ((x[:10_000], y[:10_000]), (x[10_000:10_100], y[10_000:10_100]), (x[10_100:],
                                                                              y[10_100:]))
    a = run("ch1_30_epoch0", "fast", seed=1, data=data)
    b = run("ch1_30_epoch0", "fast", seed=1, data=data)
    assert a.value == b.value and 0 <= a.value <= 100 and a.book == 91.29
    assert a.value == pytest.approx(100 * a.history.evaluation_accuracy[0])
    c = run("ch1_random", "full", seed=0, data=data)
    assert c.spec is None and 0 <= c.value <= 100
    with pytest.raises(KeyError, match="no experiment 'ch9'"):
        run("ch9", data=data)


def test_expanded_training_set_has_five_images_per_original():

    x, y = blobs(50, n_in=784, seed=4)
    spec = RunSpec(network="conv1", training_size=100, expanded=True)
    xs, ys = spec.training_set((x, y))
    assert xs.shape == (100, 784) and sorted(ys.tolist()) == sorted(np.repeat(y[:20], 5).tolist())
    # shuffled once, as the book's expand_mnist.py does, in an order fixed across calls
    from nndl_lib.data import expand_by_shifts

    grouped, _ = expand_by_shifts(x[:20], y[:20])
    assert not np.array_equal(xs, grouped)
    assert sorted(map(bytes, xs)) == sorted(map(bytes, grouped))
    np.testing.assert_array_equal(spec.training_set((x, y))[0], xs)
    assert spec.init == "faithful"
    with pytest.raises(ValueError, match="multiple of 5"):
        RunSpec(network="conv1", training_size=12, expanded=True)


def test_a_spec_trains_with_the_conventions_of_its_chapter():
    assert RunSpec().conventions is CHAPTER_3
    assert RunSpec(network="conv1").conventions is CHAPTER_6
    corrected = RunSpec(network="conv1", lmbda_n="examples").conventions
    assert corrected == CHAPTER_6.but(lmbda_n=None)
    assert RunSpec(network="conv1").train_options()["conventions"] is CHAPTER_6
