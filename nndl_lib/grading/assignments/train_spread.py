"""The train-and-tune tasks' thresholds come from here: the reference's held-out accuracy over
student seeds, for chapter 1's ``sgd`` and chapter 3's ``hyperparameters`` (kept in
:data:`~nndl_lib.grading.assignments.train_and_tune.MEASURED`; rerun with :func:`measure_spread`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nndl_lib import fc
from nndl_lib.grading.assignments.train_and_tune import (
    REFERENCE_CHOICE,
    _held_out,
    _train_with,
    held_out_accuracy,
    hyperparameters_task,
    reference_hyperparameters,
)
from nndl_lib.grading.assignments.train_sgd import sgd_task, trained_parameters
from nndl_lib.grading.drivers import run_driver
from nndl_lib.grading.framework import Assignment

__all__ = ["measure_spread"]


def measure_spread(seeds: Sequence[int] = range(20)) -> dict:
    """The reference's held-out accuracies over student seeds: ``fc.sgd`` on chapter 1's
    budget (validation images) and :data:`REFERENCE_CHOICE` on chapter 3's (test images),
    each from the cases the grader draws for the seed. Returns MEASURED's layout with the
    per-seed values and the seconds each training took."""
    out = {}
    a1 = Assignment("ch01_digits", [sgd_task()], {"sgd": fc.sgd})
    task = a1.task("sgd")
    accs, secs = [], []
    for seed in seeds:
        p = [q for q in a1.plan(task, seed) if task.subchecks[q.subcheck].costly][0]
        start = time.perf_counter()
        got = run_driver(p.driver, a1.references, dict(p.case.data))
        secs.append(time.perf_counter() - start)
        accs.append(held_out_accuracy(*trained_parameters(got["ret"]), split=1))
    out["sgd"] = _summary(accs, secs)
    a3 = Assignment("ch03_improving", [hyperparameters_task()],
                    {"hyperparameters": reference_hyperparameters})
    task = a3.task("hyperparameters")
    accs, secs = [], []
    for seed in seeds:
        p = [q for q in a3.plan(task, seed) if q.subcheck == 1][0]
        start = time.perf_counter()
        net = _train_with(REFERENCE_CHOICE, p.case.data["budget"]["seed"])
        secs.append(time.perf_counter() - start)
        accs.append(float(net.accuracy(*_held_out(2))))
    out["hyperparameters"] = _summary(accs, secs)
    return out


def _summary(accs: list[float], secs: list[float]) -> dict:
    return {"seeds": len(accs), "mean": round(float(np.mean(accs)), 4),
            "min": round(float(np.min(accs)), 4), "max": round(float(np.max(accs)), 4),
            "values": [round(a, 4) for a in accs], "seconds": round(float(np.mean(secs)), 3)}
