"""Tests of nndl_lib.companions.ch01_baselines: average darkness, random guessing, the SVM
baseline."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from real_mnist import SHARED_MNIST, needs_real_mnist

from nndl_lib.companions.ch01_baselines import AverageDarkness, random_guess_accuracy, svm_baseline
from nndl_lib.data import load_mnist
from nndl_lib.reference_values import book_result


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(SHARED_MNIST, download=False)


def test_average_darkness_learns_per_digit_mean_pixel_sum_and_picks_the_nearest():
    x = np.array([[1.0, 1.0], [1.0, 3.0], [0.0, 0.5], [10.0, 10.0]])
    y = np.array([4, 4, 1, 7])
    model = AverageDarkness().fit(x, y)
    np.testing.assert_array_equal(model.digits_, [1, 4, 7])
    np.testing.assert_allclose(model.darkness_, [0.5, 3.0, 20.0])
    # darkness 0, 1.75 (tie between 0.5 and 3.0 -> smaller digit), 2.0, 100
    queries = np.array([[0.0, 0.0], [1.0, 0.75], [2.0, 0.0], [50.0, 50.0]])
    np.testing.assert_array_equal(model.predict(queries), [1, 1, 4, 7])
    assert model.accuracy(queries, np.array([1, 4, 4, 7])) == 0.75


def test_average_darkness_errors_before_fit_and_on_bad_shapes():
    with pytest.raises(RuntimeError, match="fit"):
        AverageDarkness().predict(np.zeros((1, 784)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        AverageDarkness().fit(np.zeros((3, 784)), np.zeros(2, dtype=int))


@needs_real_mnist
def test_average_darkness_on_real_mnist_reproduces_the_books_22_25_percent(mnist):
    train, _, test = mnist
    accuracy = 100 * AverageDarkness().fit(*train).accuracy(*test)
    # Exact reproduction: 2,225 of the 10,000 test images (float64 pixel sums, same split).
    assert accuracy == pytest.approx(book_result("ch1_darkness").accuracy, abs=0.01)


def test_random_guess_accuracy_is_seeded_and_near_one_in_ten():
    y = np.random.default_rng(1).integers(0, 10, size=20_000)
    a = random_guess_accuracy(y, seed=3)
    assert a == random_guess_accuracy(y, seed=3)
    # Binomial(20000, 0.1)/20000 has standard deviation 0.0021: 0.1 +- 0.01 is ~5 sigma.
    assert abs(a - 0.1) < 0.01
    assert random_guess_accuracy(np.zeros(50, dtype=int), seed=0, num_classes=1) == 1.0


def test_svm_baseline_without_sklearn_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.svm", None)
    pair = (np.zeros((4, 784)), np.array([0, 1, 0, 1]))
    with pytest.raises(ImportError, match="pip install scikit-learn") as err:
        svm_baseline(pair, pair)
    assert 'pip install -e ".[learner]"' in str(err.value)  # quoted: zsh would expand [ ]


@needs_real_mnist
def test_svm_baseline_on_a_small_real_sample_beats_average_darkness_by_far(mnist):
    pytest.importorskip("sklearn")
    train, _, (x_te, y_te) = mnist
    accuracy = svm_baseline(train, (x_te[:1000], y_te[:1000]), n_train=500, gamma="scale")
    # Recorded once: 0.869 (seed=0, 500 training images, first 1,000 test images, sklearn 1.x);
    # the band allows for library versions.
    assert 0.83 < accuracy < 0.91
    assert accuracy == svm_baseline(train, (x_te[:1000], y_te[:1000]), n_train=500, gamma="scale")


def test_svm_available_says_false_without_sklearn_and_true_with_it(monkeypatch):
    from nndl_lib.companions.ch01_baselines import svm_available

    try:
        import sklearn.svm  # noqa: F401
        installed = True
    except ImportError:
        installed = False
    assert svm_available() is installed
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.svm", None)
    assert svm_available() is False
