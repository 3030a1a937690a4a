"""Tests for nndl_lib.companions.ch05_gradient_norms: gradient norms per hidden layer."""

import numpy as np
import pytest
from helpers import labelled_data

from nndl_lib.companions.ch05_gradient_norms import (
    GradientNormRecorder,
    gradient_norms,
    gradient_norms_at_init,
    gradient_norms_during_training,
)
from nndl_lib.network import Network


def test_gradient_norms_are_the_norms_of_the_mean_bias_gradient_of_hidden_layers():
    x, y = labelled_data(60, 12, 4, uniform=True)
    net = Network([12, 7, 5, 4], seed=1)
    norms = gradient_norms(net, x, y)
    nabla_b, _ = net.backprop(x, y)
    assert norms == pytest.approx([np.linalg.norm(nabla_b[0]), np.linalg.norm(nabla_b[1])])
    # the mean of the per-example gradients, then the norm (not the mean of the norms)
    per_example = np.mean([net.backprop_example(xi, np.eye(4)[yi])[0][0]
                           for xi, yi in zip(x, y, strict=True)], axis=0)
    assert norms[0] == pytest.approx(np.linalg.norm(per_example), rel=1e-10)


def test_gradient_norms_at_init_draws_one_network_per_seed():
    x, y = labelled_data(60, 12, 4, uniform=True)
    table = gradient_norms_at_init([12, 7, 7, 4], x, y, seeds=[3, 4, 3])
    assert table.shape == (3, 2)
    np.testing.assert_array_equal(table[0], table[2])  # same seed, same network
    assert not np.allclose(table[0], table[1])
    expected = gradient_norms(Network([12, 7, 7, 4], cost="cross-entropy", seed=4), x, y)
    np.testing.assert_allclose(table[1], expected)
    with pytest.raises(ValueError, match="seeds is empty"):
        gradient_norms_at_init([12, 7, 4], x, y, seeds=[])


def test_earlier_layers_learn_slower_at_default_init_on_mnist_like_inputs():
    # The chapter's observation on a small deep sigmoid net with default init: over 20 seeds the
    # median norm falls from each hidden layer to the one before it.
    rng = np.random.default_rng(5)
    x = (rng.random((300, 100)) < 0.2).astype(float)  # sparse non-negative "pixels"
    y = rng.integers(0, 10, size=300)
    table = gradient_norms_at_init([100, 30, 30, 30, 10], x, y, seeds=range(20))
    medians = np.median(table, axis=0)
    assert medians[0] < medians[1] < medians[2]
    assert medians[2] / medians[0] > 4


def test_recorder_records_before_and_after_each_epoch_through_sgd_callback():
    x, y = labelled_data(40, 12, 4, uniform=True)
    net = Network([12, 6, 6, 4], seed=2)
    recorder = GradientNormRecorder(x, y)
    first = recorder.record(net)
    history = net.SGD((x, y), 3, 10, 0.5, callback=recorder, monitor=None, seed=0,
                      progress=False)
    assert history.epochs_run == 3  # the recorder never stops training
    assert recorder.epochs == [0, 1, 2, 3]
    table = recorder.as_array()
    assert table.shape == (4, 2)
    np.testing.assert_allclose(table[0], first)
    np.testing.assert_allclose(table[-1], gradient_norms(net, x, y))  # measured on the final net
    assert not np.allclose(table[0], table[-1])
    with pytest.raises(ValueError, match="nothing recorded"):
        GradientNormRecorder(x, y).as_array()


def test_gradient_norms_during_training_matches_a_manual_loop():
    x, y = labelled_data(50, 12, 4, uniform=True)
    a, b = Network([12, 5, 5, 4], seed=7), Network([12, 5, 5, 4], seed=7)
    table = gradient_norms_during_training(a, (x, y), 4, 50, 0.3, lmbda=1.0, seed=1)
    assert table.shape == (5, 2)
    manual = [gradient_norms(b, x, y)]
    for _ in range(4):  # one full-batch step per epoch: the order does not matter
        b.SGD((x, y), 1, 50, 0.3, 1.0, monitor=None, seed=1, progress=False)
        manual.append(gradient_norms(b, x, y))
    np.testing.assert_allclose(table, manual, rtol=1e-10)
    with pytest.raises(ValueError, match="epochs"):
        gradient_norms_during_training(a, (x, y), -1, 50, 0.3)


def test_gradient_norms_during_training_can_measure_on_another_batch():
    x, y = labelled_data(50, 12, 4, uniform=True)
    xm, ym = labelled_data(20, 12, 4, seed=9, uniform=True)
    net = Network([12, 5, 5, 4], seed=3)
    before = gradient_norms(net, xm, ym)
    table = gradient_norms_during_training(net, (x, y), 1, 10, 0.3, measure_on=(xm, ym), seed=0)
    np.testing.assert_allclose(table[0], before)


def test_gradient_norms_at_init_reproduce_the_experiment_tables_rows():
    # what the chapter computes for its bar chart is what experiments.run measures for the ledger
    from nndl_lib.reproduction.experiments import EXPERIMENTS, run

    rng = np.random.default_rng(4)
    x = (rng.random((1000, 784)) < 0.2).astype(np.float32)
    y = rng.integers(0, 10, size=1000)
    data = ((x, y), (x[:10], y[:10]), (x[:10], y[:10]))
    row = EXPERIMENTS["ch5_grad_3h_layer2"]
    table = gradient_norms_at_init(row.spec.sizes, x[:row.images], y[:row.images], seeds=[6],
                                   dtype=np.float32)
    result = run("ch5_grad_3h_layer2", "full", seed=6, data=data)
    assert result.value == pytest.approx(table[0, row.layer - 1], rel=1e-6)
