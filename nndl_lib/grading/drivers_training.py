"""Drivers of the train-and-tune tasks: a learner's SGD loop run with a gradient routine that
records what it is given (chapter 1), and a learner's choice of hyperparameters read as plain
data (chapter 3). See :mod:`nndl_lib.grading.assignments.train_and_tune` for the tasks.

Standard library and NumPy only, like :mod:`drivers`, which runs these by name
(:data:`drivers.LAZY_DRIVERS`). The sandboxed child loads this module before its boundary is
drawn, and only when its request holds a case of one of these drivers
(:func:`drivers.preload`): a chapter 2 submission never finds the gradient routine below
among its loaded modules. That routine is the quadratic cost's backpropagation, which chapter
1's learner is handed (as ``update_mini_batch`` is handed ``gradient``); it defines no
function chapter 1 grades (no sigmoid, no feedforward: the sigmoid is written inline).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nndl_lib.grading.drivers import _resolve, _watch, materialize

__all__ = ["train_sgd", "hyperparameter_choice", "given_inputs"]


def _quadratic_gradient(x: np.ndarray, y: np.ndarray, weights: list, biases: list
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(nabla_b, nabla_w) of the mean quadratic cost over the rows of x, sigmoid layers."""
    a = [np.asarray(x, dtype=np.float64)]
    for w, b in zip(weights, biases, strict=True):
        z = a[-1] @ np.asarray(w, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        a.append(0.5 * (1.0 + np.tanh(0.5 * z)))  # sigma(z), never overflows
    m = max(len(a[0]), 1)
    delta = (a[-1] - np.asarray(y, dtype=np.float64)) * a[-1] * (1.0 - a[-1])  # BP1
    nabla_b: list[np.ndarray] = [np.empty(0)] * len(weights)
    nabla_w: list[np.ndarray] = [np.empty(0)] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        nabla_b[layer] = delta.sum(axis=0) / m  # BP3
        nabla_w[layer] = delta.T @ a[layer] / m  # BP4
        if layer:
            delta = (delta @ np.asarray(weights[layer], dtype=np.float64)) \
                * a[layer] * (1.0 - a[layer])  # BP2
    return nabla_b, nabla_w


class _Recorder:
    """A ``gradient(x, y, weights, biases)`` that remembers which rows of the training set each
    call was given (by their bytes) and whether each row came with its own target."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        x = np.array(x, dtype=np.float64, order="C")  # copies: the call may change x and y
        self.y = np.array(y, dtype=np.float64)
        self.index = {row.tobytes(): i for i, row in enumerate(x)}
        self.rows: list[np.ndarray] = []
        self.unknown = 0
        self.relabelled = 0

    def __call__(self, x: Any, y: Any, weights: Any, biases: Any) -> tuple[list, list]:
        xb = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
        yb = np.asarray(y, dtype=np.float64)
        if xb.ndim == 1:
            xb, yb = xb[None, :], yb.reshape(1, -1)
        ids = np.array([self.index.get(row.tobytes(), -1) for row in xb], dtype=np.int64)
        self.rows.append(ids)
        self.unknown += int(np.sum(ids < 0))
        known = ids >= 0
        if yb.shape == (len(xb), self.y.shape[1]):
            self.relabelled += int(np.sum(np.any(yb[known] != self.y[ids[known]], axis=1)))
        return _quadratic_gradient(xb, yb, list(weights), list(biases))

    def record(self) -> dict:
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        return {"rows": rows, "sizes": np.array([len(r) for r in self.rows], dtype=np.int64),
                "unknown": self.unknown, "relabelled": self.relabelled}


def train_sgd(ns: Any, fn: str, x: np.ndarray, y: np.ndarray, weights: list, biases: list,
              epochs: int, mini_batch_size: int, eta: float, rng: Any,
              repeat: bool = False, skip: str = "") -> dict:
    """``ns[fn](x, y, weights, biases, epochs, mini_batch_size, eta, rng, gradient)`` with a
    recording ``gradient``; returns what it returned (the trained weights and biases), the
    arguments after the call, the rows each gradient call was given (``rows``, ``sizes``) and
    how many were not rows of x (``unknown``) or came with another row's target
    (``relabelled``). repeat: run again on copies with a new generator from the same seed and
    report whether the rows came in the same order (``same_again``). skip: for the grader's
    comparison (why this small problem stands in for MNIST); not used here."""
    f = _resolve(ns, fn)
    copies = ([np.array(x), np.array(y), [np.array(w) for w in weights],
               [np.array(b) for b in biases]] if repeat else None)
    gradient = _Recorder(x, y)
    with _watch() as warned:
        ret = f(x, y, weights, biases, epochs, mini_batch_size, eta, materialize(rng), gradient)
    out = {"ret": ret, "inputs": {"x": x, "y": y, "weights": weights, "biases": biases},
           "warnings": warned, **gradient.record()}
    if copies is not None:
        again = _Recorder(copies[0], copies[1])
        with _watch():
            f(*copies, epochs, mini_batch_size, eta, materialize(rng), again)
        second = again.record()["rows"]
        out["same_again"] = bool(second.shape == out["rows"].shape
                                 and np.array_equal(second, out["rows"]))
    return out


def hyperparameter_choice(ns: Any, fn: str, budget: dict) -> dict:
    """``ns[fn]()``: the learner's choice (a dict); ``budget`` is for the grader, which trains
    with the choice afterwards, outside this process."""
    with _watch() as warned:
        ret = _resolve(ns, fn)()
    return {"ret": ret, "inputs": {}, "warnings": warned}


def given_inputs(driver: str, data: dict) -> dict[str, Any]:
    """The data arguments of a call of these drivers, keyed as their ``"inputs"``."""
    if driver == "train_sgd":
        return {k: data[k] for k in ("x", "y", "weights", "biases")}
    if driver == "hyperparameter_choice":
        return {}
    raise ValueError(f"unknown driver {driver!r}")
