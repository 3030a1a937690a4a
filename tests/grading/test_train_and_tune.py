"""The train-and-tune tasks (issue 26): chapter 1's ``sgd`` trained on MNIST and chapter 3's
``hyperparameters`` chosen on validation data. The reference gets full marks out of kernel
and in the notebook's check, a stub zero, each broken trainer or careless choice loses the
points it should (the same ones in both places), two students get different but deterministic
problems, held-out images never reach the sandboxed child, and each grading is quick."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from grading_support import MODULES, learner_notebook, namespace, solution_code, source_nb
from train_and_tune_mutants import LOSES, TRAIN_AND_TUNE_MUTANTS

from nndl_lib.grading import outofkernel_parent, wire
from nndl_lib.grading.assignments import train_and_tune as tt
from nndl_lib.grading.assignments import train_spread
from nndl_lib.grading.outofkernel_parent import Limits, grade_notebook, student_seed

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parents[2]

TASKS = {"ch01_digits": "sgd", "ch03_improving": "hyperparameters"}
SECRET = b"train-and-tune test secret"
MUTANTS = [(a, t, name) for a, tasks in TRAIN_AND_TUNE_MUTANTS.items()
           for t, ms in tasks.items() for name in ms]
#: mutants also graded out of kernel (one child each): realistic broken trainers and choices
OUT_OF_KERNEL = [("ch01_digits", "sgd", "no shuffling"),
                 ("ch01_digits", "sgd",
                  "the step is discarded (update_mini_batch returns new lists)"),
                 ("ch01_digits", "sgd", "the book's eta/len(mini_batch) on a mean gradient"),
                 ("ch03_improving", "hyperparameters", "eta far too large (50)")]


def _failed(result) -> list[str]:
    return [s.name for s in result.subresults if not s.passed]


def _expect_failures(result, assignment: str, task: str, mutant: str) -> None:
    want = LOSES[assignment][task][mutant]
    failed = _failed(result)
    assert all(any(f.startswith(w) for f in failed) for w in want), (mutant, result.report())
    assert all(any(f.startswith(w) for w in want) for f in failed), (mutant, result.report())


def _mutant_ns(assignment: str, task: str, mutant: str) -> dict:
    return namespace(assignment, replace={task: TRAIN_AND_TUNE_MUTANTS[assignment][task][mutant]})


# --- the notebook's check ------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", sorted(TASKS))
def test_reference_gets_full_marks_and_stub_zero_in_the_notebook_check(assignment):
    a, task = MODULES[assignment].ASSIGNMENT, TASKS[assignment]
    for seed in (None, 7):
        ref = a.run(task, namespace(assignment), seed=seed)
        assert ref.passed, ref.report()
    stub = a.run(task, namespace(assignment, answers="stub"))
    assert stub.points == 0
    # the stub's error is explained once, at the first check it stops
    assert "not written yet" in stub.subresults[0].result.message, stub.report()
    assert not any(s.passed for s in stub.subresults)


@pytest.mark.parametrize("assignment, task, mutant", MUTANTS, ids=[m for _, _, m in MUTANTS])
def test_each_mutant_loses_exactly_the_points_it_should(assignment, task, mutant):
    a = MODULES[assignment].ASSIGNMENT
    for seed in (None, 11):
        _expect_failures(a.run(task, _mutant_ns(assignment, task, mutant), seed=seed),
                         assignment, task, mutant)


def test_reports_say_what_went_wrong():
    a = MODULES["ch01_digits"].ASSIGNMENT
    report = a.run("sgd", _mutant_ns("ch01_digits", "sgd", "shuffles once, before the first "
                                                             "epoch")).report()
    assert "same order" in report and "every epoch" in report
    report = a.run("sgd", _mutant_ns("ch01_digits", "sgd", "the book's eta/len(mini_batch) on a "
                                                             "mean gradient")).report()
    assert "validation accuracy" in report and "needed 80%" in report and "reference" in report
    b = MODULES["ch03_improving"].ASSIGNMENT
    report = b.run("hyperparameters", _mutant_ns("ch03_improving", "hyperparameters",
                                                 "eta far too large (50)")).report()
    assert "eta = 50.0 is outside" in report and "not trained" in report


# --- out of kernel -------------------------------------------------------------------------------


def _graded(assignment: str, student: str, replace: dict | None = None, answers="reference"):
    nb = learner_notebook(assignment, answers, replace)
    return grade_notebook(MODULES[assignment].ASSIGNMENT, source_nb(assignment), nb, student,
                          SECRET)


@pytest.mark.parametrize("assignment", sorted(TASKS))
def test_out_of_kernel_reference_full_stub_zero_and_the_notebook_check_agrees(assignment):
    a, task = MODULES[assignment].ASSIGNMENT, TASKS[assignment]
    start = time.monotonic()
    graded = _graded(assignment, "alice").task(task)
    assert graded.passed, graded.report()
    assert time.monotonic() - start < 60
    # the same student's cases in this process (the notebook's check): the same points
    seed = student_seed(SECRET, assignment, "alice", task)
    here = a.run(task, namespace(assignment), seed=seed, mode="graded")
    assert [s.points for s in here.subresults] == [s.points for s in graded.subresults]
    stub = _graded(assignment, "bob", answers="stub").task(task)
    assert stub.points == 0, stub.report()


@pytest.mark.parametrize("assignment, task, mutant", OUT_OF_KERNEL,
                         ids=[m for _, _, m in OUT_OF_KERNEL])
def test_out_of_kernel_mutant_loses_the_same_points_as_in_the_notebook(assignment, task, mutant):
    code = TRAIN_AND_TUNE_MUTANTS[assignment][task][mutant]
    graded = _graded(assignment, "carol", replace={task: code}).task(task)
    _expect_failures(graded, assignment, task, mutant)
    seed = student_seed(SECRET, assignment, "carol", task)
    here = MODULES[assignment].ASSIGNMENT.run(task, _mutant_ns(assignment, task, mutant),
                                              seed=seed, mode="graded")
    assert [s.points for s in here.subresults] == [s.points for s in graded.subresults]


# --- per student, deterministic; what the child receives ----------------------------------------


def _costly_data(assignment: str, student: str) -> dict:
    a, task = MODULES[assignment].ASSIGNMENT, MODULES[assignment].ASSIGNMENT.task(
        TASKS[assignment])
    seed = student_seed(SECRET, assignment, student, task.name)
    return [p.case.data for p in a.plan(task, seed)][-1]


def test_two_students_get_different_but_deterministic_problems():
    alice, again, bob = (_costly_data("ch01_digits", s) for s in ("alice", "alice", "bob"))
    assert np.array_equal(alice["x"], again["x"]) and alice["rng"] == again["rng"]
    assert all(np.array_equal(u, v) for u, v in zip(alice["weights"], again["weights"],
                                                   strict=True))
    assert not np.array_equal(alice["x"], bob["x"]) and alice["rng"] != bob["rng"]
    assert alice["x"].shape == (tt.SGD_BUDGET["n_train"], 784)
    alice, again, bob = (_costly_data("ch03_improving", s) for s in ("alice", "alice", "bob"))
    assert alice == again and alice["budget"]["seed"] != bob["budget"]["seed"]
    chosen = tt.REFERENCE_CHOICE
    acc = [tt._train_with(chosen, d["budget"]["seed"]).accuracy(*tt._held_out(2))
           for d in (alice, again)]
    assert acc[0] == acc[1]


def test_the_child_receives_training_images_only():
    """Chapter 1's case holds the student's 2,000 training images; chapter 3's holds a seed
    and no image at all; no case holds a validation or test image."""
    _, (x_val, _), (x_test, _) = tt._mnist()
    held_out = {r.tobytes() for r in np.asarray(x_val, np.float64)} | {
        r.tobytes() for r in np.asarray(x_test, np.float64)}
    sgd = _costly_data("ch01_digits", "alice")
    assert not any(r.tobytes() in held_out for r in sgd["x"])
    tree, arrays = wire.encode(_costly_data("ch03_improving", "alice"))
    assert arrays == {}


def test_grading_stays_within_a_few_seconds_per_task():
    a = MODULES["ch01_digits"].ASSIGNMENT
    for assignment, task in TASKS.items():
        a = MODULES[assignment].ASSIGNMENT
        tt._mnist()  # loaded once per process
        start = time.perf_counter()
        a.run(task, namespace(assignment), seed=5, mode="graded")
        assert time.perf_counter() - start < Limits().case_s / 2, task


def test_thresholds_lie_below_the_measured_spread_with_a_margin():
    for key, threshold, margin in (("sgd", tt.SGD_THRESHOLD, 0.05),
                                   ("hyperparameters", tt.TUNE_THRESHOLD, 0.02)):
        m = tt.MEASURED[key]
        assert m["seeds"] >= 8 and m["min"] <= m["mean"] <= m["max"]
        assert threshold <= m["min"] - margin, key


def test_a_spread_remeasured_on_two_seeds_lies_above_the_thresholds():
    measured = train_spread.measure_spread(range(2))
    assert min(measured["sgd"]["values"]) > tt.SGD_THRESHOLD
    assert min(measured["hyperparameters"]["values"]) > tt.TUNE_THRESHOLD


# --- the sandboxed kernel, the other assignments' children --------------------------------------


def test_in_nbgraders_sandboxed_kernel_mnist_is_left_to_the_out_of_kernel_pass(monkeypatch):
    """There (NNDL_SANDBOX_WRITE set) MNIST is not even looked for: the MNIST sub-checks pass
    unchecked, the others are checked as anywhere."""
    monkeypatch.setenv("NNDL_SANDBOX_WRITE", "/nonexistent")
    tt._mnist.cache_clear()
    try:
        for assignment, task in TASKS.items():
            a = MODULES[assignment].ASSIGNMENT
            assert a.run(task, namespace(assignment)).passed
            assert a.run(task, namespace(assignment, answers="stub")).points == 0
        discarded = "the step is discarded (update_mini_batch returns new lists)"
        assert MODULES["ch01_digits"].ASSIGNMENT.run(  # no MNIST: the out-of-kernel pass fails it
            "sgd", _mutant_ns("ch01_digits", "sgd", discarded)).passed
        with pytest.raises(RuntimeError, match="sandboxed kernel"):
            tt.validation_accuracy(0.5, 0.0, 5)
        assert tt._mnist.cache_info().currsize == 0
    finally:
        tt._mnist.cache_clear()


def test_the_bounds_messages():
    ok = dict(tt.REFERENCE_CHOICE)
    assert tt._bounds_problem(ok) == ""
    assert tt._bounds_problem({**ok, "epochs": 20.0}) == ""
    assert "whole number" in tt._bounds_problem({**ok, "epochs": 2.5})
    assert "whole number" in tt._bounds_problem({**ok, "epochs": 31})
    assert "outside" in tt._bounds_problem({**ok, "eta": 0})
    assert "lmbda" in tt._bounds_problem({**ok, "lmbda": -1})
    assert "missing ['epochs']" in tt._bounds_problem({"eta": 1, "lmbda": 0})
    with pytest.raises(ValueError, match="outside"):
        tt.validation_accuracy(100.0, 0.0, 5)


def test_only_a_child_with_a_training_case_loads_the_gradient_routine():
    code = ("import sys\nfrom nndl_lib.grading import drivers\n"
            "drivers.preload(['call', 'optimizer_steps'])\n"
            "print('nndl_lib.grading.drivers_training' in sys.modules)\n"
            "drivers.preload(['train_sgd'])\n"
            "print('nndl_lib.grading.drivers_training' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.split() == ["False", "True"]


def test_the_answer_cells_are_what_the_notebook_shows():
    assert "rng.permutation" in solution_code("ch01_digits")["sgd"]
    assert str(tt.REFERENCE_CHOICE["lmbda"]) in solution_code("ch03_improving")["hyperparameters"]
    assert outofkernel_parent.Limits().case_s >= 10
