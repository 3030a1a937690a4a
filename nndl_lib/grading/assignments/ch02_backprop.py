"""Checks of assignment ``ch02_backprop`` (chapter 2: backpropagation).

The learner writes ``backprop_example`` (BP1-BP4 for one example), ``backprop`` (the matrix
form over a mini-batch, gradient of the MEAN cost), ``numerical_gradient`` (centred
differences, used to check their own backprop) and ``worked_example`` (the 2-2-2 network of
the worked example in the library's layout). Defaults as in :mod:`nndl_lib.fc`: quadratic cost,
sigmoid neurons. ``sigmoid`` and ``sigmoid_prime`` come from :mod:`nndl_lib.activations`.
"""

from __future__ import annotations

import numpy as np

from nndl_lib import fc, gradcheck
from nndl_lib.costs import QuadraticCost
from nndl_lib.grading.checks import CheckResult, check_gradient_numerically, fc_case
from nndl_lib.grading.framework import (
    Assignment,
    Case,
    SubCheck,
    Task,
    all_of,
    compare_ret,
    compare_value,
)
from nndl_lib.reference_values import WORKED_EXAMPLE_222

__all__ = ["ASSIGNMENT", "TASKS", "REFERENCES", "check", "worked_example"]


def worked_example() -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The worked 2-2-2 example in the library's layout: (x (2,), y (2,), weights, biases).

    w1, w2 feed h1 and w3, w4 feed h2 (rows of weights[0]); w5, w6 feed o1 and w7, w8 feed o2
    (rows of weights[1]); hidden biases 0.35, output biases 0.60 (see conventions.md).
    """
    ex = WORKED_EXAMPLE_222
    w = np.array(ex["w"], dtype=float)
    weights = [w[:4].reshape(2, 2), w[4:].reshape(2, 2)]
    biases = [np.full(2, ex["b_hidden"]), np.full(2, ex["b_output"])]
    return np.array(ex["x"], dtype=float), np.array(ex["y"], dtype=float), weights, biases


REFERENCES = {
    "backprop_example": fc.backprop_example,
    "backprop": fc.backprop,
    "numerical_gradient": gradcheck.numerical_gradient,
    "worked_example": worked_example,
}

_NAMES = ("nabla_b", "nabla_w")


def _args(case, one: bool = False):
    if one:
        return [case.x[0], case.y[0], case.weights, case.biases]
    return [case.x, case.y, case.weights, case.biases]


def _bp(fn: str, case, one: bool = False, label: str | None = None) -> Case:
    x = case.x[0] if one else case.x
    text = label or (case.label.replace(f"N = {case.x.shape[0]}, ", "") if one else case.label)
    return Case(text + ("" if one else f" (x: {x.shape})"),
                {"fn": fn, "args": _args(case, one)})


# --- numerical gradients of the quadratic cost, in the trusted process ----------------------


def _compare_numerical(mean: bool):
    """The learner's (nabla_b, nabla_w) against centred differences of the quadratic cost of
    the case's network (per example, or the mean over the mini-batch)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        shape_check = compare_value(got["ret"], exp["ret"], check=check, names=_NAMES,
                                    tolerance=None)
        if not shape_check.passed and shape_check.kind != "value":
            return shape_check
        x, y, weights, biases = (np.array(a) if not isinstance(a, list) else
                                 [np.array(v) for v in a] for a in case.data["args"])
        xx, yy = (x, y) if mean else (x[None, :], y[None, :])

        def cost(_):
            return QuadraticCost.fn(fc.feedforward(xx, weights, biases), yy)

        nabla_b, nabla_w = got["ret"]
        for layer in range(len(weights)):
            for name, param, grad in (("nabla_w", weights[layer], nabla_w[layer]),
                                      ("nabla_b", biases[layer], nabla_b[layer])):
                result = check_gradient_numerically(cost, param, np.asarray(grad), check=check,
                                                    location=f"{name}[{layer}]")
                if not result.passed:
                    return result
        return CheckResult(check, True, message=f"{check}: agrees with centred differences")

    return compare


# --- backprop_example ------------------------------------------------------------------------


def _example_fixed(rng):
    x, y, weights, biases = worked_example()
    return [Case("the worked 2-2-2 example", {"fn": "backprop_example",
                                               "args": [x, y, weights, biases]})]


def _example_random(rng):
    return [_bp("backprop_example", fc_case(rng, sizes=s), one=True)
            for s in [(3, 4, 2), (5, 3), (4, 5, 3, 2), (2, 3, 3, 3, 2)]]


def _example_saturated(rng):
    return [_bp("backprop_example", fc_case(rng, sizes=(6, 5, 3), saturated=True), one=True,
                label="network [6, 5, 3], weights and biases x20 (saturated: sigma' ~ 0)")]


def _example_numerical(rng):
    return [_bp("backprop_example", fc_case(rng, sizes=s, targets="unit"), one=True)
            for s in [(3, 4, 2), (4, 3, 3, 2)]]


# --- backprop ----------------------------------------------------------------------------------


def _batch_one(rng):
    return [_bp("backprop", fc_case(rng, sizes=(4, 3, 2), n=1))]


def _batch_random(rng):
    return [_bp("backprop", fc_case(rng, sizes=s, n=n))
            for s, n in [((3, 4, 2), 5), ((6, 3), 3), ((4, 5, 3, 2), 6), ((2, 3, 3, 3, 2), 4)]]


def _batch_numerical(rng):
    return [_bp("backprop", fc_case(rng, sizes=s, n=n, targets="unit"))
            for s, n in [((3, 4, 2), 4), ((4, 3, 3, 2), 3)]]


def _batch_float32(rng):
    return [_bp("backprop", fc_case(rng, sizes=(5, 4, 3), n=4, dtype=np.float32))]


# --- numerical_gradient ----------------------------------------------------------------------


def _ng(rng, shape, h=None, cubic=1.0, label=""):
    coeffs = [rng.uniform(0.5, 2.0, shape), rng.uniform(0.5, 2.0, shape),
              cubic * rng.uniform(0.5, 2.0, shape)]
    data = {"fn": "numerical_gradient", "x": rng.uniform(-1.5, 1.5, shape), "coeffs": coeffs}
    if h is not None:
        data["h"] = h
    return Case(label or f"x of shape {shape}" + (f", h = {h:g}" if h else ""), data)


def _ng_vector(rng):
    return [_ng(rng, (int(rng.integers(2, 8)),)) for _ in range(2)]


def _ng_matrix(rng):
    return [_ng(rng, (3, 4)), _ng(rng, (2, 3, 2))]


def _ng_centred(rng):
    return [_ng(rng, (5,), h=1e-2, cubic=20.0,
                label="x of shape (5,), h = 0.01, a strongly cubic f (centred differences "
                      "have error O(h^2), one-sided O(h))")]


# --- worked_example ----------------------------------------------------------------------------


def _we(rng):
    return [Case("worked_example()", {"fn": "worked_example", "args": []})]


def _we_backprop(rng):
    return [Case("your backprop_example on your worked_example()",
                 {"fn": "worked_example", "backprop": "backprop_example"})]


def _pick(i):
    return lambda ret: ret[i]


TASKS = [
    Task("backprop_example", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("the worked 2-2-2 example (the book's dE/dw)", 1.0, _example_fixed,
                 compare_ret(names=_NAMES), fixed=True,
                 hint="BP1 delta = (a - y) * sigma'(z^L); BP2 delta = (w^T delta) * sigma'(z); "
                      "BP3 nabla_b = delta; BP4 nabla_w = outer(delta, a_prev)"),
        SubCheck("random networks, one to four layers of weights", 1.0, _example_random,
                 compare_ret(names=_NAMES),
                 hint="return (nabla_b, nabla_w), lists shaped like biases and weights"),
        SubCheck("agrees with a numerical gradient of C_x = 1/2 ||a - y||^2", 1.0,
                 _example_numerical, _compare_numerical(mean=False)),
        SubCheck("saturated neurons (sigma' ~ 0)", 0.5, _example_saturated,
                 compare_ret(names=_NAMES)),
    ]),
    Task("backprop", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("a mini-batch of one example", 0.5, _batch_one, compare_ret(names=_NAMES)),
        SubCheck("random mini-batches: the gradient of the MEAN cost", 1.5, _batch_random,
                 compare_ret(names=_NAMES),
                 hint="one row of delta per example; divide by N so the sums over rows are "
                      "means; nabla_w = delta.T @ a_prev"),
        SubCheck("agrees with a numerical gradient of the mean cost", 1.0, _batch_numerical,
                 _compare_numerical(mean=True)),
        SubCheck("float32 in, float32 out", 0.5, _batch_float32,
                 compare_ret(names=_NAMES, check_dtype=True)),
    ]),
    Task("numerical_gradient", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("a smooth function of a vector", 1.0, _ng_vector,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="(f(x + h e_i) - f(x - h e_i)) / (2h) for every entry i"),
        SubCheck("x of any shape (matrices too)", 0.5, _ng_matrix,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="np.nditer or np.ndindex visit every index of any shape"),
        SubCheck("centred differences with the h given", 1.0, _ng_centred,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="use both f(x + h) and f(x - h), and the h argument"),
    ]),
    Task("worked_example", in_place=(), subchecks=[
        SubCheck("x = (0.05, 0.10) and y = (0.01, 0.99)", 0.5, _we,
                 all_of(compare_ret(location="x", pick=_pick(0)),
                        compare_ret(location="y", pick=_pick(1))), fixed=True),
        SubCheck("weights in the library's layout", 0.5, _we,
                 compare_ret(location="weights", pick=_pick(2)), fixed=True,
                 hint="weights[0][j, k] is the weight to hidden neuron j from input k: "
                      "[[w1, w2], [w3, w4]]"),
        SubCheck("biases: 0.35 (hidden) and 0.60 (output)", 0.5, _we,
                 compare_ret(location="biases", pick=_pick(3)), fixed=True),
        SubCheck("your backprop_example on it gives the book's dE/dw", 0.5, _we_backprop,
                 compare_ret(names=_NAMES), driver="example_then_backprop", fixed=True),
    ], fixed_answer=True),
]

ASSIGNMENT = Assignment(
    name="ch02_backprop",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\nfrom nndl_lib.activations import sigmoid, sigmoid_prime\n",
    allowed_modules=("nndl_lib.activations",),
    manual={"why_fast": 2.0},
)

#: The notebooks' test cells: ``result = checks.check("backprop", backprop)``.
check = ASSIGNMENT.check
