"""Checks of assignment ``ch01_digits`` (chapter 1: perceptrons, sigmoid neurons, feedforward,
one step of gradient descent, accuracy, parameter counts).

The learner writes ``perceptron_output``, ``sigmoid``, ``sigmoid_neuron_output``,
``feedforward``, ``update_mini_batch``, ``accuracy`` and ``count_parameters`` with the
signatures of the references below; the notebook's test cells call :func:`check`.
"""

from __future__ import annotations

import numpy as np

from nndl_lib import activations, fc, metrics
from nndl_lib.companions import ch01_perceptron as perceptron
from nndl_lib.grading.assignments import train_sgd
from nndl_lib.grading.checks import fc_case, range_edges
from nndl_lib.grading.framework import (
    Assignment,
    Case,
    SubCheck,
    Task,
    compare_ret,
    extremes,
)
from nndl_lib.grading.framework import call_case as _call  # fn(*args), by name
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight
from nndl_lib.reference_values import EXERCISE_KEYS

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "feedforward_tanh", "if_written"]

REFERENCES = {
    "perceptron_output": perceptron.perceptron_output,
    "sigmoid": activations.sigmoid,
    "sigmoid_neuron_output": perceptron.sigmoid_neuron_output,
    "feedforward": fc.feedforward,
    "update_mini_batch": fc.update_mini_batch,
    "accuracy": metrics.accuracy,
    "count_parameters": metrics.count_parameters,
}


def feedforward_tanh(x, weights, biases):
    """The reference of the transfer task: tanh hidden layers, a sigmoid output layer."""
    return fc.feedforward(x, weights, biases, activation="tanh", output_activation="sigmoid")


REFERENCES["feedforward_tanh"] = feedforward_tanh


# --- perceptron_output ---------------------------------------------------------------------


def _nand(rng):
    key = EXERCISE_KEYS["ch1_nand"]
    return [_call("perceptron_output", np.array(key["inputs"], dtype=float),
                  np.array(key["w"], dtype=float), float(key["b"]),
                  label="NAND: w = (-2, -2), b = 3 on inputs 00, 01, 10, 11")]


def _vote(rng):
    key = EXERCISE_KEYS["ch1_perceptron_vote"]
    return [_call("perceptron_output", np.array(key["x"], dtype=float),
                  np.array(key["w"], dtype=float), -float(key["threshold"]),
                  label="x = (4, 1, -3), w = (1, 3, 2), threshold 3, so b = -3")]


def _perceptron_random(rng):
    cases = []
    for _ in range(3):
        n = int(rng.integers(1, 7))
        w, b = rng.standard_normal(n), float(rng.standard_normal())
        cases.append(_call("perceptron_output", rng.standard_normal(n), w, b,
                           label=f"one input of {n} values"))
        N = int(rng.integers(2, 9))
        cases.append(_call("perceptron_output", rng.standard_normal((N, n)), w, b,
                           label=f"x of shape ({N}, {n}), one input per row"))
    return cases


def _perceptron_boundary(rng):
    n, N = 3, 8
    w = rng.integers(-3, 4, size=n).astype(float)
    x = rng.integers(0, 3, size=(N, n)).astype(float)
    b = -float(x[0] @ w)  # w.x + b is exactly 0 on the first row (and maybe others)
    return [_call("perceptron_output", x, w, b, label="rows where w.x + b = 0 exactly")]


# --- sigmoid, sigmoid_neuron_output ----------------------------------------------------------


def _sigmoid_values(rng):
    return [_call("sigmoid", rng.standard_normal(shape) * 4, label=f"z of shape {shape}")
            for shape in [(7,), (3, 4), (2, 3, 2)]] + [
        _call("sigmoid", np.array(float(rng.standard_normal())), label="a 0-d array")]


def _sigmoid_extremes(rng):
    return [_call("sigmoid", z, label=label) for z, label in range_edges(rng)]


def _sigmoid_float32(rng):
    return [_call("sigmoid", rng.standard_normal((3, 5)).astype(np.float32),
                  label="z of dtype float32")]


def _neuron_random(rng):
    cases = []
    for _ in range(2):
        n, N = int(rng.integers(1, 6)), int(rng.integers(2, 6))
        w, b = rng.standard_normal(n), float(rng.standard_normal())
        cases.append(_call("sigmoid_neuron_output", rng.standard_normal(n), w, b,
                           label=f"one input of {n} values"))
        cases.append(_call("sigmoid_neuron_output", rng.standard_normal((N, n)), w, b,
                           label=f"x of shape ({N}, {n})"))
    return cases


def _neuron_large(rng):
    key = EXERCISE_KEYS["ch1_nand"]
    c = 1000.0
    return [_call("sigmoid_neuron_output", np.array(key["inputs"], dtype=float),
                  c * np.array(key["w"], dtype=float), c * float(key["b"]),
                  label="the NAND weights and bias times c = 1000 (behaves like the perceptron)")]


# --- feedforward ---------------------------------------------------------------------------


def _ff(case, label=None):
    return _call("feedforward", case.x, case.weights, case.biases, label=label or case.label)


def _ff_fixed(rng):
    x = np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]])
    weights = [np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 1.0]]), np.array([[1.0, -2.0, 0.5]])]
    biases = [np.array([0.1, -0.2, 0.3]), np.array([0.05])]
    return [_call("feedforward", x, weights, biases,
                  label="network [2, 3, 1], N = 3 (the notebook's example)")]


def _ff_random(rng):
    return [_ff(fc_case(rng, n=n)) for n in (1, 4)] + [
        _ff(fc_case(rng, sizes=(5, 2))), _ff(fc_case(rng, sizes=(6, 4, 3, 5, 2)))]


def _ff_float32(rng):
    return [_ff(fc_case(rng, sizes=(4, 3, 2), n=3, dtype=np.float32))]


def _ff_saturated(rng):
    return [_ff(fc_case(rng, sizes=(8, 6, 3), n=5, saturated=True),
                label="network [8, 6, 3], N = 5, weights and biases x20 (saturated)")]


# --- feedforward_tanh (transfer) ---------------------------------------------------------------


def _tanh(case, label=None):
    return _call("feedforward_tanh", case.x, case.weights, case.biases,
                 label=label or case.label)


def _tanh_fixed(rng):
    (case,) = _ff_fixed(rng)
    return [Case(case.label, {**case.data, "fn": "feedforward_tanh"})]


def _tanh_random(rng):
    return [_tanh(fc_case(rng, sizes=s, n=n)) for s, n in
            [((3, 4, 2), 4), ((5, 2), 3), ((6, 4, 3, 5, 2), 2), ((2, 3, 1), 1)]]


def _tanh_saturated(rng):
    case = fc_case(rng, sizes=(8, 6, 3), n=5, saturated=True)
    case.weights[-1] *= 40.0  # output weighted inputs far beyond e^709
    return [_tanh(case, label="network [8, 6, 3], N = 5, large weights (saturated outputs)")]


def _tanh_float32(rng):
    return [_tanh(fc_case(rng, sizes=(4, 3, 2), n=3, dtype=np.float32))]


# --- update_mini_batch --------------------------------------------------------------------


def _step(case, eta, rng):
    nabla_b = [rng.standard_normal(b.shape).astype(b.dtype) for b in case.biases]
    nabla_w = [rng.standard_normal(w.shape).astype(w.dtype) for w in case.weights]
    return Case(f"{case.label}, eta = {eta:g}",
                {"fn": "update_mini_batch",
                 "args": [case.x, case.y, case.weights, case.biases, eta],
                 "nabla_b": nabla_b, "nabla_w": nabla_w})


def _step_random(rng):
    return [_step(fc_case(rng, sizes=(3, 4, 2), n=5), 0.5, rng),
            _step(fc_case(rng, n=10), float(rng.uniform(0.1, 3.0)), rng)]


def _step_deep_float32(rng):
    return [_step(fc_case(rng, sizes=(5, 4, 4, 3), n=6, dtype=np.float32), 3.0, rng)]


def _compare_calls(got, exp, case, check=""):
    from nndl_lib.grading.checks import CheckResult

    if got.get("calls") != 1:
        return CheckResult(check, False, "value",
                           message=f"{check}: gradient was called {got.get('calls')} times; "
                                   "call it exactly once per mini-batch, as "
                                   "gradient(x, y, weights, biases)")
    if got.get("seen") != exp.get("seen"):
        return CheckResult(check, False, "value",
                           message=f"{check}: gradient was called with (shapes of x, y, "
                                   f"number of weight and bias arrays) {got.get('seen')[0]}; "
                                   f"expected {exp.get('seen')[0]}: pass the whole mini-batch "
                                   "x, y and the current weights and biases")
    return CheckResult(check, True, message=f"{check}: gradient called once")


# --- accuracy, count_parameters --------------------------------------------------------------


def _acc_fixed(rng):
    a = np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.5, 0.1, 0.4]])
    return [_call("accuracy", a, np.array([1, 0, 1, 2]),
                  label="4 outputs of 3 classes, labels (1, 0, 1, 2)")]


def _acc_random(rng):
    cases = []
    for N in (7, 50):
        a = rng.random((N, 10))
        labels = np.where(rng.random(N) < 0.6, np.argmax(a, axis=1), rng.integers(0, 10, N))
        cases.append(_call("accuracy", a, labels, label=f"{N} outputs of 10 classes"))
    return cases


def _acc_one(rng):
    a = rng.random((1, 10))
    return [_call("accuracy", a, np.array([int(np.argmax(a))]), label="one row, right answer"),
            _call("accuracy", a, np.array([(int(np.argmax(a)) + 1) % 10]),
                  label="one row, wrong answer")]


def _count_book(rng):
    return [_call("count_parameters", list(sizes), label=f"sizes {list(sizes)}")
            for sizes in EXERCISE_KEYS["ch1_parameter_counts"]]


def _count_random(rng):
    cases = []
    for _ in range(3):
        sizes = [int(s) for s in rng.integers(1, 50, size=int(rng.integers(2, 6)))]
        cases.append(_call("count_parameters", sizes, label=f"sizes {sizes}"))
    return cases


TASKS = [
    Task("perceptron_output", in_place=(), subchecks=[
        SubCheck("the NAND perceptron's truth table", 0.5, _nand, compare_ret(), fixed=True,
                 hint="output 1 when w . x + b > 0, else 0; x may hold one input per row"),
        SubCheck("the vote example (threshold form)", 0.25, _vote, compare_ret(), fixed=True,
                 hint="the weighted sum is 1, below the threshold 3"),
        SubCheck("random inputs: one vector, or one input per row", 0.5, _perceptron_random,
                 compare_ret(), hint="one matrix product serves one input and a batch alike: "
                                     "which operand goes first?"),
        SubCheck("w . x + b = 0 exactly gives 0 (the rule is > 0, not >= 0)", 0.5,
                 _perceptron_boundary, compare_ret()),
    ]),
    Task("sigmoid", in_place=(), subchecks=[
        SubCheck("values on random z of any shape", 0.75, _sigmoid_values, compare_ret(),
                 hint="look at the recap's formula: NumPy's functions work element by element"),
        extremes("saturated z (up to +-1000) and z at the edges of float64 and float32", 0.5,
                 _sigmoid_extremes,
                 hint="exp of a large positive number overflows (and warns); exp(-|z|) never "
                      "does"),
        SubCheck("float32 in, float32 out", 0.5, _sigmoid_float32, compare_ret(check_dtype=True),
                 hint="avoid converting z to float64"),
    ]),
    Task("sigmoid_neuron_output", in_place=(), subchecks=[
        SubCheck("random inputs: one vector, or one input per row", 0.5, _neuron_random,
                 compare_ret(), hint="the same weighted input as the perceptron's, then your "
                                     "sigmoid"),
        SubCheck("large weights and bias behave like the perceptron", 0.25, _neuron_large,
                 compare_ret(), fixed=True),
    ]),
    Task("feedforward", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("the notebook's [2, 3, 1] example", 0.5, _ff_fixed, compare_ret(), fixed=True,
                 hint="a layer turns the previous activations into the next: which shape must w "
                      "take to multiply rows of shape (N, n_in)?"),
        SubCheck("random networks, N = 1 to 6, one to four layers of weights", 1.0, _ff_random,
                 compare_ret(), hint="apply every layer, in order, to every row of x"),
        SubCheck("saturated networks (large weights)", 0.5, _ff_saturated, compare_ret()),
        SubCheck("float32 in, float32 out", 0.5, _ff_float32, compare_ret(check_dtype=True)),
    ]),
    Task("feedforward_tanh", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("the notebook's [2, 3, 1] example", 0.5, _tanh_fixed, compare_ret(),
                 fixed=True,
                 hint="which layers are hidden, and which one is the output layer?"),
        SubCheck("random networks, no to three hidden layers", 1.0, _tanh_random,
                 compare_ret(),
                 hint="a network without hidden layer has only the output layer's sigmoid"),
        extremes("saturated outputs", 0.5, _tanh_saturated,
                 hint="the output layer uses your sigmoid of task 2"),
        SubCheck("float32 in, float32 out", 0.5, _tanh_float32, compare_ret(check_dtype=True)),
    ]),
    Task("update_mini_batch", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("one step: w - eta nabla_w and b - eta nabla_b", 1.0, _step_random,
                 compare_ret(names=("weights", "biases")), driver="call_with_gradient",
                 hint="the recap's rule, once per layer, into new lists: in which order does the "
                      "task return them?"),
        SubCheck("calls gradient(x, y, weights, biases) exactly once", 0.5, _step_random,
                 _compare_calls, driver="call_with_gradient"),
        SubCheck("three layers of weights, float32", 1.0, _step_deep_float32,
                 compare_ret(check_dtype=True, names=("weights", "biases")),
                 driver="call_with_gradient"),
    ]),
    Task("accuracy", in_place=(), subchecks=[
        SubCheck("the notebook's example", 0.5, _acc_fixed, compare_ret(), fixed=True,
                 hint="the fraction (0 to 1) of rows whose argmax equals the label"),
        SubCheck("random outputs and labels", 0.75, _acc_random, compare_ret(),
                 hint="a row's prediction is the index of its largest entry: along which axis?"),
        SubCheck("a single row", 0.5, _acc_one, compare_ret()),
    ]),
    Task("count_parameters", in_place=(), subchecks=[
        SubCheck("[784, 30, 10] and [784, 100, 10]", 0.25, _count_book, compare_ret(),
                 fixed=True, hint="each layer has n_out * n_in weights and n_out biases"),
        SubCheck("random layer sizes", 0.5, _count_random, compare_ret()),
    ]),
]

# the graded train-and-tune task (issue 26), defined in its own module
TASKS.append(train_sgd.sgd_task())
REFERENCES["sgd"] = fc.sgd

ASSIGNMENT = Assignment(
    name="ch01_digits",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\n",
    allowed_modules=(),
    manual={"why_sigmoid": 2.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "perceptron_output": 2,
    "sigmoid": 2,
    "sigmoid_neuron_output": 1,
    "feedforward": 3,
    "feedforward_tanh": 4,
    "update_mini_batch": 2,
    "accuracy": 1,
    "count_parameters": 1,
    "sgd": 3,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("feedforward", feedforward)``.
check = ASSIGNMENT.check
