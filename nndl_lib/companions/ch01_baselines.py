"""Chapter 1's baselines: random guessing, average darkness, and a support vector machine.

They set the bar a neural network has to clear: guessing gets about 10%, comparing an image's
total ink to each digit's average gets about 22%, and an off-the-shelf SVM about 94% (book
setting) to 98% (today's scikit-learn default).
"""

from __future__ import annotations

import numpy as np

from nndl_lib.data import subset

__all__ = ["AverageDarkness", "random_guess_accuracy", "svm_available", "svm_baseline"]


def _check_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, n_pixels); got {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"y must be integer labels of shape ({len(x)},); got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer labels; got dtype {y.dtype}")
    return x, y


class AverageDarkness:
    """Classify an image by its darkness: the digit whose average darkness is closest.

    Darkness of an image = the sum of its pixel values. ``fit`` records, for each digit seen,
    the mean darkness of its training images; ``predict`` picks the digit whose mean is nearest
    (ties go to the smaller digit).

    >>> model = AverageDarkness().fit(x_train, y_train)   # doctest: +SKIP
    >>> model.accuracy(x_test, y_test)                    # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.digits_: np.ndarray | None = None  # (K,) labels seen in training, ascending
        self.darkness_: np.ndarray | None = None  # (K,) mean darkness of each of them

    def fit(self, x: np.ndarray, y: np.ndarray) -> AverageDarkness:
        """x: (N, n_pixels) images, y: (N,) integer labels. Returns self."""
        x, y = _check_xy(x, y)
        if len(x) == 0:
            raise ValueError("fit needs at least one training image; got 0")
        darkness = x.sum(axis=1, dtype=np.float64)
        self.digits_ = np.unique(y)
        self.darkness_ = np.array([darkness[y == d].mean() for d in self.digits_])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """x: (N, n_pixels) -> (N,) int64 predicted digits."""
        if self.darkness_ is None:
            raise RuntimeError("AverageDarkness is not fitted yet; call fit(x, y) first")
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(f"x must have shape (N, n_pixels); got {x.shape}")
        darkness = x.sum(axis=1, dtype=np.float64)
        nearest = np.abs(darkness[:, None] - self.darkness_[None, :]).argmin(axis=1)
        return self.digits_[nearest].astype(np.int64)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction in [0, 1] of images in x (N, n_pixels) whose label y (N,) is predicted."""
        x, y = _check_xy(x, y)
        return float(np.mean(self.predict(x) == y))


def random_guess_accuracy(y: np.ndarray, seed: int | None, num_classes: int = 10) -> float:
    """Accuracy in [0, 1] of guessing labels uniformly at random: y (N,) true labels."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (N,); got {y.shape}")
    if len(y) == 0:
        raise ValueError("y is empty; accuracy is undefined")
    guesses = np.random.default_rng(seed).integers(0, num_classes, size=len(y))
    return float(np.mean(guesses == y))


def svm_available() -> bool:
    """True when scikit-learn (needed by :func:`svm_baseline`) can be imported."""
    try:
        import sklearn.svm  # noqa: F401
    except ImportError:
        return False
    return True


def svm_baseline(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    n_train: int | None = None,
    gamma: str | float = "auto",
    seed: int = 0,
) -> float:
    """Test accuracy in [0, 1] of scikit-learn's ``SVC(gamma=gamma)`` (RBF kernel).

    train, test: ``(x (N, 784), y (N,))`` pairs. n_train: fit on a random sample of that many
    training images (drawn with ``seed``); None uses them all (the book: 50,000 images and
    ``gamma='auto'`` give 94.35%, a job of many minutes). Requires scikit-learn.
    """
    try:
        from sklearn.svm import SVC
    except ImportError as err:
        raise ImportError(
            "svm_baseline needs scikit-learn, which is not installed. Install it with "
            "`pip install scikit-learn` (or, in the course repository, the learner install: "
            "`pip install -e \".[learner]\"`, quotes included)."
        ) from err
    x_train, y_train = _check_xy(*train)
    x_test, y_test = _check_xy(*test)
    if n_train is not None:
        x_train, y_train = subset((x_train, y_train), n_train, seed=seed)
    model = SVC(gamma=gamma, random_state=seed)
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test))
