"""Running specs in this process: :func:`run` for a row of the table, :func:`run_spec` and
:func:`more_data_sweep` for chapter 3.

:func:`run` runs a row at tier "fast" or "full" with one seed and returns the measured value
beside the book's; the reproduction ledger (:mod:`nndl_lib.reproduction.runner`) calls it once
per (row, seed), in worker processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nndl_lib.data import load_mnist, subset
from nndl_lib.reproduction.spec import ExperimentSpec
from nndl_lib.reproduction.table import EXPERIMENTS, Experiment, spec_from_book

__all__ = ["ExperimentResult", "run", "RunResult", "run_spec", "more_data_sweep"]

Pair = tuple[np.ndarray, np.ndarray]


@dataclass
class ExperimentResult:
    """One run of one experiment: the measured ``value`` beside the ``book``'s, both in the
    row's unit (percent, or a gradient norm)."""

    key: str
    tier: str
    seed: int
    value: float
    book: float
    seconds: float
    spec: ExperimentSpec | None
    history: Any = None
    model: Any = None


def _evaluation_sets(experiment: Experiment, tier: str, validation: Pair, test: Pair
                     ) -> tuple[Pair, Pair]:
    size = experiment.setting("evaluation_size", tier)
    if size is not None:
        validation, test = subset(validation, size), subset(test, size)
    return validation, test


def _measure(experiment: Experiment, history: Any) -> float:
    """The number the row compares, in [0, 1], from a training history."""
    if experiment.measure == "test_at_best":
        return history.test_accuracy_at_best
    accuracies = (history.training_accuracy if experiment.metric == "training"
                  else history.evaluation_accuracy)
    if experiment.measure == "max":
        return max(accuracies)
    if experiment.measure == "at_epoch":
        return accuracies[experiment.epoch]
    raise ValueError(f"experiment {experiment.key!r}: unknown measure {experiment.measure!r}")


def _baseline(experiment: Experiment, tier: str, seed: int, train_set: Pair, test: Pair) -> float:
    from nndl_lib.companions import ch01_baselines as baselines

    if experiment.measure == "random_guess":
        return baselines.random_guess_accuracy(test[1], seed=seed)
    if experiment.measure == "average_darkness":
        return baselines.AverageDarkness().fit(*train_set).accuracy(*test)
    if experiment.measure == "svm":
        n = experiment.setting("training_size", tier)
        return baselines.svm_baseline(train_set, test, n_train=n, gamma="auto", seed=seed)
    raise ValueError(f"experiment {experiment.key!r}: unknown measure {experiment.measure!r}")


def run(
    key: str,
    tier: str = "fast",
    seed: int = 0,
    *,
    data: tuple[Pair, Pair, Pair] | None = None,
    progress: bool = False,
    callback: Callable[[int, Any, Any], Any] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 5,
) -> ExperimentResult:
    """Run the book's experiment ``key`` at ``tier`` ("fast" or "full") with one ``seed``.

    The seed draws the initial weights and the mini-batch order and dropout masks (member m of
    an ensemble uses seed + 1000 m). data: the (training, validation, test) pairs of
    ``load_mnist`` (loaded when None). checkpoint: a folder; training then goes in pieces of
    ``checkpoint_every`` epochs, each saved there, and a run that was interrupted continues from
    its last piece with the same result (see :mod:`nndl_lib.reproduction.resumable`). Returns the
    measured
    value (percent, or the row's unit) beside the book's, with the history and the (last) model.
    """
    if key not in EXPERIMENTS:
        raise KeyError(f"no experiment {key!r}; known keys: {sorted(EXPERIMENTS)}")
    experiment = EXPERIMENTS[key]
    spec = experiment.spec_for(tier)
    start = time.perf_counter()
    if data is None:
        data = load_mnist(dtype=spec.dtype if spec is not None else np.float32)
    training_data, validation, test = data
    validation, test = _evaluation_sets(experiment, tier, validation, test)
    if spec is None:
        value = _baseline(experiment, tier, seed, training_data, test)
        return ExperimentResult(key, tier, seed, 100 * value, experiment.book,
                                time.perf_counter() - start, None)
    if experiment.measure == "gradient_norm":  # chapter 5: a property of the untrained network
        from nndl_lib.companions.ch05_gradient_norms import gradient_norms

        model = spec.build(seed)
        norms = gradient_norms(model, *subset(training_data, experiment.images))
        return ExperimentResult(key, tier, seed, norms[experiment.layer - 1], experiment.book,
                                time.perf_counter() - start, spec, model=model)
    from nndl_lib.deep.ensemble import ensemble_accuracy
    from nndl_lib.reproduction.resumable import train_in_pieces

    train_set = spec.training_set(training_data)
    evaluation = {"test": test, "validation": validation, "training": train_set}.get(
        experiment.metric, validation)
    with_test = test if experiment.metric == "test at best validation" else None
    # "final" needs only the last epoch's accuracy: evaluate once, after training
    per_epoch = experiment.measure != "final"
    monitor = (("training_accuracy",) if experiment.metric == "training"
               else ("evaluation_accuracy",)) if per_epoch else ()
    models, history = [], None
    for member in range(experiment.setting("ensemble", tier)):
        model = spec.build(seed + 1000 * member)
        piece_file = (None if checkpoint is None
                      else Path(checkpoint) / f"member{member}.npz")
        history = train_in_pieces(
            model, train_set, spec.epochs, spec.mini_batch_size, spec.eta, spec.lmbda,
            checkpoint=piece_file, every=checkpoint_every,
            fingerprint=f"{experiment.signature(tier)} seed={seed} member={member}",
            evaluation_data=evaluation if per_epoch and experiment.metric != "training" else None,
            test_data=with_test, monitor=monitor, seed=seed + 1000 * member, progress=progress,
            callback=callback, **spec.train_options())
        models.append(model)
    if experiment.measure == "ensemble":
        value = ensemble_accuracy(models, *test)
    elif experiment.measure == "final":
        value = models[-1].accuracy(*evaluation)
    else:
        value = _measure(experiment, history)
    return ExperimentResult(key, tier, seed, 100 * value, experiment.book,
                            time.perf_counter() - start, spec, history, models[-1])


# -- chapter 3's runners ---------------------------------------------------------------------

@dataclass
class RunResult:
    """What :func:`run_spec` returns: the spec, the trained network, its history and the time."""

    spec: ExperimentSpec
    net: Any
    history: Any
    seconds: float

    @property
    def best_evaluation_accuracy(self) -> float:
        """Maximum per-epoch evaluation accuracy (a fraction), as the book reports its runs."""
        acc = self.history.evaluation_accuracy
        if not acc:
            raise ValueError("no evaluation accuracy was recorded; pass evaluation_data and "
                             "monitor 'evaluation_accuracy'")
        return float(max(acc))


def run_spec(
    spec: ExperimentSpec,
    training_data: Pair,
    evaluation_data: Pair | None = None,
    *,
    seed: int = 0,
    dtype: Any = None,
    monitor: Sequence[str] = ("evaluation_accuracy",),
    **train_options: Any,
) -> RunResult:
    """Build ``spec``'s model (weights from ``seed``) and train it on ``spec.training_set`` of
    ``training_data``; ``seed`` also fixes the mini-batch order and dropout masks.

    dtype: overrides ``spec.dtype``. Extra keyword arguments go to
    :func:`nndl_lib.training.train` (e.g. ``optimizer=``, ``lr_schedule_patience=``). Progress is
    off.
    """
    from nndl_lib.training import train

    if dtype is not None:
        spec = spec.but(dtype=np.dtype(dtype).name)
    train_set = spec.training_set(training_data)
    model = spec.build(seed)
    start = time.perf_counter()
    history = train(model, train_set, spec.epochs, spec.mini_batch_size, spec.eta, spec.lmbda,
                    evaluation_data=evaluation_data, monitor=tuple(monitor), seed=seed,
                    progress=False, **{**spec.train_options(), **train_options})
    return RunResult(spec, model, history, time.perf_counter() - start)


def more_data_sweep(
    sizes: Sequence[int],
    training_data: Pair,
    evaluation_data: Pair,
    *,
    base: ExperimentSpec | None = None,
    examples_per_run: int = 1_500_000,
    lmbda_per_example: float = 1e-4,
    seed: int = 0,
    dtype=np.float32,
) -> dict[int, float]:
    """Accuracy on ``evaluation_data`` after training on n = each of ``sizes`` images.

    As in the book, every run sees the same number of examples (epochs = examples_per_run // n)
    and λ grows with n (λ = n · lmbda_per_example) so the weight decay per epoch stays comparable.
    Returns ``{n: accuracy after the last epoch}``.
    """
    base = base or spec_from_book("ch3_more_data_1000")
    out = {}
    for n in sizes:
        spec = base.but(training_size=int(n), epochs=max(1, examples_per_run // int(n)),
                        lmbda=n * lmbda_per_example)
        result = run_spec(spec, training_data, None, seed=seed, dtype=dtype, monitor=())
        out[int(n)] = float(result.net.accuracy(*evaluation_data))
    return out
