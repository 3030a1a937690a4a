"""One training run as data: :class:`ExperimentSpec`.

A spec names everything that defines a training run: the model (fully connected ``sizes`` with
cost, initialisation and activation, or a chapter 6 ``network`` built by
:func:`nndl_lib.deep.convnet.book_network`), the training set (size, expanded or not), and the
hyper-parameters. ``spec.build(seed)`` makes the model and ``spec.train_options()`` the options of
the one trainer, :func:`nndl_lib.training.train`, so running a spec never branches on the kind of
network: chapter 6's conventions (no shuffling, a last partial mini-batch dropped, lambda per
mini-batch, ties to the later epoch) are one value, ``spec.conventions``
(:mod:`nndl_lib.conventions`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from nndl_lib.conventions import CHAPTER_3, CHAPTER_6, TrainingConventions
from nndl_lib.data import expand_by_shifts, load_expanded_training_data, subset
from nndl_lib.validate import check_int

__all__ = ["ExperimentSpec", "RunSpec", "SPEC_FIELDS", "EXPANDED_ORDER_SEED"]

Pair = tuple[np.ndarray, np.ndarray]
#: The one fixed shuffle of an expanded training set (see ``ExperimentSpec.training_set``).
EXPANDED_ORDER_SEED = 0


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
            check_int(getattr(self, name), name, minimum=1)
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

    @property
    def conventions(self) -> TrainingConventions:
        """How this spec's chapter trains: :data:`~nndl_lib.conventions.CHAPTER_6` for a chapter 6
        network (with n = the training images under ``lmbda_n="examples"``), else
        :data:`~nndl_lib.conventions.CHAPTER_3`."""
        if self.network is None:
            return CHAPTER_3
        return CHAPTER_6 if self.lmbda_n == "book" else CHAPTER_6.but(lmbda_n=None)

    def train_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`nndl_lib.training.train` for this spec."""
        return {"regularization": self.regularization, "conventions": self.conventions}

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
#: The fields of a spec: what a row's ``config`` and ``fast`` may set.
SPEC_FIELDS = frozenset(f.name for f in fields(ExperimentSpec))
