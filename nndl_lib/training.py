"""The one training loop of the library: mini-batch stochastic gradient descent with the book's
options, for the fully connected ``Network`` (chapters 1-3, 5) and the layered ``ConvNetwork``
(chapter 6) alike.

Each epoch: (optionally) shuffle, cut the training set into mini-batches, and for each one take a
step ``p -> p - eta dC/dp`` (or an optimiser's step) with the regulariser's part; then monitor
(costs and accuracies), remember the best epoch, and apply early stopping or the learning-rate
schedule. One ``History`` records everything.

Regularisation is one rule for both of the book's conventions (``regularization.regularize``):
L2 decays every weight by ``(1 - eta lmbda/n)`` per step, L1 shrinks it by ``(eta lmbda/n) sgn(w)``.
Chapter 3 takes ``n`` = the training-set size; chapter 6 adds ``0.5 lmbda ||w||^2 / m`` to the mean
mini-batch cost, which is the same rule with ``n`` = m, the number of mini-batches per epoch.
Biases are never regularised.

A model trains here if it has (the protocol the two networks implement):

- ``weights`` and ``biases``: lists of arrays, updated in place;
- ``prepare(data, what) -> Prepared``: checked arrays (inputs, targets, labels) for a pair (x, y);
- ``batch_gradients(x, targets, rng) -> (nabla_b, nabla_w)``: the gradient of the mean data cost
  over a mini-batch in training mode (dropout masks drawn from ``rng``);
- ``prepared_cost(prepared) -> float``: the mean data cost in evaluation mode;
- ``prepared_accuracy(prepared) -> float``: the fraction classified correctly;
- optionally ``sgd_epoch_fast(x, targets, batches, eta, lmbda, n, regularization, rng)``: a faster
  equivalent of the plain-SGD epoch, used when ``train(..., fast=True)`` (the default) and the
  step is plain SGD on the model's own gradients (no optimiser, no ``gradients=``).

How a chapter's code trains beside its hyper-parameters (shuffling, a last partial mini-batch,
the n of lambda/n, the tie rule) is one value, :class:`~nndl_lib.conventions.TrainingConventions`:
``conventions=CHAPTER_3`` (the default) or ``CHAPTER_6``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np
from tqdm import tqdm

from nndl_lib.conventions import CHAPTER_3, TrainingConventions
from nndl_lib.regularization import (
    check_regularization,
    l1_gradient,
    l2_gradient,
    penalty,
    regularize,
)
from nndl_lib.validate import as_rng, check_int, check_positive

__all__ = ["Prepared", "History", "MONITOR_OPTIONS", "mini_batches", "sgd_step", "train"]

MONITOR_OPTIONS = ("training_cost", "training_accuracy", "evaluation_cost", "evaluation_accuracy")


class Prepared(NamedTuple):
    """A data set in the form a model computes with: inputs, target rows, int labels."""

    x: np.ndarray
    targets: np.ndarray
    labels: np.ndarray


@dataclass
class History:
    """What ``train`` recorded, one entry per epoch run (a list stays empty if not monitored).

    training_cost, evaluation_cost: the mean cost plus the regularisation term.
    training_accuracy, evaluation_accuracy: fractions in [0, 1].
    test_accuracy: with test data, the test accuracy of each epoch, ``None`` for epochs where it
        was not computed (by default only when evaluation accuracy reaches a new best, as in the
        book's chapter 6).
    eta: the learning rate used in each epoch (the schedule may halve it).
    best_epoch: the 0-based epoch of best evaluation accuracy (None without evaluation data);
        best_evaluation_accuracy, test_accuracy_at_best: its values (the number chapter 6 reports).
    stop_reason: "epochs", "early stopping", "learning-rate schedule" or "callback".
    """

    training_cost: list[float] = field(default_factory=list)
    training_accuracy: list[float] = field(default_factory=list)
    evaluation_cost: list[float] = field(default_factory=list)
    evaluation_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    eta: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_evaluation_accuracy: float | None = None
    test_accuracy_at_best: float | None = None
    epochs_run: int = 0
    stop_reason: str = "epochs"

    # chapter 6 calls its evaluation data the validation data
    @property
    def validation_accuracy(self) -> list[float]:
        """``evaluation_accuracy`` under chapter 6's name (evaluation data = validation data)."""
        return self.evaluation_accuracy

    @property
    def best_validation_accuracy(self) -> float | None:
        """``best_evaluation_accuracy`` under chapter 6's name."""
        return self.best_evaluation_accuracy

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (lists of floats, ints, strings)."""
        return asdict(self)


def mini_batches(n: int, size: int, order: np.ndarray | None = None,
                 drop_last: bool = False) -> Iterator[np.ndarray | slice]:
    """The mini-batches of one epoch over n examples, in ``order`` (None: 0..n-1, as slices).

    The last mini-batch is smaller when size does not divide n, unless ``drop_last``.
    """
    stop = n - n % size if drop_last else n
    for k in range(0, stop, size):
        yield slice(k, k + size) if order is None else order[k:k + size]


def sgd_step(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
             nabla_w: Sequence[np.ndarray], nabla_b: Sequence[np.ndarray], eta: float,
             lmbda: float = 0.0, n: int = 1, regularization: str = "l2",
             optimizer: Any = None) -> None:
    """One update of every parameter, in place.

    Without an optimiser, the book's rule: w -> (1 - eta lmbda/n) w - eta nabla_w for L2
    (w -> w - (eta lmbda/n) sgn(w) - eta nabla_w for L1) and b -> b - eta nabla_b.
    With an optimiser (``step(params, grads)``, see ``nndl_lib.optimizers``) the regulariser
    enters as its gradient, (lmbda/n) w or (lmbda/n) sgn(w), added to nabla_w.
    """
    if optimizer is None:
        for w, nw in zip(weights, nabla_w, strict=True):
            regularize(w, eta, lmbda, n, regularization)  # (1 - eta lmbda/n) w ...
            w -= eta * nw  # ... - eta dC0/dw
        for b, nb in zip(biases, nabla_b, strict=True):
            b -= eta * nb  # biases are not regularised
        return
    if lmbda:
        reg_gradient = l2_gradient if regularization == "l2" else l1_gradient
        nabla_w = [nw + reg_gradient(w, lmbda, n) for w, nw in zip(weights, nabla_w, strict=True)]
    optimizer.step(list(weights) + list(biases), list(nabla_w) + list(nabla_b))


def _check_monitor(monitor: Sequence[str] | str | None) -> tuple[str, ...]:
    if monitor is None:
        return ()
    if isinstance(monitor, str):
        monitor = MONITOR_OPTIONS if monitor == "all" else (monitor,)
    monitor = tuple(monitor)
    for m in monitor:
        if m not in MONITOR_OPTIONS:
            raise ValueError(f"unknown monitor option {m!r}; expected any of {MONITOR_OPTIONS} "
                             "or 'all'")
    return monitor


def train(
    model: Any,
    training_data: tuple[Any, Any],
    epochs: int,
    mini_batch_size: int,
    eta: float,
    lmbda: float = 0.0,
    *,
    evaluation_data: tuple[Any, Any] | None = None,
    test_data: tuple[Any, Any] | None = None,
    regularization: str = "l2",
    conventions: TrainingConventions = CHAPTER_3,
    optimizer: Any = None,
    gradients: Callable[..., tuple[list, list]] | None = None,
    fast: bool = True,
    lr_schedule_patience: int | None = None,
    early_stopping_patience: int | None = None,
    monitor: Sequence[str] | str | None = ("evaluation_accuracy",),
    test_every_epoch: bool = False,
    callback: Callable[[int, Any, History], Any] | None = None,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` by mini-batch SGD; return the per-epoch :class:`History`.

    training_data, evaluation_data, test_data: pairs (x, y) the model accepts.
    epochs, mini_batch_size, eta: as in the book. lmbda: regularisation strength with
        ``regularization`` "l2" or "l1".
    conventions: the chapter's mini-batch order, last partial mini-batch, n of eta lmbda/n and
        tie rule (:data:`~nndl_lib.conventions.CHAPTER_3`, the default, or
        :data:`~nndl_lib.conventions.CHAPTER_6`).
    optimizer: an object with ``eta`` and ``step(params, grads)``; its ``eta`` is set to ``eta``.
    gradients: replaces ``model.batch_gradients`` (e.g. the per-example backprop of chapter 2).
    fast: use the model's vectorised epoch (``sgd_epoch_fast``) where it has one and the step is
        plain SGD on its own gradients (no optimiser, no ``gradients``); False always takes the
        per-mini-batch loop. Both compute the same steps.
    lr_schedule_patience: halve eta after this many epochs without a new best evaluation accuracy;
        stop when it has fallen to eta/128. early_stopping_patience: stop after this many epochs
        without a new best.
    monitor: any of "training_cost", "training_accuracy", "evaluation_cost",
        "evaluation_accuracy" (or "all" / None). Evaluation accuracy is always recorded when the
        schedule, early stopping or test data need it.
    test_every_epoch: compute test accuracy after every epoch, not only at a new best.
    callback: ``callback(epoch, model, history)`` after each epoch's monitoring; a true return
        value stops training (stop_reason "callback").
    seed: generator for shuffling and dropout (int, Generator, or None for fresh entropy).
    progress: a text progress bar over epochs (tqdm, no notebook widget).
    """
    epochs = check_int(epochs, "epochs", minimum=0)
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
    eta = check_positive(eta, "eta")
    lmbda = check_positive(lmbda, "lmbda", allow_zero=True)
    regularization = check_regularization(regularization)
    monitor = _check_monitor(monitor)
    if not isinstance(conventions, TrainingConventions):
        raise TypeError("conventions must be a TrainingConventions (nndl_lib.conventions: "
                        f"CHAPTER_3, CHAPTER_6, ...); got {type(conventions).__name__}")
    drop_last = conventions.drop_last
    patience = _Patience(conventions.ties, early_stopping_patience, lr_schedule_patience)
    if optimizer is not None:
        if not (hasattr(optimizer, "step") and hasattr(optimizer, "eta")):
            raise TypeError("optimizer must have an 'eta' attribute and a step(params, grads) "
                            f"method (see nndl_lib.optimizers); got {type(optimizer).__name__}")
        optimizer.eta = eta
    needs_eval = (patience.active or test_data is not None or "evaluation_accuracy" in monitor)
    train_set, eval_set, test_set = _prepare(model, training_data, evaluation_data, test_data,
                                             needs_eval or "evaluation_cost" in monitor)
    n = train_set.x.shape[0]
    if n == 0 or (drop_last and n < mini_batch_size):
        raise ValueError(f"training_data has {n} examples; need at least "
                         f"{mini_batch_size if drop_last else 1} (mini_batch_size "
                         f"{mini_batch_size}{', last partial batch dropped' if drop_last else ''})")
    lmbda_n = conventions.weight_decay_n(n, mini_batch_size)
    rng = as_rng(seed)
    # the fast path is chosen here, once: plain SGD on the model's own gradients
    fast_epoch = (model.sgd_epoch_fast if fast and optimizer is None and gradients is None
                  and hasattr(model, "sgd_epoch_fast") else None)
    gradients = gradients or model.batch_gradients

    def cost(data: Prepared) -> float:  # the cost SGD minimises: data cost + regulariser
        return model.prepared_cost(data) + penalty(model.weights, lmbda, lmbda_n, regularization)

    history, eta0 = History(), eta
    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    with np.errstate(over="ignore"):
        for epoch in bar:
            history.eta.append(eta)
            # one epoch: a new order (unless the book's chapter 6 keeps it), a step per batch
            batches = mini_batches(n, mini_batch_size,
                                   rng.permutation(n) if conventions.shuffle else None, drop_last)
            if fast_epoch is not None:
                fast_epoch(train_set.x, train_set.targets, batches, eta, lmbda, lmbda_n,
                           regularization, rng)
            else:
                for idx in batches:
                    nabla_b, nabla_w = gradients(train_set.x[idx], train_set.targets[idx], rng)
                    sgd_step(model.weights, model.biases, nabla_w, nabla_b, eta, lmbda, lmbda_n,
                             regularization, optimizer)
            history.epochs_run = epoch + 1
            # monitoring
            if "training_cost" in monitor:
                history.training_cost.append(cost(train_set))
            if "training_accuracy" in monitor:
                history.training_accuracy.append(model.prepared_accuracy(train_set))
            if "evaluation_cost" in monitor:
                history.evaluation_cost.append(cost(eval_set))
            improved = False
            if needs_eval:
                acc = model.prepared_accuracy(eval_set)
                history.evaluation_accuracy.append(acc)
                improved = patience.record(acc)
                if improved:
                    history.best_epoch, history.best_evaluation_accuracy = epoch, acc
                bar.set_postfix(evaluation_accuracy=f"{acc:.4f}", eta=f"{eta:g}")
            if test_set is not None:
                test_acc = (model.prepared_accuracy(test_set) if improved or test_every_epoch
                            else None)
                history.test_accuracy.append(test_acc)
                if improved:
                    history.test_accuracy_at_best = test_acc
            # stopping and the learning-rate schedule
            if callback is not None and callback(epoch, model, history):
                history.stop_reason = "callback"
                break
            if patience.early_stop():
                history.stop_reason = "early stopping"
                break
            if patience.halve_eta():
                eta /= 2  # learning-rate schedule: halve eta ...
                if optimizer is not None:
                    optimizer.eta = eta
                if eta <= eta0 / 128 * (1 + 1e-12):  # ... and stop at eta0/128
                    history.stop_reason = "learning-rate schedule"
                    break
    bar.close()
    return history


def _prepare(model: Any, training_data: Any, evaluation_data: Any, test_data: Any,
             needs_evaluation: bool) -> tuple[Prepared, Prepared | None, Prepared | None]:
    train_set = model.prepare(training_data, "training_data")
    if evaluation_data is None and needs_evaluation:
        raise ValueError("evaluation_data is required for evaluation monitoring, test data, the "
                         "learning-rate schedule and early stopping; pass (x, y) or set "
                         "monitor=('training_accuracy',) and no patience")
    eval_set = None if evaluation_data is None else model.prepare(evaluation_data,
                                                                  "evaluation_data")
    test_set = None if test_data is None else model.prepare(test_data, "test_data")
    for name, data in (("evaluation_data", eval_set), ("test_data", test_set)):
        if data is not None and len(data.labels) == 0:
            raise ValueError(f"{name} is empty: accuracy needs at least one example; pass some "
                             f"rows or leave {name} out")
    return train_set, eval_set, test_set


class _Patience:
    """The best evaluation accuracy so far and the epochs since it (early stopping, schedule)."""

    def __init__(self, ties: str, early_stopping: int | None, lr_schedule: int | None) -> None:
        for name, value in (("lr_schedule_patience", lr_schedule),
                            ("early_stopping_patience", early_stopping)):
            if value is not None:
                check_int(value, name, minimum=1)
        self.ties, self.early_stopping, self.lr_schedule = ties, early_stopping, lr_schedule
        self.active = early_stopping is not None or lr_schedule is not None
        self.best, self.since_best, self.since_change = -np.inf, 0, 0

    def record(self, acc: float) -> bool:
        """Note this epoch's accuracy; True when it is a new best (under the tie rule)."""
        improved = acc > self.best or (self.ties == "last" and acc == self.best)
        if improved:
            self.best, self.since_best, self.since_change = acc, 0, 0
        else:
            self.since_best += 1
            self.since_change += 1
        return improved

    def early_stop(self) -> bool:
        return self.early_stopping is not None and self.since_best >= self.early_stopping

    def halve_eta(self) -> bool:
        if self.lr_schedule is not None and self.since_change >= self.lr_schedule:
            self.since_change = 0
            return True
        return False
