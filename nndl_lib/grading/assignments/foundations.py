"""Checks of assignment ``foundations`` (the "Beyond the book" foundations page: activation
derivatives, one-hot codes, batch normalisation, adaptive optimisers).

The learner writes ``tanh_prime``, ``relu_prime``, ``leaky_relu_prime`` and ``softplus_prime``
(as in :mod:`nndl_lib.activations`; ReLU's derivative at 0 is taken to be 0, leaky ReLU's is
``a``), ``one_hot`` (as in :mod:`nndl_lib.data`: float64 rows, ValueError for a label outside
[0, num_classes)), ``batchnorm_forward`` and ``batchnorm_backward`` (as in
:mod:`nndl_lib.batchnorm`: the backward recomputes the batch statistics from ``x``), the
optimiser classes ``RMSprop`` and ``Adagrad`` (``step(params, grads)`` in place, as in
:mod:`nndl_lib.optimizers`), then the transfer: ``layernorm_forward`` and ``layernorm_backward``
(the same normalisation over each example's features instead of each feature's batch). Every
gradient is checked against the reference and against centred differences.
"""

from __future__ import annotations

from typing import Any

from nndl_lib import activations, batchnorm, data, optimizers
from nndl_lib.grading.assignments.ch03_cases import STEPS
from nndl_lib.grading.assignments.foundations_cases import (
    _GRADS,
    _bn_eps,
    _bn_extremes,
    _bn_float32,
    _bn_random,
    _compare_derivative,
    _compare_norm_numerical,
    _leaky_slopes,
    _ln_extremes,
    _ln_one_row,
    _numerical_cases,
    _oh_bad,
    _oh_default,
    _oh_dtype,
    _oh_values,
    _opt_first,
    _opt_many,
    _opt_steps,
    _opt_tiny,
    _prime_float32,
    _prime_values,
    _relu_zeros,
    _softplus_extremes,
)
from nndl_lib.grading.compare import compare_raises
from nndl_lib.grading.framework import (
    Assignment,
    SubCheck,
    Task,
    compare_ret,
    extremes,
)
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "if_written"]

REFERENCES: dict[str, Any] = {
    "tanh_prime": activations.tanh_prime,
    "relu_prime": activations.relu_prime,
    "leaky_relu_prime": activations.leaky_relu_prime,
    "softplus_prime": activations.softplus_prime,
    "one_hot": data.one_hot,
    "batchnorm_forward": batchnorm.batchnorm_forward,
    "batchnorm_backward": batchnorm.batchnorm_backward,
    "RMSprop": optimizers.RMSprop,
    "Adagrad": optimizers.Adagrad,
    "layernorm_forward": batchnorm.layernorm_forward,
    "layernorm_backward": batchnorm.layernorm_backward,
}

#: A label the function must refuse: what it must raise, and why.
_BAD_LABEL = compare_raises("a label outside [0, num_classes) is an error; check the labels "
                            "first, with a message naming the label")

TASKS = [
    Task("tanh_prime", in_place=(), subchecks=[
        SubCheck("values on random z of any shape", 1.0, _prime_values("tanh_prime"),
                 compare_ret(), hint="differentiate tanh(z) = sinh(z)/cosh(z), then write the "
                                     "result with tanh itself"),
        SubCheck("agrees with a centred difference of tanh", 0.5, _prime_values("tanh_prime"),
                 _compare_derivative(activations.tanh)),
        SubCheck("float32 in, float32 out", 0.5, _prime_float32("tanh_prime"),
                 compare_ret(check_dtype=True), hint="avoid converting z to float64"),
    ]),
    Task("relu_prime", in_place=(), subchecks=[
        SubCheck("1 where z > 0, 0 where z < 0", 1.0, _prime_values("relu_prime"),
                 compare_ret(), hint="a comparison gives booleans; turn them into numbers"),
        SubCheck("z = 0 exactly gives 0 (the convention stated)", 0.5,
                 _relu_zeros("relu_prime"), compare_ret(),
                 hint="which comparison, > or >=, puts z = 0 on the side the recap chose?"),
        SubCheck("float32 in, float32 out", 0.5, _prime_float32("relu_prime"),
                 compare_ret(check_dtype=True), hint="give the result z's dtype"),
    ]),
    Task("leaky_relu_prime", in_place=(), subchecks=[
        SubCheck("1 where z > 0, a elsewhere, for the a given", 1.0, _leaky_slopes,
                 compare_ret(), hint="which side of 0 has the small slope a?"),
        SubCheck("the default a = 0.01, and z = 0 exactly gives a", 0.5,
                 _relu_zeros("leaky_relu_prime"), compare_ret()),
        SubCheck("agrees with a centred difference of leaky ReLU", 0.5, _leaky_slopes,
                 _compare_derivative(activations.leaky_relu)),
    ]),
    Task("softplus_prime", in_place=(), subchecks=[
        SubCheck("values on random z of any shape", 0.75, _prime_values("softplus_prime"),
                 compare_ret(), hint="differentiate ln(1 + e^z) with the chain rule: which "
                                     "function of chapter 1 do you get?"),
        SubCheck("agrees with a centred difference of softplus", 0.5,
                 _prime_values("softplus_prime"), _compare_derivative(activations.softplus)),
        extremes("saturated z (up to +-1000) and z at the edges of float64 and float32", 0.75,
                 _softplus_extremes,
                 hint="exp of a large positive number overflows (and warns); exp(-|z|) never "
                      "does"),
        SubCheck("float32 in, float32 out", 0.5, _prime_float32("softplus_prime"),
                 compare_ret(check_dtype=True)),
    ]),
    Task("one_hot", in_place=(), subchecks=[
        SubCheck("rows of one-hot codes, shape (N, num_classes)", 1.0, _oh_values,
                 compare_ret(), hint="row n is all zeros but a 1 in column y[n]; the number of "
                                     "columns is num_classes, whatever labels occur"),
        SubCheck("num_classes left at its default, 10", 0.2, _oh_default, compare_ret()),
        SubCheck("float64 rows for integer labels of any dtype", 0.5, _oh_dtype,
                 compare_ret(check_dtype=True),
                 hint="the rows are float64 whatever integer type the labels have"),
        SubCheck("a label outside [0, num_classes) is refused with the error the recap names",
                 0.6, _oh_bad, _BAD_LABEL, driver="call_catching",
                 hint="NumPy indexing accepts -1 (the last column) without complaint: check the "
                      "labels before you use them"),
    ]),
    Task("batchnorm_forward", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random batches: each feature (column) normalised with its batch mean and "
                 "variance, then gamma, beta", 1.5, _bn_random("batchnorm_forward"),
                 compare_ret(),
                 hint="the statistics of a feature run over the examples of the batch: which "
                      "axis is that? And which variance, dividing by N or by N - 1?"),
        SubCheck("eps as given, inside the square root (features of small spread)", 0.75,
                 _bn_eps("batchnorm_forward"), compare_ret(),
                 hint="eps is added to the variance, before the square root"),
        extremes("a constant feature and features of very different scale", 0.5, _bn_extremes,
                 hint="a feature with variance 0 is divided by sqrt(0 + eps)"),
        SubCheck("float32 in, float32 out", 0.5, _bn_float32("batchnorm_forward"),
                 compare_ret(check_dtype=True)),
    ]),
    Task("batchnorm_backward", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random batches: (dx, dgamma, dbeta) as the library computes them", 1.5,
                 _bn_random("batchnorm_backward"), compare_ret(names=_GRADS),
                 hint="x reaches the cost through x_hat directly, through the batch mean and "
                      "through the batch variance: dx needs all three paths"),
        SubCheck("agrees with a numerical gradient for x, gamma and beta", 1.5,
                 _numerical_cases("batchnorm_backward"),
                 _compare_norm_numerical(batchnorm.batchnorm_forward),
                 hint="the failure names the gradient that disagrees (dx, dgamma or dbeta): "
                      "follow each path from that input to y again"),
        SubCheck("eps as given, inside the square root (features of small spread)", 0.5,
                 _bn_eps("batchnorm_backward"), compare_ret(names=_GRADS)),
        SubCheck("float32 in, float32 out", 0.5, _bn_float32("batchnorm_backward"),
                 compare_ret(names=_GRADS, check_dtype=True)),
    ]),
    Task("RMSprop", in_place=("params",), subchecks=[
        SubCheck("one step from E[g^2] = 0", 0.5,
                 _opt_first("RMSprop", {"eta": 0.01, "rho": 0.9}, "RMSprop(eta=0.01, rho=0.9)"),
                 STEPS, driver="optimizer_steps",
                 hint="the running average first, then the parameter; both change in place"),
        SubCheck("several steps: the running average carries over", 0.75,
                 _opt_steps("RMSprop", [({"eta": 0.05, "rho": 0.8}, 4,
                                         "RMSprop(eta=0.05, rho=0.8), four steps"),
                                        ({"eta": 0.001}, 3,
                                         "RMSprop(eta=0.001) with the default rho = 0.9, three "
                                         "steps")]),
                 STEPS, driver="optimizer_steps",
                 hint="keep one running average per parameter array, from one call of step to "
                      "the next; rho weighs the old average, 1 - rho the new g^2"),
        SubCheck("several parameter arrays of different shapes", 0.5,
                 _opt_many("RMSprop", {"eta": 0.02, "rho": 0.7}), STEPS,
                 driver="optimizer_steps"),
        SubCheck("tiny gradients: eps added to the root, not under it", 0.5,
                 _opt_tiny("RMSprop", {"eta": 0.01}), STEPS, driver="optimizer_steps",
                 hint="the recap divides by sqrt(E[g^2]) + eps"),
    ]),
    Task("Adagrad", in_place=("params",), subchecks=[
        SubCheck("one step from G = 0", 0.5,
                 _opt_first("Adagrad", {"eta": 0.1}, "Adagrad(eta=0.1)"), STEPS,
                 driver="optimizer_steps",
                 hint="with G = g^2 after one step, the first step is about eta * sign(g)"),
        SubCheck("several steps: the sum of squares keeps growing", 0.75,
                 _opt_steps("Adagrad", [({"eta": 0.5}, 4, "Adagrad(eta=0.5), four steps"),
                                        ({"eta": 0.05, "eps": 1e-6}, 3,
                                         "Adagrad(eta=0.05, eps=1e-6), three steps")]),
                 STEPS, driver="optimizer_steps",
                 hint="G is a sum over every step so far, kept per parameter array between "
                      "calls"),
        SubCheck("several parameter arrays of different shapes", 0.5,
                 _opt_many("Adagrad", {"eta": 0.2}), STEPS, driver="optimizer_steps"),
        SubCheck("tiny gradients: eps added to the root, not under it", 0.5,
                 _opt_tiny("Adagrad", {"eta": 0.01}), STEPS, driver="optimizer_steps"),
    ]),
    Task("layernorm_forward", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random batches: each example (row) normalised over its features", 1.0,
                 _bn_random("layernorm_forward", layer=True), compare_ret(),
                 hint="the same four lines as batch normalisation: over which axis do the "
                      "mean and variance now run?"),
        SubCheck("a batch of one example", 0.5, _ln_one_row("layernorm_forward"),
                 compare_ret(), hint="a single row has statistics of its own"),
        extremes("a constant row and rows of very different scale", 0.5, _ln_extremes,
                 hint="a row with variance 0 is divided by sqrt(0 + eps)"),
    ]),
    Task("layernorm_backward", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random batches: (dx, dgamma, dbeta) as the library computes them", 1.5,
                 _bn_random("layernorm_backward", layer=True), compare_ret(names=_GRADS),
                 hint="batch normalisation's three paths from x to the cost, with every mean "
                      "taken over a row's features; gamma and beta still have one entry per "
                      "feature"),
        SubCheck("agrees with a numerical gradient for x, gamma and beta", 1.5,
                 _numerical_cases("layernorm_backward", layer=True),
                 _compare_norm_numerical(batchnorm.layernorm_forward)),
        SubCheck("a batch of one example", 0.5, _ln_one_row("layernorm_backward"),
                 compare_ret(names=_GRADS),
                 hint="nothing in layer normalisation needs a second example"),
        SubCheck("eps as given, inside the square root (rows of small spread)", 0.5,
                 _bn_eps("layernorm_backward"), compare_ret(names=_GRADS)),
    ]),
]

ASSIGNMENT = Assignment(
    name="foundations",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\n",
    allowed_modules=(),
    manual={"why_mean_terms": 3.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "tanh_prime": 1,
    "relu_prime": 1,
    "leaky_relu_prime": 1,
    "softplus_prime": 2,
    "one_hot": 2,
    "batchnorm_forward": 3,
    "batchnorm_backward": 4,
    "RMSprop": 2,
    "Adagrad": 2,
    "layernorm_forward": 2,
    "layernorm_backward": 5,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("one_hot", one_hot)``.
check = ASSIGNMENT.check
