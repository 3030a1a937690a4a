"""Chapter 6's assignment: the max-pool tie rule is graded on real MNIST images (whose blank
background ties at 0), in the notebook as out of kernel; the sandboxed kernel, which cannot read
MNIST, grades a synthetic stand-in with the same ties."""

from __future__ import annotations

import numpy as np
import pytest
from grading_mutants import MUTANTS, mutant_source
from grading_support import MODULES, namespace, solution_code, visible_and_graded_runs

A = "ch06_deep_learning"
MNIST_CHECK = "MNIST images, whose blank background ties at 0 in most windows"


@pytest.mark.parametrize("mutant", ["gradient to every tied maximum (x == max mask)",
                                    "gradient to the LAST maximum"])
@pytest.mark.parametrize("sandboxed", [False, True], ids=["mnist", "stand-in"])
def test_a_wrong_tie_rule_fails_the_mnist_check(mutant, sandboxed, monkeypatch):
    if sandboxed:
        monkeypatch.setenv("NNDL_SANDBOX_WRITE", "/nonexistent")
    a = MODULES[A].ASSIGNMENT
    code = mutant_source(MUTANTS[A]["maxpool_backward"][mutant],
                         solution_code(A)["maxpool_backward"])
    ns = namespace(A, replace={"maxpool_backward": code})
    for result in visible_and_graded_runs(a, "maxpool_backward", ns):
        (mnist,) = [s for s in result.subresults if s.name == MNIST_CHECK]
        assert not mnist.passed, result.report()
        assert ("synthetic" in mnist.case_label) == sandboxed, mnist.case_label


def test_the_mnist_case_has_many_tied_windows():
    a = MODULES[A].ASSIGNMENT
    task = a.task("maxpool_backward")
    (planned,) = [p for p in a.plan(task, 3) if task.subchecks[p.subcheck].name == MNIST_CHECK]
    dout, x, size, stride = planned.case.data["args"]
    assert "MNIST training images" in planned.case.label and x.shape == (3, 1, 28, 28)
    windows = x.reshape(3, 14, 2, 14, 2).transpose(0, 1, 3, 2, 4).reshape(3, 14, 14, 4)
    tied = (windows == windows.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
    assert tied.mean() > 0.5


def test_the_worked_example_reference_gives_the_course_plans_maps():
    from nndl_lib.reference_values import EXERCISE_KEYS

    key = EXERCISE_KEYS["ch6_conv_example"]
    out = MODULES[A].worked_example(np.array(key["image"], float), np.array(key["filter"], float))
    assert (out["size_stride1"], out["size_stride2"]) == (3, 2)
    np.testing.assert_array_equal(out["map_stride1"], key["stride1"])
    np.testing.assert_array_equal(out["map_stride2"], key["stride2"])
