"""Assignment ``foundations``: the driver of a call whose contract is to raise, the conventions
the notebook states (ReLU'(0) = 0, float64 one-hot rows, ValueError for a bad label), and
correct answers written differently from the reference keeping full marks."""

from __future__ import annotations

import numpy as np
import pytest
from grading_mutants import MUTANTS, mutant_source
from grading_support import MODULES, namespace, solution_code, visible_and_graded_runs

from nndl_lib import activations, data
from nndl_lib.grading.drivers import given_inputs, run_driver

A = MODULES["foundations"].ASSIGNMENT


def _bad(y, num_classes=10):
    raise KeyError("not a ValueError")


def test_call_catching_reports_the_raised_class_and_its_bases_and_the_arguments():
    y = np.array([0, 3])
    out = run_driver("call_catching", {"one_hot": data.one_hot}, {"fn": "one_hot",
                                                                   "args": [y, 3]})
    assert out["raised"][:2] == ["ValueError", "Exception"] and out["ret"] is None
    assert "found 3" in out["message"]
    np.testing.assert_array_equal(out["inputs"]["0"], y)
    assert given_inputs("call_catching", {"fn": "one_hot", "args": [y, 3]}).keys() == {"0", "1"}
    fine = run_driver("call_catching", {"one_hot": data.one_hot},
                      {"fn": "one_hot", "args": [np.array([0, 2]), 3]})
    assert fine["raised"] is None and fine["ret"].shape == (2, 3)
    other = run_driver("call_catching", {"one_hot": _bad}, {"fn": "one_hot", "args": [y, 3]})
    assert other["raised"][0] == "KeyError" and "LookupError" in other["raised"]


def test_call_catching_lets_not_implemented_error_through_as_an_unwritten_answer():
    def stub(y, num_classes=10):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        run_driver("call_catching", {"one_hot": stub}, {"fn": "one_hot", "args": [[1], 3]})


def test_the_conventions_the_notebook_states_are_the_librarys():
    z = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    assert activations.relu_prime(z).tolist() == [0.0, 0.0, 1.0]
    assert activations.relu_prime(z).dtype == np.float32
    assert activations.leaky_relu_prime(z, 0.2).tolist() == pytest.approx([0.2, 0.2, 1.0])
    assert data.one_hot(np.array([1, 0], dtype=np.int32), 3).dtype == np.float64
    for bad in ([0, 3], [-1, 0]):
        with pytest.raises(ValueError):
            data.one_hot(np.array(bad), 3)


def test_the_batchnorm_mutants_the_issue_names_lose_points_on_every_check_that_should_see_them():
    code = mutant_source(MUTANTS["foundations"]["batchnorm_backward"][
        "without the mean terms: dx = dx_hat / sqrt(var + eps)"],
        solution_code("foundations")["batchnorm_backward"])
    result = A.run("batchnorm_backward", namespace("foundations",
                                                   replace={"batchnorm_backward": code}))
    failed = {s.name.split(":")[0] for s in result.subresults if not s.passed}
    assert "agrees with a numerical gradient for x, gamma and beta" in failed
    assert any(s.startswith("random batches") for s in failed)


ALTERNATIVES = [
    ("softplus_prime", "def softplus_prime(z):\n"
                       "    z = np.asarray(z)\n"
                       "    return 0.5 * (1 + np.tanh(z / 2))"),
    ("tanh_prime", "def tanh_prime(z):\n    return 1 - np.tanh(z) ** 2"),
    ("one_hot", "def one_hot(y, num_classes=10):\n"
                "    y = np.asarray(y)\n"
                "    if y.size and (y.min() < 0 or y.max() >= num_classes):\n"
                "        raise ValueError(f'label out of range: {y.min()}, {y.max()}')\n"
                "    return (y[:, None] == np.arange(num_classes)).astype(np.float64)"),
    ("batchnorm_backward", (  # the staged computation graph, one path at a time
        "def batchnorm_backward(dout, x, gamma, eps=1e-5):\n"
        "    N = x.shape[0]\n"
        "    mu = x.mean(axis=0)\n"
        "    xc = x - mu\n"
        "    var = (xc ** 2).mean(axis=0)\n"
        "    std = np.sqrt(var + eps)\n"
        "    x_hat = xc / std\n"
        "    dbeta = dout.sum(axis=0)\n"
        "    dgamma = (dout * x_hat).sum(axis=0)\n"
        "    dx_hat = dout * gamma\n"
        "    dvar = (dx_hat * xc * -0.5 * std ** -3).sum(axis=0)\n"
        "    dmu = (-dx_hat / std).sum(axis=0) + dvar * (-2 * xc).mean(axis=0)\n"
        "    dx = dx_hat / std + dvar * 2 * xc / N + dmu / N\n"
        "    return dx, dgamma, dbeta")),
    ("RMSprop", ("class RMSprop:\n"  # a dict of averages, made when a position is first seen
                 "    def __init__(self, eta, rho=0.9, eps=1e-8):\n"
                 "        self.eta, self.rho, self.eps, self.E = eta, rho, eps, {}\n"
                 "    def step(self, params, grads):\n"
                 "        for i, (w, g) in enumerate(zip(params, grads)):\n"
                 "            E = self.rho * self.E.get(i, 0.0) + (1 - self.rho) * g ** 2\n"
                 "            self.E[i] = E\n"
                 "            w -= self.eta * g / (np.sqrt(E) + self.eps)")),
    ("layernorm_backward", (  # batch normalisation's backward on the transposed problem
        "def layernorm_backward(dout, x, gamma, eps=1e-5):\n"
        "    xt, dt = x.T, (dout * gamma).T\n"
        "    xc = xt - xt.mean(axis=0)\n"
        "    var = (xc * xc).mean(axis=0)\n"
        "    x_hat = xc / np.sqrt(var + eps)\n"
        "    dx = (dt - dt.mean(axis=0) - x_hat * (dt * x_hat).mean(axis=0)) / np.sqrt(var + eps)\n"
        "    return dx.T, (dout * x_hat.T).sum(axis=0), dout.sum(axis=0)")),
]


@pytest.mark.parametrize("task, code", ALTERNATIVES, ids=[t for t, _ in ALTERNATIVES])
def test_correct_answers_written_differently_keep_full_marks(task, code):
    ns = namespace("foundations", replace={task: code})
    for result in visible_and_graded_runs(A, task, ns):
        assert result.passed, result.report()
