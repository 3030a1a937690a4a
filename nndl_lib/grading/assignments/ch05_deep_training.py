"""Checks of assignment ``ch05_deep_training`` (chapter 5: why deep neural networks are hard to
train).

The learner writes ``gradient_norms`` (the speed of learning of every hidden layer of a deep
sigmoid network: ||mean over the mini-batch of dC/db^l||, cross-entropy cost, as in
``conventions.md``), ``gradient_factor`` (|w sigma'(w a + b)|, the factor one neuron passes
back), ``factor_interval`` (the inputs a where that factor reaches 1: the chapter's problem,
``None`` when |w| < 4) and ``tanh_factor_interval`` (a transfer: the same band for tanh
neurons, ``None`` when |w| < 1).

``gradient_norms`` may call the course library's ``backprop`` (:mod:`nndl_lib.fc`, imported
by the setup cell: chapter 2 graded it); the skill graded is the bookkeeping per layer.
``sigmoid_prime`` comes from :mod:`nndl_lib.activations`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nndl_lib import fc
from nndl_lib.companions import ch05_gradient_norms, ch05_learning_speed
from nndl_lib.grading.checks import CheckResult
from nndl_lib.grading.framework import (
    Assignment,
    Case,
    SubCheck,
    Task,
    compare_ret,
    compare_value,
)
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "default_network",
           "if_written"]


class _CrossEntropyNet:
    """Just enough of a network for :func:`ch05_gradient_norms.gradient_norms`: its
    ``backprop`` is the library's, with the cross-entropy cost and sigmoid neurons."""

    def __init__(self, weights: list, biases: list) -> None:
        self.weights, self.biases = weights, biases

    def backprop(self, x: np.ndarray, y: np.ndarray) -> tuple[list, list]:
        return fc.backprop(x, y, self.weights, self.biases, cost="cross-entropy")


def gradient_norms(x: np.ndarray, y: np.ndarray, weights: list, biases: list) -> list[float]:
    """The reference: ||mean over the rows of (x, y) of dC/db^l|| for every hidden layer l,
    first first (cross-entropy cost, sigmoid neurons)."""
    return ch05_gradient_norms.gradient_norms(_CrossEntropyNet(weights, biases), x, y)


def factor_interval(w: float, b: float) -> tuple[float, float] | None:
    """The reference: the chapter's interval of a with |w sigma'(w a + b)| >= 1, or None when
    there is none (|w| < 4)."""
    return None if abs(w) < 4.0 else ch05_learning_speed.factor_interval(w, b)


def tanh_factor_interval(w: float, b: float) -> tuple[float, float] | None:
    """The reference of the transfer task: the same for tanh neurons, None when |w| < 1."""
    return None if abs(w) < 1.0 else ch05_learning_speed.tanh_factor_interval(w, b)


REFERENCES = {
    "gradient_norms": gradient_norms,
    "gradient_factor": ch05_learning_speed.gradient_factor,
    "factor_interval": factor_interval,
    "tanh_factor_interval": tanh_factor_interval,
}


def default_network(sizes: list[int], rng: np.random.Generator) -> tuple[list, list]:
    """Weights N(0, 1/n_in) and biases N(0, 1) for the layer sizes (the default
    initialisation of the earlier chapters): (weights, biases)."""
    weights = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
               for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.standard_normal(n_out) for n_out in sizes[1:]]
    return weights, biases


# --- gradient_norms ------------------------------------------------------------------------------


def _norms_case(rng, sizes: list[int], n: int, label: str = "") -> Case:
    weights, biases = default_network(sizes, rng)
    x = rng.random((n, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return Case(label or f"network {sizes} at default initialisation, N = {n} examples",
                {"fn": "gradient_norms", "args": [x, y, weights, biases]})


def _norms_deep(rng):
    cases = []
    for _ in range(2):
        depth = int(rng.integers(3, 5))
        sizes = [int(rng.integers(8, 20))] + [int(rng.integers(5, 12))] * depth + [
            int(rng.integers(2, 6))]
        cases.append(_norms_case(rng, sizes, int(rng.integers(10, 40))))
    return cases


def _norms_one_hidden(rng):
    return [_norms_case(rng, [int(rng.integers(4, 10)), 6, 3], 12)]


def _norms_one_example(rng):
    return [_norms_case(rng, [7, 5, 5, 5, 2], 1)]


def _norms_unequal(rng):
    return [_norms_case(rng, [12, 9, 6, 4, 3], 25,
                        label="hidden layers of different sizes [12, 9, 6, 4, 3], N = 25")]


def _as_floats(ret: Any) -> np.ndarray:
    return np.asarray([float(v) for v in ret], dtype=np.float64)


# --- gradient_factor -----------------------------------------------------------------------------


def _gf_random(rng):
    cases = []
    for shape in [(6,), (3, 4)]:
        cases.append(Case(f"w, a, b of shape {shape}",
                          {"fn": "gradient_factor",
                           "args": [rng.normal(0, 5, shape), rng.random(shape),
                                    rng.normal(0, 2, shape)]}))
    return cases


def _gf_broadcast(rng):
    w = float(rng.uniform(2, 10))
    return [Case(f"one weight w = {w:.3g} and b = 0.5, a of shape (11,)",
                 {"fn": "gradient_factor", "args": [w, np.linspace(0, 1, 11), 0.5]})]


def _gf_peak(rng):
    w = rng.normal(0, 6, 5)
    b = rng.normal(0, 2, 5)
    return [Case("w a + b = 0: the factor is |w| / 4, its largest value",
                 {"fn": "gradient_factor", "args": [w, -b / w, b]})]


# --- factor_interval, tanh_factor_interval ------------------------------------------------------


def _interval_cases(fn: str, rng, lo: float, hi: float, n: int = 3,
                    with_b: bool = True) -> list[Case]:
    cases = []
    for _ in range(n):
        w = float(rng.uniform(lo, hi)) * float(rng.choice([-1.0, 1.0]))
        b = float(rng.normal(0, 3)) if with_b else 0.0
        cases.append(Case(f"w = {w:.4g}, b = {b:.4g}", {"fn": fn, "args": [w, b]}))
    return cases


def _fi_zero_bias(rng):
    return _interval_cases("factor_interval", rng, 4.5, 30.0, n=2, with_b=False)


def _fi_random(rng):
    return _interval_cases("factor_interval", rng, 4.5, 60.0)


def _fi_small(rng):
    return _interval_cases("factor_interval", rng, 0.1, 3.99, n=2) + [
        Case("w = 3, b = 0 (the factor peaks at 3/4)", {"fn": "factor_interval",
                                                         "args": [3.0, 0.0]})]


def _fi_edge(rng):
    b = float(rng.normal(0, 2))
    return [Case(f"|w| = 4 exactly, b = {b:.4g}: a single point",
                 {"fn": "factor_interval", "args": [4.0, b]}),
            Case(f"|w| = 4 exactly, w negative, b = {b:.4g}",
                 {"fn": "factor_interval", "args": [-4.0, b]})]


def _fi_widest(rng):
    return [Case("w = 6.894, b = 0 (the widest interval, about 0.4477 wide)",
                 {"fn": "factor_interval", "args": [6.894, 0.0]})]


def _tfi_zero_bias(rng):
    return _interval_cases("tanh_factor_interval", rng, 1.2, 20.0, n=2, with_b=False)


def _tfi_random(rng):
    return _interval_cases("tanh_factor_interval", rng, 1.2, 60.0)


def _tfi_small(rng):
    return _interval_cases("tanh_factor_interval", rng, 0.05, 0.99, n=2)


def _tfi_edge(rng):
    b = float(rng.normal(0, 2))
    return [Case(f"|w| = 1 exactly, b = {b:.4g}: a single point",
                 {"fn": "tanh_factor_interval", "args": [1.0, b]})]


def compare_interval(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    """None where the reference has no interval; otherwise a pair (a_lo, a_hi), a_lo <= a_hi,
    equal to the reference's."""
    g, e = got.get("ret"), exp.get("ret")
    w = case.data["args"][0]
    if e is None:
        if g is None:
            return CheckResult(check, True, message=f"{check}: None")
        return CheckResult(check, False, "value",
                           message=f"{check}: for w = {w:.4g} the factor never reaches 1, so "
                                   f"there is no interval: return None; got {g!r}")
    if g is None:
        return CheckResult(check, False, "value",
                           message=f"{check}: returned None, but for w = {w:.4g} the factor "
                                   "reaches 1 (at least at one point): return (a_lo, a_hi)")
    if not isinstance(g, list | tuple | np.ndarray) or len(g) != 2:
        return CheckResult(check, False, "type",
                           message=f"{check}: should return a pair (a_lo, a_hi) of numbers; "
                                   f"got {type(g).__name__}")
    return compare_value([float(v) for v in g], list(e), check=check,
                         names=("a_lo", "a_hi"))


def _interval_subchecks(fn: str, zero_bias, random, small, edge, threshold: str,
                        extra: list[SubCheck]) -> list[SubCheck]:
    return [
        SubCheck("b = 0: an interval around a = 0", 0.75, zero_bias, compare_interval,
                 hint="first find the z where the factor is exactly 1, then turn z = w a + b "
                      "into a"),
        SubCheck("random w (negative too) and b", 1.25, random, compare_interval,
                 hint="for a negative w, a grows as z falls: are your two ends in order?"),
        SubCheck(f"|w| < {threshold}: no interval, return None", 0.5, small, compare_interval,
                 hint="the factor is at most |w| times the largest slope of the activation: "
                      "below which |w| can it not reach 1?"),
        SubCheck(f"|w| = {threshold} exactly: one point (a_lo = a_hi)", 0.25, edge,
                 compare_interval,
                 hint="at the threshold the factor reaches 1 at a single z: which?"),
        *extra,
    ]


TASKS = [
    Task("gradient_norms", in_place=(), subchecks=[
        SubCheck("deep networks: one norm per hidden layer, first layer first", 1.5,
                 _norms_deep, compare_ret(location="norms", pick=_as_floats),
                 hint="backprop gives dC/db^l already averaged over the mini-batch, one entry "
                      "per layer: which entries are hidden layers, and in which order?"),
        SubCheck("hidden layers of different sizes", 0.5, _norms_unequal,
                 compare_ret(location="norms", pick=_as_floats),
                 hint="the norm of a vector of any length: the square root of the sum of "
                      "squares"),
        SubCheck("one hidden layer: one norm", 0.5, _norms_one_hidden,
                 compare_ret(location="norms", pick=_as_floats),
                 hint="the output layer is not hidden: leave it out"),
        SubCheck("a mini-batch of one example", 0.5, _norms_one_example,
                 compare_ret(location="norms", pick=_as_floats)),
    ]),
    Task("gradient_factor", in_place=(), subchecks=[
        SubCheck("random w, a, b of the same shape", 1.0, _gf_random, compare_ret(),
                 hint="sigma' is taken at the neuron's weighted input, not at its input a"),
        SubCheck("one weight for many inputs (broadcasting)", 0.5, _gf_broadcast,
                 compare_ret()),
        SubCheck("at w a + b = 0 the factor is |w|/4 (negative w too)", 0.5, _gf_peak,
                 compare_ret(), hint="a factor is a size: it is never negative"),
    ]),
    Task("factor_interval", in_place=(), subchecks=_interval_subchecks(
        "factor_interval", _fi_zero_bias, _fi_random, _fi_small, _fi_edge, "4",
        [SubCheck("the widest interval, at |w| = 6.894", 0.25, _fi_widest, compare_interval,
                  fixed=True, hint="sigma'(z) = sigma(z) (1 - sigma(z)) = 1/|w| is a quadratic "
                                   "equation in sigma(z)")])),
    Task("tanh_factor_interval", in_place=(), subchecks=_interval_subchecks(
        "tanh_factor_interval", _tfi_zero_bias, _tfi_random, _tfi_small, _tfi_edge, "1", [])),
]

ASSIGNMENT = Assignment(
    name="ch05_deep_training",
    tasks=TASKS,
    references=REFERENCES,
    prelude=("import numpy as np\nfrom nndl_lib.activations import sigmoid_prime\n"
             "from nndl_lib.fc import backprop\n"),
    allowed_modules=("nndl_lib.activations", "nndl_lib.fc"),
    manual={"why_slower": 3.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "gradient_norms": 2,
    "gradient_factor": 1,
    "factor_interval": 3,
    "tanh_factor_interval": 4,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("factor_interval", factor_interval)``.
check = ASSIGNMENT.check
