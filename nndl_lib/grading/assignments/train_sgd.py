"""Chapter 1's train-and-tune task, ``sgd``: the learner's SGD loop, graded on small random
problems (every example once per epoch, in mini-batches, a new order from ``rng`` each epoch)
and by training ``[784, 30, 10]`` on MNIST within :data:`~.train_and_tune.SGD_BUDGET`; see
:mod:`nndl_lib.grading.assignments.train_and_tune` for what both such tasks share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nndl_lib.grading.assignments.train_and_tune import (
    SGD_BUDGET,
    SGD_THRESHOLD,
    SIZES,
    held_out_accuracy,
    initial_parameters,
    training_subset,
    unreadable_here,
)
from nndl_lib.grading.checks import CheckResult
from nndl_lib.grading.framework import Case, SubCheck, Task
from nndl_lib.grading.wire import RngSeed

__all__ = ["sgd_task", "trained_parameters"]


def _sgd_case(label: str, x, y, weights, biases, epochs: int, mini_batch_size: int,
              eta: float, seed: int, **extra: Any) -> Case:
    return Case(label, {"fn": "sgd", "x": x, "y": y, "weights": weights, "biases": biases,
                        "epochs": epochs, "mini_batch_size": mini_batch_size, "eta": eta,
                        "rng": RngSeed(seed), **extra})


def _small_cases(rng: np.random.Generator, repeat: bool = False) -> list[Case]:
    """Small random problems (network [6, 5, 3]): a last mini-batch smaller than the others,
    mini-batches that divide the set, and a mini-batch larger than the set."""
    cases = []
    for n, size, epochs in [(int(rng.integers(41, 60)), 7, 3), (40, 10, 2),
                            (int(rng.integers(3, 8)), 8, 3)]:
        if n % size == 0 and size == 7:
            n += 1
        x = rng.standard_normal((n, 6))
        y = np.eye(3)[rng.integers(0, 3, size=n)]
        weights, biases = initial_parameters(rng, (6, 5, 3))
        cases.append(_sgd_case(f"{n} examples, mini-batches of {size}, {epochs} epochs "
                               "(network [6, 5, 3])", x, y, weights, biases, epochs, size,
                               0.5, int(rng.integers(2**62)), repeat=repeat))
    return cases


def _mnist_case(rng: np.random.Generator) -> list[Case]:
    b = SGD_BUDGET
    label = (f"[784, 30, 10] on {b['n_train']:,} MNIST training images drawn for you, "
             f"{b['epochs']} epochs, mini-batches of {b['mini_batch_size']}, "
             f"eta = {b['eta']:g}")
    skip = unreadable_here()
    if skip:  # a small problem stands in: a trainer that runs and returns its result passes
        small = _small_cases(rng)[0]
        return [Case(f"{label}: {skip}", {**small.data, "skip": skip})]
    x, labels = training_subset(rng, b["n_train"])
    weights, biases = initial_parameters(rng)
    return [_sgd_case(label, x, np.eye(10)[labels], weights, biases, b["epochs"],
                      b["mini_batch_size"], b["eta"], int(rng.integers(2**62)))]


def _epochs_of(got: dict, case: Case) -> tuple[list[np.ndarray] | None, str]:
    """The rows given to gradient in each epoch, or None and why the calls do not split into
    epochs of mini-batches as they should."""
    d = case.data
    n, size, epochs = len(d["x"]), d["mini_batch_size"], d["epochs"]
    rows, sizes = np.asarray(got.get("rows")), np.asarray(got.get("sizes"))
    if got.get("unknown"):
        return None, ("gradient was given rows that are not rows of x: give it x[batch] "
                      "(rows of the x you were given, unchanged)")
    if got.get("relabelled"):
        return None, ("gradient was given a row of x with the target of another row: take "
                      "x and y with the same indices")
    per_epoch = [size] * (n // size) + ([n % size] if n % size else [])
    expected = per_epoch * epochs
    if sizes.tolist() != expected:
        shown = sizes.tolist()[:8]
        return None, (f"gradient was called {len(sizes)} times with mini-batches of "
                      f"{shown}{' ...' if len(sizes) > 8 else ''} rows; expected "
                      f"{len(per_epoch)} calls per epoch ({per_epoch[:4]}"
                      f"{' ...' if len(per_epoch) > 4 else ''}), {epochs} epochs")
    blocks = [rows[e * n:(e + 1) * n] for e in range(epochs)]
    for e, block in enumerate(blocks):
        if not np.array_equal(np.sort(block), np.arange(n)):
            return None, (f"in epoch {e + 1} some examples were given to gradient twice and "
                          "others never: each epoch must use every example exactly once")
    return blocks, ""


def _compare_epochs(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    blocks, why = _epochs_of(got, case)
    if blocks is None:
        return CheckResult(check, False, "value", message=f"{check}: {why}")
    return CheckResult(check, True, message=f"{check}: every example once per epoch")


#: the order of a set this large repeats by chance with probability below 1e-18
_ORDER_MIN = 20


def _compare_shuffle(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    blocks, why = _epochs_of(got, case)
    if blocks is None:
        return CheckResult(check, False, "value",
                           message=f"{check}: cannot tell the order ({why})")
    n = len(case.data["x"])
    if n < _ORDER_MIN:  # a few examples may come in the same order by chance
        blocks = []
    if blocks and all(np.array_equal(b, np.arange(n)) for b in blocks):
        return CheckResult(check, False, "value",
                           message=f"{check}: every epoch took the examples in the order of "
                                   "x: shuffle them at the start of each epoch")
    for e in range(1, len(blocks)):
        for f in range(e):
            if np.array_equal(blocks[e], blocks[f]):
                return CheckResult(check, False, "value",
                                   message=f"{check}: epochs {f + 1} and {e + 1} took the "
                                           "examples in the same order: draw a new order "
                                           "at the start of every epoch, not once")
    if got.get("same_again") is False:
        return CheckResult(check, False, "value",
                           message=f"{check}: a second run with the same rng gave another "
                                   "order: draw the order from the rng you are given, not "
                                   "from np.random")
    return CheckResult(check, True, message=f"{check}: a new order each epoch, from rng")


def trained_parameters(ret: Any, sizes: Sequence[int] = SIZES) -> tuple[list, list] | str:
    """(weights, biases) as float64 arrays of the network's shapes, or why ret is not that."""
    want = ", ".join(f"({o}, {i})" for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    what = (f"return (weights, biases): lists of arrays of shapes {want} and "
            f"{', '.join(f'({o},)' for o in sizes[1:])}")
    if not isinstance(ret, list | tuple) or len(ret) != 2:
        return f"{what}; got {type(ret).__name__}"
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in ret[0]]
        biases = [np.asarray(b, dtype=np.float64) for b in ret[1]]
    except (TypeError, ValueError) as exc:
        return f"{what}; they are not arrays of numbers ({exc})"
    shapes = ([w.shape for w in weights], [b.shape for b in biases])
    if shapes != ([(o, i) for i, o in zip(sizes[:-1], sizes[1:], strict=True)],
                  [(o,) for o in sizes[1:]]):
        return f"{what}; got shapes {shapes[0]} and {shapes[1]}"
    if not all(np.all(np.isfinite(a)) for a in weights + biases):
        return "the trained weights or biases hold inf or nan"
    return weights, biases


def _comparetrained_parameters(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    if case.data.get("skip"):
        trained = trained_parameters(got.get("ret"), [w.shape[1] for w in case.data["weights"]]
                           + [len(case.data["biases"][-1])])
        return CheckResult(check, not isinstance(trained, str), "type",
                           message=f"{check}: {trained if isinstance(trained, str) else 'ran'}"
                                   f" ({case.data['skip']})")
    trained = trained_parameters(got.get("ret"))
    if isinstance(trained, str):
        return CheckResult(check, False, "type", message=f"{check}: {trained}")
    acc = held_out_accuracy(*trained, split=1)
    reference = trained_parameters(exp.get("ret"))
    ref = "" if isinstance(reference, str) else (
        f" (the reference trainer reached {held_out_accuracy(*reference, split=1):.1%} on the same "
        "images and start)")
    passed = acc >= SGD_THRESHOLD
    return CheckResult(check, passed, "ok" if passed else "value", got=acc,
                       expected=SGD_THRESHOLD,
                       message=f"{check}: validation accuracy {acc:.1%} after training; "
                               f"{'at least' if passed else 'needed'} {SGD_THRESHOLD:.0%}{ref}")


def sgd_task() -> Task:
    """Chapter 1's ``sgd`` task (its points: its tier in ``ch01_digits.TIERS``)."""
    b = SGD_BUDGET
    return Task("sgd", in_place=(), subchecks=[
        SubCheck("each epoch gives every example to gradient exactly once, in mini-batches of "
                 "mini_batch_size (the last one may be smaller)", 1.0, _small_cases,
                 _compare_epochs, driver="train_sgd",
                 hint="for each epoch: an order of the n examples, then x[batch], y[batch] "
                      "for consecutive slices of mini_batch_size indices"),
        SubCheck("a new random order every epoch, drawn from rng", 0.75,
                 lambda rng: _small_cases(rng, repeat=True), _compare_shuffle,
                 driver="train_sgd",
                 hint="draw the order inside the loop over epochs, from the rng you are given"),
        SubCheck(f"[784, 30, 10] trained on {b['n_train']:,} MNIST images for {b['epochs']} "
                 f"epochs reaches {SGD_THRESHOLD:.0%} validation accuracy", 2.0, _mnist_case,
                 _comparetrained_parameters, driver="train_sgd", costly=True,
                 hint="update_mini_batch returns new weights and biases: keep them for the "
                      "next step, and return the last ones"),
    ])
