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

from nndl_lib import activations, costs, fc, init, optimizers, regularization
from nndl_lib.grading.assignments import train_and_tune
from nndl_lib.grading.checks import (
    CheckResult,
    check_gradient_numerically,
    fc_case,
    tolerance_for,
)
from nndl_lib.grading.framework import (
    Assignment,
    Case,
    SubCheck,
    Task,
    all_of,
    compare_arg,
    compare_ret,
    compare_value,
    extremes,
)
from nndl_lib.grading.gradients import NAMES, compare_no_loop, compare_numerical
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight
from nndl_lib.grading.wire import RngSeed
from nndl_lib.reference_values import EXERCISE_KEYS

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
}


def _call(fn: str, *args, label: str, attr: str | None = None, **kwargs) -> Case:
    data = {"fn": fn, "args": list(args)}
    if attr:
        data["attr"] = attr
    if kwargs:
        data["kwargs"] = kwargs
    return Case(label, data)


def _probabilities(rng, shape):
    return rng.uniform(0.02, 0.98, size=shape)


def _onehot(rng, N, K):
    return np.eye(K)[rng.integers(0, K, size=N)]


# --- CrossEntropyCost ---------------------------------------------------------------------------


def _ce_fn(rng):
    cases = []
    for N, K in ((4, 3), (7, 10)):
        cases.append(_call("CrossEntropyCost", _probabilities(rng, (N, K)), _onehot(rng, N, K),
                           attr="fn", label=f"a, y of shape ({N}, {K}), one-hot y"))
    cases.append(_call("CrossEntropyCost", _probabilities(rng, (5, 2)),
                       rng.uniform(0, 1, (5, 2)), attr="fn",
                       label="a, y of shape (5, 2), y between 0 and 1"))
    return cases


def _ce_extremes(rng):
    y = _onehot(rng, 4, 3)
    y5 = _onehot(rng, 6, 5)
    near = np.where(y5 == 1, 1 - 2**-53, 1e-300)  # 1 - 2^-53: the float64 just below 1
    return [_call("CrossEntropyCost", y.copy(), y, attr="fn",
                  label="a = y with entries 0 and 1 (0 ln 0 counts as 0)"),
            _call("CrossEntropyCost", near, y5, attr="fn",
                  label="a = 1e-300 where y = 0 and the float64 just below 1 where y = 1")]


def _ce_vector(rng):
    return [_call("CrossEntropyCost", _probabilities(rng, 4), _onehot(rng, 1, 4)[0], attr="fn",
                  label="one example: a, y of shape (4,)")]


def _delta_cases(fn, rng, softmax_output=False):
    cases = []
    for N, K in ((3, 4), (6, 10)):
        z = 2 * rng.standard_normal((N, K))
        a = activations.softmax(z) if softmax_output else activations.sigmoid(z)
        cases.append(_call(fn, z, a, _onehot(rng, N, K), attr="delta",
                           label=f"z, a, y of shape ({N}, {K})"))
    return cases


# --- softmax -----------------------------------------------------------------------------------


def _softmax_values(rng):
    key = EXERCISE_KEYS["ch3_softmax"]
    return [_call("softmax", np.array([key["z"]]), label="the book's example z = (3, 1, -3)"),
            _call("softmax", 3 * rng.standard_normal((5, 4)), label="z of shape (5, 4)"),
            _call("softmax", 3 * rng.standard_normal((1, 10)), label="z of shape (1, 10)")]


def _softmax_extremes(rng):
    scales = np.array([[1000.0, 999.0, 0.0, -1000.0],
                       -1000.0 - rng.uniform(0, 5, 4),
                       rng.standard_normal(4)])
    large = rng.uniform(500, 1000, size=(2, 4))
    edges64 = np.array([[1e300, 1e299, 0.0, -1e299],
                        [-1e300, -1.5e300, -2e300, -1e301],
                        [5e-324, 0.0, -5e-324, np.finfo(np.float64).tiny]])
    f32 = np.finfo(np.float32).max
    edges32 = np.array([[100.0, 90.0, 0.0, -100.0],
                        [-100.0, -101.0, -102.0, -150.0],
                        [f32, f32 / 2, 0.0, 1.0]], dtype=np.float32)
    return [_call("softmax", rng.permutation(scales, axis=1),
                  label="rows of very different scale: entries up to 1000, a row near -1000, "
                        "a row near 0"),
            _call("softmax", large, label="z of shape (2, 4) with entries from 500 to 1000"),
            _call("softmax", edges64,
                  label="float64 rows at the edges of its range: entries up to 1e300, a row "
                        "from -1e300 to -1e301, a row of tiny entries"),
            _call("softmax", edges32,
                  label="float32 rows: entries up to 100 (e^89 overflows float32), a row "
                        "near -100, a row up to 3.4e38")]


def _softmax_vector(rng):
    return [_call("softmax", rng.standard_normal(6), label="one vector z of shape (6,)")]


# --- LogLikelihoodCost ------------------------------------------------------------------------


def _ll_fn(rng):
    cases = []
    for N, K in ((4, 3), (8, 10)):
        a = activations.softmax(2 * rng.standard_normal((N, K)))
        cases.append(_call("LogLikelihoodCost", a, _onehot(rng, N, K), attr="fn",
                           label=f"a = softmax(z), one-hot y, shape ({N}, {K})"))
    return cases


def _ll_vector(rng):
    return [_call("LogLikelihoodCost", activations.softmax(rng.standard_normal(5)),
                  _onehot(rng, 1, 5)[0], attr="fn", label="one example: a, y of shape (5,)")]


def _ll_extremes(rng):
    N, K = 4, 5
    y = _onehot(rng, N, K)
    # the targets' z far above the rest: a is one-hot, the other entries underflow to 0
    certain = np.where(y == 1, 800.0, rng.uniform(-900, 0, (N, K)))
    # moderate targets, some other entries far below: they underflow to 0 where y = 0
    mixed = np.where(y == 1, rng.uniform(-1, 1, (N, K)),
                     np.where(rng.random((N, K)) < 0.5, -1000.0, rng.uniform(-1, 1, (N, K))))
    return [_call("LogLikelihoodCost", activations.softmax(z), y, attr="fn",
                  label=f"softmax outputs: {what} (0 ln 0 counts as 0)")
            for z, what in ((certain, "a one-hot, equal to y"),
                            (mixed, "a with entries that underflowed to 0 where y = 0"))]


# --- L2 / L1 updates, regularized_step -----------------------------------------------------------


def _update(fn, rng, shape, eta, lmbda, n, label=""):
    w = rng.standard_normal(shape)
    return _call(fn, w, rng.standard_normal(shape), eta, lmbda, n,
                 label=label or f"w of shape {shape}, eta = {eta:g}, lmbda = {lmbda:g}, n = {n}")


def _l2_cases(rng):
    key = EXERCISE_KEYS["ch3_l2_decay_factor"]
    return [_update("l2_update", rng, (3, 4), key["eta"], key["lmbda"], key["n"],
                    label="the book's eta = 0.5, lmbda = 5, n = 50,000 (decay factor 0.99995)"),
            _update("l2_update", rng, (5, 2), 0.3, 20.0, 100),
            _update("l2_update", rng, (2, 3, 2), 1.0, 1.0, 10)]


def _l2_zero(rng):
    return [_update("l2_update", rng, (3, 3), 0.5, 0.0, 1000, label="lmbda = 0: plain SGD")]


def _l1_cases(rng):
    return [_update("l1_update", rng, (3, 4), 0.5, 5.0, 1000),
            _update("l1_update", rng, (4, 2), 0.2, 30.0, 50)]


def _l1_zeros(rng):
    w = rng.standard_normal((3, 4))
    w[0] = 0.0
    g = rng.standard_normal((3, 4))
    g[0] = 0.0
    return [_call("l1_update", w, g, 0.5, 10.0, 100,
                  label="a row of zero weights with zero gradient (sgn(0) = 0)")]


def _reg_step(rng):
    cases = []
    for sizes in ((3, 4, 2), (5, 3, 3, 2)):
        weights = [rng.standard_normal((o, i)) for i, o in zip(sizes[:-1], sizes[1:],
                                                               strict=True)]
        biases = [rng.standard_normal(o) for o in sizes[1:]]
        nabla_b = [rng.standard_normal(b.shape) for b in biases]
        nabla_w = [rng.standard_normal(w.shape) for w in weights]
        cases.append(_call("regularized_step", weights, biases, nabla_w, nabla_b, 0.5, 5.0,
                           100, label=f"network {list(sizes)}, eta = 0.5, lmbda = 5, n = 100"))
    return cases


_WB = ("weights", "biases")

# --- dropout -----------------------------------------------------------------------------------


def _mask(rng, shape, p):
    return (rng.random(shape) >= p).astype(float)


def _dropout_fwd(rng):
    cases = []
    for shape, p in (((4, 6), 0.5), ((10, 3), 0.2)):
        cases.append(_call("dropout_forward", rng.standard_normal(shape), _mask(rng, shape, p),
                           label=f"x of shape {shape}, mask dropping with p = {p:g}"))
    return cases


def _dropout_bwd(rng):
    cases = []
    for shape, p in (((4, 6), 0.5), ((7, 3), 0.3)):
        cases.append(_call("dropout_backward", rng.standard_normal(shape),
                           _mask(rng, shape, p),
                           label=f"dout of shape {shape}, mask dropping with p = {p:g}"))
    return cases


def _compare_dropout_numerical(got, exp, case, check=""):
    dout, mask = (np.array(a) for a in case.data["args"])
    x = np.random.default_rng(0).standard_normal(dout.shape)
    result = compare_value(got["ret"], exp["ret"], check=check, location="dx")
    if not result.passed and result.kind != "value":
        return result
    return check_gradient_numerically(
        lambda _: float(np.sum(dout * regularization.dropout_forward(x, mask))), x,
        np.asarray(got["ret"], dtype=float), kind="gradient_linear", h=1e-2, check=check,
        location="dx")


def _dropout_eval(rng):
    return [_call("dropout_evaluate", rng.standard_normal((4, 5)), p,
                  label=f"x of shape (4, 5), p = {p:g}") for p in (0.3, 0.75)]


def _dropout_half(rng):
    return [_call("dropout_evaluate", rng.standard_normal((3, 3)), 0.5,
                  label="p = 0.5: the book halves the outgoing signal")]


# --- Momentum, Adam ----------------------------------------------------------------------------


def _opt_case(fn, rng, kwargs, shapes, steps, label):
    params = [rng.standard_normal(s) for s in shapes]
    grads_seq = [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    return Case(label, {"fn": fn, "kwargs": kwargs, "params": params, "grads_seq": grads_seq})


def _momentum_first(rng):
    return [_opt_case("Momentum", rng, {"eta": 0.5, "mu": 0.9}, [(3, 2)], 1,
                      "Momentum(eta=0.5, mu=0.9), one step from v = 0")]


def _momentum_steps(rng):
    return [_opt_case("Momentum", rng, {"eta": 0.1, "mu": 0.8}, [(4,)], 4,
                      "Momentum(eta=0.1, mu=0.8), four steps"),
            _opt_case("Momentum", rng, {"eta": 0.3}, [(2, 2)], 3,
                      "Momentum(eta=0.3) with the default mu = 0.9, three steps")]


def _momentum_many(rng):
    return [_opt_case("Momentum", rng, {"eta": 0.2, "mu": 0.5}, [(3, 4), (3,), (2, 3)], 3,
                      "three parameter arrays of different shapes, three steps")]


def _adam_first(rng):
    return [_opt_case("Adam", rng, {"eta": 0.01}, [(3, 2)], 1,
                      "Adam(eta=0.01), one step")]


def _adam_steps(rng):
    return [_opt_case("Adam", rng, {"eta": 0.05, "beta1": 0.8, "beta2": 0.9}, [(5,)], 5,
                      "Adam(eta=0.05, beta1=0.8, beta2=0.9), five steps"),
            _opt_case("Adam", rng, {"eta": 0.001}, [(2, 3)], 3,
                      "Adam(eta=0.001) with the default betas, three steps")]


def _adam_many(rng):
    return [_opt_case("Adam", rng, {"eta": 0.1, "beta1": 0.5, "beta2": 0.7},
                      [(3, 4), (3,), (2, 3)], 3,
                      "three parameter arrays of different shapes, three steps")]


_STEPS = compare_ret(location="params after each step")

# --- default_weight_init -------------------------------------------------------------------------


def _init_shape(rng):
    return [_call("default_weight_init", 3, 7, RngSeed(int(rng.integers(2**31))),
                  label="n_out = 3, n_in = 7, float64"),
            _call("default_weight_init", 5, 2, RngSeed(int(rng.integers(2**31))), "float32",
                  label="n_out = 5, n_in = 2, dtype float32")]


def _init_large(rng):
    n_out, n_in = int(rng.integers(300, 500)), int(rng.integers(600, 900))
    return [_call("default_weight_init", n_out, n_in, RngSeed(int(rng.integers(2**31))),
                  label=f"n_out = {n_out}, n_in = {n_in}")]


def _compare_shape_dtype(got, exp, case, check=""):
    g, e = got["ret"], np.asarray(exp["ret"])
    if not isinstance(g, np.ndarray) or g.shape != e.shape or g.dtype != e.dtype:
        return CheckResult(check, False, "shape",
                           message=f"{check}: should return an array of shape {e.shape} and "
                                   f"dtype {e.dtype} (n_out, n_in); got "
                                   f"{getattr(g, 'shape', type(g).__name__)} "
                                   f"{getattr(g, 'dtype', '')}")
    return CheckResult(check, True, message=f"{check}: shape and dtype ok")


def _compare_std(got, exp, case, check=""):
    g = np.asarray(got["ret"], dtype=float) if not isinstance(got["ret"], str) else None
    e = np.asarray(exp["ret"])
    if g is None or g.shape != e.shape:
        return _compare_shape_dtype(got, exp, case, check)
    n_in = case.data["args"][1]
    want = 1 / np.sqrt(n_in)
    std, mean = float(g.std()), float(g.mean())
    tol = tolerance_for("sample_std")
    if abs(std - want) > tol.allowed(want) or abs(mean) > 5 * want / np.sqrt(g.size):
        return CheckResult(check, False, "value", expected=want, got=std,
                           message=f"{check}: the weights' standard deviation should be "
                                   f"1/sqrt(n_in) = {want:.5g}; got {std:.5g} (mean {mean:.3g})")
    return CheckResult(check, True, message=f"{check}: std {std:.5g}")


# --- backprop_dropout (transfer) -----------------------------------------------------------------


def backprop_dropout(x, y, weights, biases, masks):
    """The reference: (nabla_b, nabla_w) of the mean cross-entropy of a sigmoid network whose
    hidden layers' activations are multiplied by the 0/1 ``masks`` (one (N, n) array per hidden
    layer; the book's dropout, no rescaling)."""
    return fc.backprop(x, y, weights, biases, cost="cross-entropy", masks=masks)


REFERENCES["backprop_dropout"] = backprop_dropout


def _masked(rng, sizes, n, p=None, ones=False, targets="one-hot"):
    case = fc_case(rng, sizes=sizes, n=n, targets=targets)
    p = float(rng.uniform(0.2, 0.6)) if p is None else p
    masks = [np.ones((n, h)) if ones else (rng.random((n, h)) >= p).astype(float)
             for h in sizes[1:-1]]
    return case, masks, p


def _drop_case(rng, sizes, n, ones=False, targets="one-hot"):
    case, masks, p = _masked(rng, sizes, n, ones=ones, targets=targets)
    label = f"network {list(sizes)}, N = {n}, " + ("every unit kept" if ones else
                                                   f"units dropped with p = {p:.2f}")
    return Case(label, {"fn": "backprop_dropout",
                        "args": [case.x, case.y, case.weights, case.biases, masks]})


def _drop_random(rng):
    return [_drop_case(rng, s, n) for s, n in [((4, 6, 3), 5), ((3, 5, 4, 2), 4),
                                                ((5, 8, 2), 3)]]


def _drop_numerical(rng):
    return [_drop_case(rng, (3, 5, 4, 2), 4, targets="unit")]


def _drop_ones(rng):
    return [_drop_case(rng, (4, 5, 3), 4, ones=True)]


def _drop_no_loop(rng):
    sizes = (4, 6, 3)
    small, m_small, _ = _masked(rng, sizes, 2)
    large, m_large, _ = _masked(rng, sizes, 48)
    args = [[c.x, c.y, [w.copy() for w in small.weights], [b.copy() for b in small.biases], m]
            for c, m in ((small, m_small), (large, m_large))]
    return [Case("network [4, 6, 3], a mini-batch of 2 examples, then one of 48",
                 {"fn": "backprop_dropout", "small": args[0], "large": args[1],
                  "without": ["backprop"]})]


def _dropout_cost(args: list):
    x, y, weights, biases, masks = args

    def cost() -> float:
        _, acts = fc.forward_pass(x, weights, biases, masks=masks)
        return costs.CrossEntropyCost.fn(acts[-1], y)

    return cost


TASKS = [
    Task("CrossEntropyCost", in_place=(), subchecks=[
        SubCheck("fn: mean over the rows of -sum [y ln a + (1 - y) ln(1 - a)]", 0.75, _ce_fn,
                 compare_ret(location="cost"),
                 hint="sum over the outputs of each row, then divide by the number of rows"),
        extremes("fn: a = y with entries 0 and 1, a within a rounding error of 0 and 1", 0.5,
                 _ce_extremes, location="cost",
                 hint="a term whose factor y or 1 - y is 0 counts as 0 even where its log is "
                      "-inf; np.nan_to_num turns 0 * (-inf) = nan into 0, and NumPy warns "
                      "about log(0) unless told otherwise (np.errstate)"),
        SubCheck("fn: one example given as vectors", 0.5, _ce_vector,
                 compare_ret(location="cost")),
        SubCheck("delta: a - y, with no sigma'(z) factor", 1.0,
                 lambda rng: _delta_cases("CrossEntropyCost", rng),
                 compare_ret(location="delta"),
                 hint="sigma'(z) = a(1 - a) cancels against dC/da"),
    ]),
    Task("softmax", in_place=(), subchecks=[
        SubCheck("values: each row e^z_j / sum_k e^z_k", 0.75, _softmax_values, compare_ret(),
                 hint="normalise each row (axis=-1), not each column"),
        extremes("large z, rows of very different scale, the edges of float64 and float32",
                 0.5, _softmax_extremes,
                 hint="softmax(z - c) = softmax(z) for any c, one per row: with each row's own "
                      "maximum as c, no exp overflows and every row keeps an entry e^0 = 1"),
        SubCheck("one vector z of shape (K,)", 0.5, _softmax_vector, compare_ret(),
                 hint="one axis number names the last axis of a vector and of a matrix alike"),
    ]),
    Task("LogLikelihoodCost", in_place=(), subchecks=[
        SubCheck("fn: mean over the rows of -ln a_y", 0.75, _ll_fn,
                 compare_ret(location="cost"),
                 hint="with one-hot y, -sum_j y_j ln a_j picks -ln a_y; then average over rows"),
        SubCheck("fn: one example given as vectors (one row)", 0.25, _ll_vector,
                 compare_ret(location="cost"),
                 hint="how many examples does a vector of shape (K,) hold?"),
        extremes("fn: softmax outputs with entries that underflowed to 0", 0.25, _ll_extremes,
                 location="cost",
                 hint="a term with y_j = 0 counts as 0 even where a_j = 0 and ln a_j = -inf"),
        SubCheck("delta: a - y for a softmax output layer (every output, not only the target)",
                 0.75, lambda rng: _delta_cases("LogLikelihoodCost", rng, softmax_output=True),
                 compare_ret(location="delta")),
    ]),
    Task("l2_update", in_place=("w",), subchecks=[
        SubCheck("w -> (1 - eta lmbda/n) w - eta nabla_w, in place", 1.25, _l2_cases,
                 compare_arg(0, "w"),
                 hint="multiply w by the decay factor, then subtract the gradient step, both "
                      "in place (*=, -=)"),
        SubCheck("lmbda = 0 is plain gradient descent", 0.5, _l2_zero, compare_arg(0, "w")),
    ]),
    Task("l1_update", in_place=("w",), subchecks=[
        SubCheck("w -> w - (eta lmbda/n) sgn(w) - eta nabla_w, in place", 1.25, _l1_cases,
                 compare_arg(0, "w"), hint="NumPy has the sign function, with sgn(0) = 0; what "
                                           "must a weight of exactly 0 do?"),
        SubCheck("zero weights with zero gradient stay zero", 0.5, _l1_zeros,
                 compare_arg(0, "w")),
    ]),
    Task("regularized_step", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("weights: decay, then the gradient step", 1.0, _reg_step,
                 compare_ret(pick=lambda r: r[0], location="weights")),
        SubCheck("biases: the plain gradient step (biases are not regularised)", 1.0, _reg_step,
                 compare_ret(pick=lambda r: r[1], location="biases"),
                 hint="which of the two lists does the recap regularise?"),
    ]),
    Task("dropout_forward", in_place=(), subchecks=[
        SubCheck("x * mask: dropped units output 0, kept ones are not rescaled", 0.75,
                 _dropout_fwd, compare_ret(),
                 hint="the book's scheme scales at evaluation time, not during training"),
    ]),
    Task("dropout_backward", in_place=(), subchecks=[
        SubCheck("dout * mask: a dropped unit passes no gradient back", 0.75, _dropout_bwd,
                 compare_ret(location="dx")),
        SubCheck("agrees with a numerical gradient of sum(dout * dropout_forward(x, mask))", 0.5,
                 _dropout_bwd, _compare_dropout_numerical),
    ]),
    Task("dropout_evaluate", in_place=(), subchecks=[
        SubCheck("(1 - p) x, the expected training-time output", 0.75, _dropout_eval,
                 compare_ret(), hint="p is the probability of DROPPING a unit"),
        SubCheck("p = 0.5 halves x", 0.5, _dropout_half, compare_ret(), fixed=True),
    ]),
    Task("backprop_dropout", in_place=(), inputs_points=0.5, subchecks=[
        SubCheck("random masked mini-batches: the gradient of the mean cross-entropy", 1.5,
                 _drop_random, compare_ret(names=NAMES),
                 hint="a dropped unit outputs 0 in the forward pass: what does it pass back in "
                      "the backward pass?"),
        SubCheck("agrees with a numerical gradient of the masked network's cost", 1.0,
                 _drop_numerical, compare_numerical(_dropout_cost)),
        SubCheck("masks of ones: the network without dropout", 0.5, _drop_ones,
                 compare_ret(names=NAMES)),
        SubCheck("no loop over the examples: the same lines of Python for 2 or 48 examples", 0.5,
                 _drop_no_loop, compare_no_loop, driver="call_by_batch_size"),
    ]),
    Task("Momentum", in_place=("params",), subchecks=[
        SubCheck("one step from v = 0", 0.5, _momentum_first, _STEPS,
                 driver="optimizer_steps", hint="the velocity first, then the parameter; both "
                                                "change in place"),
        SubCheck("several steps: the velocity carries over", 0.75, _momentum_steps, _STEPS,
                 driver="optimizer_steps", hint="keep one velocity per parameter array"),
        SubCheck("several parameter arrays of different shapes", 0.5, _momentum_many, _STEPS,
                 driver="optimizer_steps"),
    ]),
    Task("Adam", in_place=("params",), subchecks=[
        SubCheck("one step", 0.5, _adam_first, _STEPS, driver="optimizer_steps",
                 hint="with bias correction the first step is about eta * sign(g)"),
        SubCheck("several steps with bias correction", 1.25, _adam_steps, _STEPS,
                 driver="optimizer_steps",
                 hint="the bias correction divides by 1 - beta^t: which t does the first step "
                      "use?"),
        SubCheck("several parameter arrays of different shapes", 0.5, _adam_many, _STEPS,
                 driver="optimizer_steps"),
    ]),
    Task("default_weight_init", in_place=(), subchecks=[
        SubCheck("shape (n_out, n_in) and the dtype asked for", 0.5, _init_shape,
                 _compare_shape_dtype),
        SubCheck("standard deviation 1/sqrt(n_in)", 1.0, _init_large, _compare_std,
                 hint="scale standard normal draws by 1/sqrt(n_in) (not n_out)"),
        SubCheck("the library's numbers for the same seed", 0.5, _init_shape,
                 all_of(_compare_shape_dtype, compare_ret()),
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
