"""Small experiment runners for chapter 3: a configuration in, a trained network and history out.

A :class:`RunSpec` names everything that defines a fully connected experiment (architecture, cost,
initialisation, η, λ, epochs, mini-batch size, training-set size). :func:`spec_from_book` reads the
book's configuration of a published result from ``nndl_lib.reference_values`` so that a chapter
can run the same set-up at reduced size (fast tier) or in full (``NNDL_FULL=1``).

Runners:

- :func:`run_spec`: train one network on the first ``training_size`` training examples.
- :func:`more_data_sweep`: the book's "more training data" experiment (λ and epochs scale with n).
- :func:`backprop_throughput`: examples per second of one backprop pass at several mini-batch sizes.
- :func:`weight_decay_factor`, :func:`fraction_below`: the L2 factor and a sparsity measure.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nndl_lib.data import one_hot, subset
from nndl_lib.reference_values import book_result

__all__ = [
    "RunSpec",
    "RunResult",
    "spec_from_book",
    "run_spec",
    "more_data_sweep",
    "backprop_throughput",
    "weight_decay_factor",
    "fraction_below",
]

Pair = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class RunSpec:
    """One fully connected experiment. ``lmbda`` is chapter 3's λ (decay (1 - ηλ/n) per step)."""

    sizes: tuple[int, ...] = (784, 30, 10)
    cost: str = "cross-entropy"
    init: str = "default"
    activation: str = "sigmoid"
    eta: float = 0.5
    lmbda: float = 0.0
    epochs: int = 30
    mini_batch_size: int = 10
    training_size: int = 50_000
    regularization: str = "l2"
    dropout: float = 0.0
    output_activation: str | None = None  # None: same as ``activation``

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise ValueError(f"sizes needs at least input and output layer; got {self.sizes!r}")
        for name in ("epochs", "mini_batch_size", "training_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise ValueError(f"{name} must be a positive integer; got {v!r}")

    def but(self, **changes: Any) -> RunSpec:
        """A copy with some fields changed, e.g. ``spec.but(epochs=5, training_size=1000)``."""
        return replace(self, **changes)

    def describe(self) -> str:
        """A one-line summary for tables and captions."""
        reg = f", {self.regularization.upper()} λ={self.lmbda:g}" if self.lmbda else ""
        drop = f", dropout {self.dropout:g}" if self.dropout else ""
        return (f"{list(self.sizes)} {self.cost}, {self.init} init, η={self.eta:g}{reg}{drop}, "
                f"{self.epochs} epochs on {self.training_size:,} images")


def spec_from_book(key: str, **changes: Any) -> RunSpec:
    """The configuration of the book's result ``key`` (see ``reference_values.BOOK_RESULTS``).

    ``changes`` override fields, e.g. ``spec_from_book("ch3_ce_30", epochs=2, training_size=5000)``.
    """
    r = book_result(key)
    if r.sizes is None or r.epochs is None or r.eta is None:
        raise ValueError(f"book result {key!r} does not describe a fully connected run")
    spec = RunSpec(sizes=tuple(r.sizes), cost=r.cost or "cross-entropy", init=r.init or "default",
                   eta=r.eta, lmbda=r.lmbda or 0.0, epochs=r.epochs,
                   mini_batch_size=r.mini_batch_size, training_size=r.training_size)
    return spec.but(**changes)


@dataclass
class RunResult:
    """What :func:`run_spec` returns: the spec, the trained network, its history and the time."""

    spec: RunSpec
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
    spec: RunSpec,
    training_data: Pair,
    evaluation_data: Pair | None = None,
    *,
    seed: int = 0,
    dtype=np.float32,
    monitor: Sequence[str] = ("evaluation_accuracy",),
    **sgd_options: Any,
) -> RunResult:
    """Build ``Network(spec.sizes, ...)`` and train it with ``SGD`` on the first
    ``spec.training_size`` examples of ``training_data``.

    ``seed`` fixes both the initial weights and the mini-batch shuffling. Extra keyword arguments
    go to ``Network.SGD`` (e.g. ``optimizer=``, ``lr_schedule_patience=``). Progress is off.
    """
    from nndl_lib.network import Network  # imported here: the network module imports the costs

    if spec.training_size > len(training_data[0]):
        raise ValueError(f"spec asks for {spec.training_size:,} training images but only "
                         f"{len(training_data[0]):,} were given; lower training_size")
    train = subset(training_data, spec.training_size)
    net = Network(list(spec.sizes), cost=spec.cost, init=spec.init, activation=spec.activation,
                  dtype=dtype, seed=seed, output_activation=spec.output_activation)
    start = time.perf_counter()
    history = net.SGD(train, spec.epochs, spec.mini_batch_size, spec.eta, spec.lmbda,
                      evaluation_data, regularization=spec.regularization, dropout=spec.dropout,
                      monitor=tuple(monitor), seed=seed, progress=False, **sgd_options)
    return RunResult(spec, net, history, time.perf_counter() - start)


def more_data_sweep(
    sizes: Sequence[int],
    training_data: Pair,
    evaluation_data: Pair,
    *,
    base: RunSpec | None = None,
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


def backprop_throughput(
    net: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch_sizes: Sequence[int],
    *,
    repeats: int = 3,
) -> dict[int, float]:
    """Examples per second of ``net.backprop`` over all of ``x`` cut into mini-batches.

    x: (N, n_in); y: (N,) int labels or (N, n_out) one-hot. For each mini-batch size m the pass
    over the N examples is timed ``repeats`` times and the fastest is kept (timings on a shared
    machine are noisy). Returns ``{m: examples per second}``.
    """
    x = np.asarray(x, dtype=net.weights[0].dtype)
    y = np.asarray(y)
    if y.ndim == 1:
        y = one_hot(y, net.sizes[-1]).astype(x.dtype)
    out = {}
    for m in batch_sizes:
        if m < 1 or m > len(x):
            raise ValueError(f"mini-batch sizes must lie in 1..{len(x)}; got {m}")
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            for k in range(0, len(x) - m + 1, m):
                net.backprop(x[k:k + m], y[k:k + m])
            best = min(best, time.perf_counter() - start)
        out[int(m)] = (len(x) // m) * m / best
    return out


def weight_decay_factor(eta: float, lmbda: float, n: int) -> float:
    """The factor 1 - ηλ/n by which L2 regularisation shrinks every weight at each update."""
    if n <= 0:
        raise ValueError(f"n (training-set size) must be positive; got {n!r}")
    return 1.0 - eta * lmbda / n


def fraction_below(weights: Sequence[np.ndarray] | Mapping[Any, np.ndarray],
                   threshold: float = 1e-3) -> float:
    """Fraction of all weights with |w| < threshold (a measure of sparsity)."""
    arrays = list(weights.values()) if isinstance(weights, Mapping) else list(weights)
    flat = np.concatenate([np.ravel(w) for w in arrays])
    return float(np.mean(np.abs(flat) < threshold))
