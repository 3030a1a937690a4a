"""The book's experiments as data, and one way to run any of them: ``run(key, tier)``.

An :class:`ExperimentSpec` names everything that defines a training run: the model (fully
connected ``sizes`` with cost, initialisation and activation, or a chapter 6 ``network`` built by
:func:`nndl_lib.deep.convnet.book_network`), the training set (size, expanded or not), and the
hyper-parameters. ``spec.build(seed)`` makes the model and ``spec.train_options()`` the options of
the one trainer, :func:`nndl_lib.training.train`, so running a spec never branches on the kind of
network: chapter 6's conventions (no shuffling, a last partial mini-batch dropped, lambda per
mini-batch, ties to the later epoch) are options like any other.

The book's experiments are the rows of ``experiments.toml`` (:data:`EXPERIMENTS`): each published
number with its configuration, what is measured, and a reduced "fast" configuration for CI.
:func:`run` runs a row at tier "fast" or "full" with one seed and returns the measured value beside
the book's. The reproduction ledger is a table of these keys.

Smaller runners used by chapter 3: :func:`run_spec` (a spec on given data) and
:func:`more_data_sweep`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from nndl_lib.data import expand_by_shifts, load_expanded_training_data, load_mnist, subset
from nndl_lib.reference_values import (
    EXPERIMENT_TABLE,
    BookResult,
    book_result,
    read_experiment_table,
)
from nndl_lib.validate import check_int

__all__ = [
    "ExperimentSpec",
    "RunSpec",
    "Experiment",
    "EXPERIMENTS",
    "TIERS",
    "COMPARE",
    "BAND_KINDS",
    "ExperimentResult",
    "run",
    "RunResult",
    "spec_from_book",
    "run_spec",
    "more_data_sweep",
]

Pair = tuple[np.ndarray, np.ndarray]
TIERS = ("fast", "full")
#: The one fixed shuffle of an expanded training set (see ``ExperimentSpec.training_set``).
EXPANDED_ORDER_SEED = 0
#: How a row's seeds are summarised for comparison: the best run (the book's best of three,
#: chapters 1 and 6) or the mean.
COMPARE = ("best", "mean")
#: A band in the row's unit (percentage points) or as a fraction of the expected value.
BAND_KINDS = ("absolute", "relative")


@dataclass(frozen=True)
class ExperimentSpec:
    """One training run. ``lmbda`` is the book's lambda of the network's chapter (see below).

    sizes: a fully connected :class:`~nndl_lib.network.Network` (chapters 1-3, 5), or
    network: a chapter 6 architecture name for :func:`~nndl_lib.deep.convnet.book_network` (then
        ``sizes``, ``cost`` and ``activation`` are the book's for that network and ignored, and
        ``init`` is "faithful" (the default: the book's code) or "corrected"). Chapter 6's
        conventions apply: lambda adds 0.5 lambda ||w||^2 / (mini-batches per epoch) to the
        cost, mini-batches are not shuffled and a last partial one is dropped, ties in
        validation accuracy go to the later epoch.
    training_size: the first n training images; with ``expanded``, the number of images after
        expansion by one-pixel shifts (five per original).
    dropout: probability of dropping a hidden unit (fully connected networks; the chapter 6
        networks carry their own dropout).
    lmbda_n: the n of the weight decay (1 - eta lmbda/n): "book" for the convention of the
        network's chapter (chapter 3: training images; chapter 6's code: mini-batches per epoch),
        or "examples" (the number of training images; chapter 6's corrected variant).
    """

    sizes: tuple[int, ...] | None = (784, 30, 10)
    network: str | None = None
    cost: str = "cross-entropy"
    init: str = "default"
    activation: str = "sigmoid"
    output_activation: str | None = None  # None: same as ``activation``
    eta: float = 0.5
    lmbda: float = 0.0
    epochs: int = 30
    mini_batch_size: int = 10
    training_size: int = 50_000
    expanded: bool = False
    regularization: str = "l2"
    dropout: float = 0.0
    dtype: str = "float32"
    lmbda_n: str = "book"

    def __post_init__(self) -> None:
        if self.lmbda_n not in ("book", "examples"):
            raise ValueError(f"lmbda_n must be 'book' or 'examples'; got {self.lmbda_n!r}")
        if self.network is not None and self.init == "default":
            object.__setattr__(self, "init", "faithful")  # chapter 6: the book's own init
        if self.network is None:
            if self.sizes is None or len(self.sizes) < 2:
                raise ValueError(f"sizes needs at least input and output layer; got "
                                 f"{self.sizes!r}")
            object.__setattr__(self, "sizes", tuple(int(n) for n in self.sizes))
        for name in ("epochs", "mini_batch_size", "training_size"):
            v = getattr(self, name)
            check_int(v, name, minimum=1)
        if self.expanded and self.training_size % 5:
            raise ValueError(f"an expanded training set has five images per original; "
                             f"training_size {self.training_size} is not a multiple of 5")

    def but(self, **changes: Any) -> ExperimentSpec:
        """A copy with some fields changed, e.g. ``spec.but(epochs=5, training_size=1000)``."""
        return replace(self, **changes)

    def describe(self) -> str:
        """A one-line summary for tables and captions."""
        reg = f", {self.regularization.upper()} λ={self.lmbda:g}" if self.lmbda else ""
        drop = f", dropout {self.dropout:g}" if self.dropout else ""
        model = (f"{list(self.sizes)} {self.cost}, {self.init} init" if self.network is None
                 else f"{self.network} ({self.init} init)")
        data = f"{self.training_size:,} {'expanded ' if self.expanded else ''}images"
        return f"{model}, η={self.eta:g}{reg}{drop}, {self.epochs} epochs on {data}"

    def build(self, seed: int | np.random.Generator | None = 0) -> Any:
        """A fresh model with its initial weights drawn from ``seed``."""
        if self.network is not None:
            from nndl_lib.deep.convnet import book_network

            return book_network(self.network, rng=seed, init=self.init, dtype=self.dtype)
        from nndl_lib.network import Network

        net = Network(list(self.sizes), cost=self.cost, init=self.init,
                      activation=self.activation, dtype=self.dtype, seed=seed,
                      output_activation=self.output_activation)
        net.dropout = self.dropout
        return net

    def train_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`nndl_lib.training.train` for this spec."""
        if self.network is not None:  # chapter 6's code, network3.py
            lmbda_n = "mini_batches" if self.lmbda_n == "book" else None
            return {"regularization": self.regularization, "lmbda_n": lmbda_n,
                    "shuffle": False, "drop_last": True, "ties": "last"}
        return {"regularization": self.regularization}

    def training_set(self, training_data: Pair) -> Pair:
        """The training images this spec trains on, from the 50,000 of ``load_mnist``.

        An expanded set (each image and its four one-pixel shifts) is shuffled once, in a fixed
        order that does not depend on the run's seed, as the book's ``expand_mnist.py`` shuffles
        the 250,000 pairs once before saving them: chapter 6 does not shuffle between epochs, so
        without it every mini-batch would hold two digits and their shifts.
        """
        if not self.expanded:
            if self.training_size > len(training_data[0]):
                raise ValueError(f"spec asks for {self.training_size:,} training images but "
                                 f"only {len(training_data[0]):,} were given; lower "
                                 "training_size")
            return subset(training_data, self.training_size)
        originals = self.training_size // 5
        if originals == len(training_data[0]):
            x, y = load_expanded_training_data(dtype=self.dtype, source=training_data,
                                               verbose=False)
        else:
            x, y = expand_by_shifts(*subset(training_data, originals))
        order = np.random.default_rng(EXPANDED_ORDER_SEED).permutation(len(x))
        return x[order], y[order]


#: The name the chapters use for a fully connected spec (the same class).
RunSpec = ExperimentSpec
_SPEC_FIELDS = {f.name for f in fields(ExperimentSpec)}


@dataclass(frozen=True)
class Experiment:
    """One published number of the book and how to reproduce it (a row of experiments.toml)."""

    key: str
    chapter: int
    description: str
    book: float
    metric: str
    measure: str
    spec: ExperimentSpec | None
    fast: Mapping[str, Any] = field(default_factory=dict)
    ensemble: int = 1
    epoch: int | None = None
    layer: int | None = None
    images: int | None = None
    unit: str = "%"
    note: str = ""
    compare: str = "mean"
    band: float = 0.5
    band_kind: str = "absolute"
    seeds: int = 3
    variant_of: str | None = None

    @property
    def result(self) -> BookResult:
        """The published result (``reference_values.book_result``); for a corrected variant,
        that of its faithful row."""
        return book_result(self.variant_of or self.key)

    def spec_for(self, tier: str) -> ExperimentSpec | None:
        """The spec at tier "full" (the book's) or "fast" (reduced, for CI)."""
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}; got {tier!r}")
        changes = {k: v for k, v in self.fast.items() if k in _SPEC_FIELDS}
        if self.spec is None or tier == "full" or not changes:
            return self.spec
        return self.spec.but(**changes)

    def compare_at(self, tier: str) -> str:
        """Which number of the seeds is compared at ``tier``: the row's ``compare``, or the fast
        tier's own (chapter 6's fast rows compare the mean: steadier than the best of three)."""
        return self.fast.get("compare", self.compare) if tier == "fast" else self.compare

    def seeds_at(self, tier: str) -> int:
        """How many seeds (0, 1, ...) a run of the row at ``tier`` uses: its own ``seeds``, or
        the fast tier's (fewer for slow rows)."""
        return int(self.setting("seeds", tier, self.seeds))

    def setting(self, name: str, tier: str, default: Any = None) -> Any:
        """A non-spec setting (``ensemble``, ``evaluation_size``, ``seeds``) at ``tier``."""
        if tier == "fast" and name in self.fast:
            return self.fast[name]
        return {"ensemble": self.ensemble}.get(name, default)

    def expected(self, tier: str) -> float | None:
        """The value a run at ``tier`` should give: the book's (full), or the fast tier's own
        value recorded from a reference run of the reduced configuration (None if not recorded)."""
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}; got {tier!r}")
        if tier == "full":
            return self.book
        return self.fast.get("expected")

    def band_at(self, tier: str) -> float:
        """The half-width of the band at ``tier``: percentage points, or a fraction of the
        expected value when ``band_kind`` is "relative"."""
        return float(self.fast.get("band", self.band)) if tier == "fast" else self.band

    def signature(self, tier: str) -> str:
        """Everything that decides a run's value at ``tier`` except the seed, as one string:
        two rows with the same signature and seed give the same number (one run serves both)."""
        spec = self.spec_for(tier)
        what = {
            "spec": None if spec is None else asdict(spec),
            "metric": self.metric, "measure": self.measure, "epoch": self.epoch,
            "layer": self.layer, "images": self.images,
            "ensemble": self.setting("ensemble", tier),
            "evaluation_size": self.setting("evaluation_size", tier),
            "training_size": self.setting("training_size", tier) if spec is None else None,
        }
        if spec is not None and spec.expanded:
            what["expanded_order"] = EXPANDED_ORDER_SEED
        return json.dumps(what, sort_keys=True)


_ROW_FIELDS = {"key", "chapter", "description", "book", "metric", "measure", "config", "fast",
               "epoch", "layer", "images", "unit", "note", "compare", "band", "band_kind",
               "seeds", "variant_of", "errors"}


def _check_row(row: dict[str, Any]) -> None:
    key = row.get("key", "?")
    unknown = set(row) - _ROW_FIELDS
    if unknown:
        raise ValueError(f"experiment {key!r}: unknown fields {sorted(unknown)}; known: "
                         f"{sorted(_ROW_FIELDS)} (see the header of experiments.toml)")
    missing = {"key", "chapter", "description", "book", "metric", "measure"} - set(row)
    if missing:
        raise ValueError(f"experiment {key!r}: missing fields {sorted(missing)}")
    if row.get("compare", "mean") not in COMPARE:
        raise ValueError(f"experiment {key!r}: compare must be one of {COMPARE}; "
                         f"got {row['compare']!r}")
    if row.get("fast", {}).get("compare", "mean") not in COMPARE:
        raise ValueError(f"experiment {key!r}: fast compare must be one of {COMPARE}; "
                         f"got {row['fast']['compare']!r}")
    if row.get("band_kind", "absolute") not in BAND_KINDS:
        raise ValueError(f"experiment {key!r}: band_kind must be one of {BAND_KINDS}; "
                         f"got {row['band_kind']!r}")
    for name, value in (("band", row.get("band", 0.5)),
                        ("fast band", row.get("fast", {}).get("band", 1.0))):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"experiment {key!r}: {name} must be a positive number; "
                             f"got {value!r}")
    seeds = row.get("seeds", 3)
    check_int(seeds, f"experiment {key!r}: seeds", minimum=1)


def _experiment(row: dict[str, Any]) -> Experiment:
    _check_row(row)
    config = dict(row.get("config", {}))
    ensemble = int(config.pop("ensemble", 1))
    unknown = set(config) - _SPEC_FIELDS
    if unknown:
        raise ValueError(f"experiment {row['key']!r}: unknown config fields {sorted(unknown)}")
    spec = None
    if config:
        if "network" in config:
            config.setdefault("sizes", None)
        spec = ExperimentSpec(**config)
    return Experiment(key=row["key"], chapter=row["chapter"], description=row["description"],
                      book=float(row["book"]), metric=row["metric"], measure=row["measure"],
                      spec=spec, fast=dict(row.get("fast", {})), ensemble=ensemble,
                      epoch=row.get("epoch"), layer=row.get("layer"), images=row.get("images"),
                      unit=row.get("unit", "%"), note=row.get("note", ""),
                      compare=row.get("compare", "mean"), band=float(row.get("band", 0.5)),
                      band_kind=row.get("band_kind", "absolute"), seeds=row.get("seeds", 3),
                      variant_of=row.get("variant_of"))


#: Every published experiment of the book, by key, in the book's order.
EXPERIMENTS: dict[str, Experiment] = {
    row["key"]: _experiment(row) for row in read_experiment_table(EXPERIMENT_TABLE)
}


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
        from nndl_lib.companions.ch05_learning_speed import gradient_norms

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

def spec_from_book(key: str, **changes: Any) -> ExperimentSpec:
    """The full configuration of the book's experiment ``key``, with ``changes`` applied.

    e.g. ``spec_from_book("ch3_ce_30", epochs=2, training_size=5000)``.
    """
    if key not in EXPERIMENTS:
        raise KeyError(f"no experiment {key!r}; known keys: {sorted(EXPERIMENTS)}")
    spec = EXPERIMENTS[key].spec
    if spec is None:
        raise ValueError(f"book result {key!r} does not describe a training run")
    return spec.but(**changes)


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


# Chapter 3 imports these helpers from here; they live with what they measure.
from nndl_lib.companions.ch02_backprop_demo import backprop_throughput  # noqa: E402, F401
from nndl_lib.regularization import fraction_below, weight_decay_factor  # noqa: E402, F401
