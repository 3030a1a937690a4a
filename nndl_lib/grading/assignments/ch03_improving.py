"""Checks of assignment ``ch03_improving`` (chapter 3: better costs, regularisation, dropout,
momentum and Adam, initialisation).

The learner writes the classes ``CrossEntropyCost`` and ``LogLikelihoodCost`` (static methods
``fn(a, y)`` and ``delta(z, a, y)``, as in :mod:`nndl_lib.costs`), ``softmax``, ``l2_update``
and ``l1_update`` (in place, as in :mod:`nndl_lib.regularization`), ``regularized_step``,
``dropout_forward`` / ``dropout_backward`` / ``dropout_evaluate`` (the book's scheme), the
optimiser classes ``Momentum`` and ``Adam`` (``step(params, grads)`` in place, as in
:mod:`nndl_lib.optimizers`) and ``default_weight_init``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nndl_lib import activations, costs, init, optimizers, regularization
from nndl_lib.grading.assignments import ch03_cases as cases
from nndl_lib.grading.assignments import train_and_tune
from nndl_lib.grading.assignments.ch03_cases import backprop_dropout
from nndl_lib.grading.framework import (
    Assignment,
    SubCheck,
    Task,
    all_of,
    compare_arg,
    compare_ret,
    extremes,
)
from nndl_lib.grading.gradients import NAMES, compare_no_loop, compare_numerical
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "regularized_step",
           "backprop_dropout", "if_written"]


def regularized_step(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                     nabla_w: Sequence[np.ndarray], nabla_b: Sequence[np.ndarray], eta: float,
                     lmbda: float, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One SGD step with L2 regularisation, as new lists: weights decay, biases do not.

    w -> (1 - eta lmbda/n) w - eta nabla_w;  b -> b - eta nabla_b.
    """
    new_weights = []
    for w, nw in zip(weights, nabla_w, strict=True):
        w = np.array(w, copy=True)
        regularization.l2_update(w, nw, eta, lmbda, n)
        new_weights.append(w)
    new_biases = [b - eta * nb for b, nb in zip(biases, nabla_b, strict=True)]
    return new_weights, new_biases


REFERENCES = {
    "CrossEntropyCost": costs.CrossEntropyCost,
    "softmax": activations.softmax,
    "LogLikelihoodCost": costs.LogLikelihoodCost,
    "l2_update": regularization.l2_update,
    "l1_update": regularization.l1_update,
    "regularized_step": regularized_step,
    "dropout_forward": regularization.dropout_forward,
    "dropout_backward": regularization.dropout_backward,
    "dropout_evaluate": regularization.dropout_evaluate,
    "Momentum": optimizers.Momentum,
    "Adam": optimizers.Adam,
    "default_weight_init": init.default_weight_init,
    "backprop_dropout": backprop_dropout,
}


TASKS = [
    Task("CrossEntropyCost", in_place=(), subchecks=[
        SubCheck("fn: mean over the rows of -sum [y ln a + (1 - y) ln(1 - a)]", 0.75, cases.ce_fn,
                 compare_ret(location="cost"),
                 hint="sum over the outputs of each row, then divide by the number of rows"),
        extremes("fn: a = y with entries 0 and 1, a within a rounding error of 0 and 1", 0.5,
                 cases.ce_extremes, location="cost",
                 hint="a term whose factor y or 1 - y is 0 counts as 0 even where its log is "
                      "-inf; np.nan_to_num turns 0 * (-inf) = nan into 0, and NumPy warns "
                      "about log(0) unless told otherwise (np.errstate)"),
        SubCheck("fn: one example given as vectors", 0.5, cases.ce_vector,
                 compare_ret(location="cost")),
        SubCheck("delta: a - y, with no sigma'(z) factor", 1.0,
                 lambda rng: cases.delta_cases("CrossEntropyCost", rng),
                 compare_ret(location="delta"),
                 hint="sigma'(z) = a(1 - a) cancels against dC/da"),
    ]),
    Task("softmax", in_place=(), subchecks=[
        SubCheck("values: each row e^z_j / sum_k e^z_k", 0.75, cases.softmax_values, compare_ret(),
                 hint="normalise each row (axis=-1), not each column"),
        extremes("large z, rows of very different scale, the edges of float64 and float32",
                 0.5, cases.softmax_extremes,
                 hint="softmax(z - c) = softmax(z) for any c, one per row: with each row's own "
                      "maximum as c, no exp overflows and every row keeps an entry e^0 = 1"),
        SubCheck("one vector z of shape (K,)", 0.5, cases.softmax_vector, compare_ret(),
                 hint="one axis number names the last axis of a vector and of a matrix alike"),
    ]),
    Task("LogLikelihoodCost", in_place=(), subchecks=[
        SubCheck("fn: mean over the rows of -ln a_y", 0.75, cases.ll_fn,
                 compare_ret(location="cost"),
                 hint="with one-hot y, -sum_j y_j ln a_j picks -ln a_y; then average over rows"),
        SubCheck("fn: one example given as vectors (one row)", 0.25, cases.ll_vector,
                 compare_ret(location="cost"),
                 hint="how many examples does a vector of shape (K,) hold?"),
        extremes("fn: softmax outputs with entries that underflowed to 0", 0.25, cases.ll_extremes,
                 location="cost",
                 hint="a term with y_j = 0 counts as 0 even where a_j = 0 and ln a_j = -inf"),
        SubCheck("delta: a - y for a softmax output layer (every output, not only the target)",
                 0.75, lambda rng: cases.delta_cases("LogLikelihoodCost", rng, softmax_output=True),
                 compare_ret(location="delta")),
    ]),
    Task("l2_update", in_place=("w",), subchecks=[
        SubCheck("w -> (1 - eta lmbda/n) w - eta nabla_w, in place", 1.25, cases.l2_cases,
                 compare_arg(0, "w"),
                 hint="multiply w by the decay factor, then subtract the gradient step, both "
                      "in place (*=, -=)"),
        SubCheck("lmbda = 0 is plain gradient descent", 0.5, cases.l2_zero, compare_arg(0, "w")),
    ]),
    Task("l1_update", in_place=("w",), subchecks=[
        SubCheck("w -> w - (eta lmbda/n) sgn(w) - eta nabla_w, in place", 1.25, cases.l1_cases,
                 compare_arg(0, "w"), hint="NumPy has the sign function, with sgn(0) = 0; what "
                                           "must a weight of exactly 0 do?"),
        SubCheck("zero weights with zero gradient stay zero", 0.5, cases.l1_zeros,
                 compare_arg(0, "w")),
    ]),
    Task("regularized_step", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("weights: decay, then the gradient step", 1.0, cases.reg_step,
                 compare_ret(pick=lambda r: r[0], location="weights")),
        SubCheck("biases: the plain gradient step (biases are not regularised)", 1.0,
                 cases.reg_step,
                 compare_ret(pick=lambda r: r[1], location="biases"),
                 hint="which of the two lists does the recap regularise?"),
    ]),
    Task("dropout_forward", in_place=(), subchecks=[
        SubCheck("x * mask: dropped units output 0, kept ones are not rescaled", 0.75,
                 cases.dropout_fwd, compare_ret(),
                 hint="the book's scheme scales at evaluation time, not during training"),
    ]),
    Task("dropout_backward", in_place=(), subchecks=[
        SubCheck("dout * mask: a dropped unit passes no gradient back", 0.75, cases.dropout_bwd,
                 compare_ret(location="dx")),
        SubCheck("agrees with a numerical gradient of sum(dout * dropout_forward(x, mask))", 0.5,
                 cases.dropout_bwd, cases.compare_dropout_numerical),
    ]),
    Task("dropout_evaluate", in_place=(), subchecks=[
        SubCheck("(1 - p) x, the expected training-time output", 0.75, cases.dropout_eval,
                 compare_ret(), hint="p is the probability of DROPPING a unit"),
        SubCheck("p = 0.5 halves x", 0.5, cases.dropout_half, compare_ret(), fixed=True),
    ]),
    Task("backprop_dropout", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random masked mini-batches: the gradient of the mean cross-entropy", 1.5,
                 cases.drop_random, compare_ret(names=NAMES),
                 hint="a dropped unit outputs 0 in the forward pass: what does it pass back in "
                      "the backward pass?"),
        SubCheck("agrees with a numerical gradient of the masked network's cost", 1.0,
                 cases.drop_numerical, compare_numerical(cases.dropout_cost)),
        SubCheck("masks of ones: the network without dropout", 0.5, cases.drop_ones,
                 compare_ret(names=NAMES)),
        SubCheck("no loop over the examples: the same lines of Python for 2 or 48 examples", 0.5,
                 cases.drop_no_loop, compare_no_loop, driver="call_by_batch_size"),
    ]),
    Task("Momentum", in_place=("params",), subchecks=[
        SubCheck("one step from v = 0", 0.5, cases.momentum_first, cases.STEPS,
                 driver="optimizer_steps", hint="the velocity first, then the parameter; both "
                                                "change in place"),
        SubCheck("several steps: the velocity carries over", 0.75, cases.momentum_steps,
                 cases.STEPS,
                 driver="optimizer_steps", hint="keep one velocity per parameter array"),
        SubCheck("several parameter arrays of different shapes", 0.5, cases.momentum_many,
                 cases.STEPS,
                 driver="optimizer_steps"),
    ]),
    Task("Adam", in_place=("params",), subchecks=[
        SubCheck("one step", 0.5, cases.adam_first, cases.STEPS, driver="optimizer_steps",
                 hint="with bias correction the first step is about eta * sign(g)"),
        SubCheck("several steps with bias correction", 1.25, cases.adam_steps, cases.STEPS,
                 driver="optimizer_steps",
                 hint="the bias correction divides by 1 - beta^t: which t does the first step "
                      "use?"),
        SubCheck("several parameter arrays of different shapes", 0.5, cases.adam_many, cases.STEPS,
                 driver="optimizer_steps"),
    ]),
    Task("default_weight_init", in_place=(), subchecks=[
        SubCheck("shape (n_out, n_in) and the dtype asked for", 0.5, cases.init_shape,
                 cases.compare_shape_dtype),
        SubCheck("standard deviation 1/sqrt(n_in)", 1.0, cases.init_large, cases.compare_std,
                 hint="scale standard normal draws by 1/sqrt(n_in) (not n_out)"),
        SubCheck("the library's numbers for the same seed", 0.5, cases.init_shape,
                 all_of(cases.compare_shape_dtype, compare_ret()),
                 hint="draw every weight in one call of the generator, in the shape of the weight "
                      "matrix, then scale"),
    ]),
]

# the graded train-and-tune task (issue 26), defined in its own module
TASKS.append(train_and_tune.hyperparameters_task())
REFERENCES["hyperparameters"] = train_and_tune.reference_hyperparameters

ASSIGNMENT = Assignment(
    name="ch03_improving",
    tasks=TASKS,
    references=REFERENCES,
    prelude=("import numpy as np\nfrom nndl_lib.activations import sigmoid, sigmoid_prime\n"
             + train_and_tune.GRADED_PRELUDE),
    allowed_modules=("nndl_lib.activations",),
    manual={"why_cross_entropy": 2.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "CrossEntropyCost": 2,
    "softmax": 2,
    "LogLikelihoodCost": 2,
    "l2_update": 1,
    "l1_update": 1,
    "regularized_step": 2,
    "dropout_forward": 1,
    "dropout_backward": 1,
    "dropout_evaluate": 1,
    "backprop_dropout": 5,
    "Momentum": 2,
    "Adam": 3,
    "default_weight_init": 1,
    "hyperparameters": 3,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("softmax", softmax)``.
check = ASSIGNMENT.check
