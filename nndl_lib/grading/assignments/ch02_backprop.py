"""Checks of assignment ``ch02_backprop`` (chapter 2: backpropagation).

The learner writes ``backprop_example`` (BP1-BP4 for one example), ``backprop`` (the matrix
form over a mini-batch, gradient of the MEAN cost, without a loop over the examples: the lines
of Python it runs must not grow with the batch), ``numerical_gradient`` (centred differences
made in place, so that a cost reading ``x`` itself sees them) and ``worked_example`` (the 2-2-2
network of the worked example done by hand, one named number at a time, on the book's numbers
and on others), then ``backprop_ce_l2`` (a transfer: the gradient of the cross-entropy cost
plus the L2 term in one pass, which the chapter's code does not compute as printed). Defaults
as in :mod:`nndl_lib.fc`: quadratic cost, sigmoid neurons.
``sigmoid`` and ``sigmoid_prime`` come from :mod:`nndl_lib.activations`.
"""

from __future__ import annotations

import numpy as np

from nndl_lib import fc, gradcheck
from nndl_lib.companions.ch02_hand_example import by_hand
from nndl_lib.costs import CrossEntropyCost, QuadraticCost
from nndl_lib.grading.checks import CheckResult, check_gradient_numerically, fc_case
from nndl_lib.grading.compare import compare_by_name
from nndl_lib.grading.framework import (
    Assignment,
    Case,
    SubCheck,
    Task,
    compare_ret,
    compare_value,
)
from nndl_lib.grading.gradients import compare_no_loop, compare_numerical
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight
from nndl_lib.reference_values import WORKED_EXAMPLE_222

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "worked_network",
           "worked_example", "HAND_KEYS", "if_written"]


def worked_network() -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The worked 2-2-2 example in the library's layout: (x (2,), y (2,), weights, biases).

    w1, w2 feed h1 and w3, w4 feed h2 (rows of weights[0]); w5, w6 feed o1 and w7, w8 feed o2
    (rows of weights[1]); hidden biases 0.35, output biases 0.60 (see conventions.md).
    """
    ex = WORKED_EXAMPLE_222
    w = np.array(ex["w"], dtype=float)
    weights = [w[:4].reshape(2, 2), w[4:].reshape(2, 2)]
    biases = [np.full(2, ex["b_hidden"]), np.full(2, ex["b_output"])]
    return np.array(ex["x"], dtype=float), np.array(ex["y"], dtype=float), weights, biases


#: The numbers of the hand computation the learner's ``worked_example`` returns, by name (as
#: :func:`nndl_lib.companions.ch02_hand_example.by_hand` names them).
HAND_KEYS = {
    "forward": ("out_h1", "out_h2", "out_o1", "out_o2"),
    "w5": ("delta_o1", "dE_dw5"),
    "w1": ("delta_o2", "dE_dout_h1", "delta_h1", "dE_dw1"),
}


def worked_example(x, y, w, b_hidden: float, b_output: float) -> dict[str, float]:
    """The reference: the hand computation of the 2-2-2 network with inputs ``x`` (2,),
    targets ``y`` (2,), weights ``w`` = (w1, ..., w8) and the two biases; the numbers of
    :data:`HAND_KEYS`."""
    v = by_hand({"x": x, "y": y, "w": w, "b_hidden": b_hidden, "b_output": b_output,
                 "eta": 0.5})
    return {k: v[k] for keys in HAND_KEYS.values() for k in keys}


def backprop_ce_l2(x, y, weights, biases, lmbda: float, n: int):
    """The reference: (nabla_b, nabla_w) of C = (mean cross-entropy over the rows of x) +
    lmbda / (2 n) * sum of every squared weight (sigmoid neurons)."""
    nabla_b, nabla_w = fc.backprop(x, y, weights, biases, cost="cross-entropy")
    return nabla_b, [nw + (lmbda / n) * w for nw, w in zip(nabla_w, weights, strict=True)]


REFERENCES = {
    "backprop_example": fc.backprop_example,
    "backprop": fc.backprop,
    "numerical_gradient": gradcheck.numerical_gradient,
    "worked_example": worked_example,
    "backprop_ce_l2": backprop_ce_l2,
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
    x, y, weights, biases = worked_network()
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


def _batch_no_loop(rng):
    sizes = (4, 6, 3)
    small, large = fc_case(rng, sizes=sizes, n=2), fc_case(rng, sizes=sizes, n=48)
    large.weights = [w.copy() for w in small.weights]  # the same network, its own arrays
    large.biases = [b.copy() for b in small.biases]
    return [Case("network [4, 6, 3], a mini-batch of 2 examples, then one of 48",
                 {"fn": "backprop", "small": _args(small), "large": _args(large),
                  "without": ["backprop_example"]})]


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


def _ng_in_place(rng):
    return [_ng(rng, (3, 2), label="x of shape (3, 2); f reads x itself, as a cost reads a "
                                   "network's weights")]


def _ng_centred(rng):
    return [_ng(rng, (5,), h=1e-2, cubic=20.0,
                label="x of shape (5,), h = 0.01, a strongly cubic f (centred differences "
                      "have error O(h^2), one-sided O(h))")]


# --- worked_example ----------------------------------------------------------------------------


def _we_args(x, y, w, b_hidden, b_output) -> list:
    return [np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float),
            float(b_hidden), float(b_output)]


def _we(rng):
    book = _we_args(*(WORKED_EXAMPLE_222[k] for k in ("x", "y", "w", "b_hidden",
                                                       "b_output")))
    other = _we_args(rng.uniform(-1, 1, 2), rng.uniform(0.05, 0.95, 2), rng.uniform(-1, 1, 8),
                     rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
    return [Case("the book's network", {"fn": "worked_example", "args": book,
                                         "without": ["backprop_example", "backprop"]}),
            Case("the same network with other numbers",
                 {"fn": "worked_example", "args": other,
                  "without": ["backprop_example", "backprop"]})]


# --- backprop_ce_l2 (transfer) ------------------------------------------------------------------


def _ce_l2(case, lmbda: float, n: int, label: str = "") -> Case:
    return Case((label or case.label) + f", lambda = {lmbda:g}, n = {n}",
                {"fn": "backprop_ce_l2", "args": [*_args(case), lmbda, n]})


def _ce_random(rng):
    return [_ce_l2(fc_case(rng, sizes=s, n=m, targets="unit"), float(rng.uniform(0.5, 5)),
                   int(rng.integers(50, 500)))
            for s, m in [((3, 4, 2), 5), ((5, 3), 3), ((4, 5, 3, 2), 6)]]


def _ce_numerical(rng):
    return [_ce_l2(fc_case(rng, sizes=(3, 4, 2), n=4, targets="unit"), 5.0, 20)]


def _ce_saturated(rng):
    case = fc_case(rng, sizes=(5, 4, 3), n=4, saturated=True)
    case.y = 1.0 - np.round(fc.feedforward(case.x, case.weights, case.biases))
    return [_ce_l2(case, 1.0, 100, label="saturated outputs that are wrong (a ~ 1 - y)")]


def _ce_no_loop(rng):
    (case,) = _batch_no_loop(rng)
    return [Case(case.label, {**case.data, "fn": "backprop_ce_l2",
                              "small": [*case.data["small"], 1.0, 100],
                              "large": [*case.data["large"], 1.0, 100],
                              "without": ["backprop_example", "backprop"]})]


def _ce_l2_cost(args: list):
    x, y, weights, biases, lmbda, n = args

    def cost() -> float:
        a = fc.feedforward(x, weights, biases)
        return CrossEntropyCost.fn(a, y) + lmbda / (2 * n) * sum(np.sum(w * w) for w in weights)

    return cost


TASKS = [
    Task("backprop_example", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("the worked 2-2-2 example (the book's dE/dw)", 1.0, _example_fixed,
                 compare_ret(names=_NAMES), fixed=True,
                 hint="work the example on paper: which z and a does each of BP1-BP4 need, and "
                      "which of them must the forward pass keep?"),
        SubCheck("random networks, one to four layers of weights", 1.0, _example_random,
                 compare_ret(names=_NAMES),
                 hint="compare the shapes you return with those of biases and weights, layer by "
                      "layer"),
        SubCheck("agrees with a numerical gradient of C_x = 1/2 ||a - y||^2", 1.0,
                 _example_numerical, _compare_numerical(mean=False)),
        SubCheck("saturated neurons (sigma' ~ 0)", 0.5, _example_saturated,
                 compare_ret(names=_NAMES)),
    ]),
    Task("backprop", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("a mini-batch of one example", 0.5, _batch_one, compare_ret(names=_NAMES)),
        SubCheck("random mini-batches: the gradient of the MEAN cost", 1.5, _batch_random,
                 compare_ret(names=_NAMES),
                 hint="compare your result with the mean of backprop_example's over the rows: "
                      "which factor of N is missing or extra?"),
        SubCheck("agrees with a numerical gradient of the mean cost", 1.0, _batch_numerical,
                 _compare_numerical(mean=True)),
        SubCheck("no loop over the examples: the same lines of Python for 2 or 48 examples, "
                 "without backprop_example", 1.0, _batch_no_loop, compare_no_loop,
                 driver="call_by_batch_size",
                 hint="write BP1, BP2 and BP4 for a matrix whose rows are the examples; the sum "
                      "over examples in BP3 and BP4 is then a sum over rows"),
        SubCheck("float32 in, float32 out", 0.5, _batch_float32,
                 compare_ret(names=_NAMES, check_dtype=True)),
    ]),
    Task("numerical_gradient", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("a smooth function of a vector", 1.0, _ng_vector,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="look at the recap's formula: which two values of f does entry i need?"),
        SubCheck("x of any shape (matrices too)", 0.5, _ng_matrix,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="NumPy can visit every index of an array of any shape (see np.ndindex)"),
        SubCheck("in place: f reads x itself and sees each perturbation", 1.0, _ng_in_place,
                 compare_ret(location="gradient"), driver="numerical_gradient_in_place",
                 hint="the f of this case ignores its argument and reads x, as the cost in the "
                      "cell below reads the weights: change the entry of x itself, call f, put "
                      "the entry back"),
        SubCheck("centred differences with the h given", 1.0, _ng_centred,
                 compare_ret(location="gradient"), driver="numerical_gradient_of",
                 hint="a one-sided difference has error O(h), the centred one O(h^2)"),
    ]),
    Task("worked_example", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("the forward pass: out_h1, out_h2, out_o1, out_o2", 1.0, _we,
                 compare_by_name(HAND_KEYS["forward"]),
                 hint="net_h1 = w1 i1 + w2 i2 + b1, then out_h1 = sigma(net_h1)"),
        SubCheck("dE/dw5 by the chain rule: delta_o1, dE_dw5", 1.0, _we,
                 compare_by_name(HAND_KEYS["w5"]),
                 hint="dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5: name each factor "
                      "and multiply"),
        SubCheck("dE/dw1 through both outputs: delta_o2, dE_dout_h1, delta_h1, dE_dw1", 1.5,
                 _we, compare_by_name(HAND_KEYS["w1"]),
                 hint="out_h1 reaches E through o1 (weight w5) and through o2 (weight w7): "
                      "dE/dout_h1 has two terms"),
    ]),
    Task("backprop_ce_l2", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random mini-batches: the gradient of the mean cross-entropy plus the L2 term",
                 1.5, _ce_random, compare_ret(names=_NAMES),
                 hint="two things change from backprop: the output error of this cost, and "
                      "the derivative of the L2 term with respect to each weight"),
        SubCheck("agrees with a numerical gradient of the regularised cost", 1.0, _ce_numerical,
                 compare_numerical(_ce_l2_cost)),
        SubCheck("saturated wrong outputs still get a large gradient", 0.5, _ce_saturated,
                 compare_ret(names=_NAMES),
                 hint="with this cost, does sigma'(z^L) survive in the output error?"),
        SubCheck("no loop over the examples, without backprop or backprop_example", 0.5,
                 _ce_no_loop, compare_no_loop, driver="call_by_batch_size"),
    ]),
]

ASSIGNMENT = Assignment(
    name="ch02_backprop",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\nfrom nndl_lib.activations import sigmoid, sigmoid_prime\n",
    allowed_modules=("nndl_lib.activations",),
    manual={"why_fast": 2.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "backprop_example": 4,
    "backprop": 4,
    "numerical_gradient": 3,
    "worked_example": 3,
    "backprop_ce_l2": 5,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("backprop", backprop)``.
check = ASSIGNMENT.check
