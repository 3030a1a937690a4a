"""The cases of assignment ``ch03_improving``: what each sub-check calls the learner's code with
(drawn from a seeded generator), the comparisons that are particular to this assignment, and the
reference of its transfer task, ``backprop_dropout``. The tasks themselves, their points and the
references of the library are declared in :mod:`nndl_lib.grading.assignments.ch03_improving`.
"""

from __future__ import annotations

import numpy as np

from nndl_lib import activations, costs, fc, regularization
from nndl_lib.grading.checks import (
    CheckResult,
    check_gradient_numerically,
    fc_case,
    tolerance_for,
)
from nndl_lib.grading.framework import (
    Case,
    compare_ret,
    compare_value,
)
from nndl_lib.grading.wire import RngSeed
from nndl_lib.reference_values import EXERCISE_KEYS


def call_case(fn: str, *args, label: str, attr: str | None = None, **kwargs) -> Case:
    data = {"fn": fn, "args": list(args)}
    if attr:
        data["attr"] = attr
    if kwargs:
        data["kwargs"] = kwargs
    return Case(label, data)


def probabilities(rng, shape):
    return rng.uniform(0.02, 0.98, size=shape)


def onehot(rng, N, K):
    return np.eye(K)[rng.integers(0, K, size=N)]


# --- CrossEntropyCost ---------------------------------------------------------------------------


def ce_fn(rng):
    cases = []
    for N, K in ((4, 3), (7, 10)):
        cases.append(call_case("CrossEntropyCost", probabilities(rng, (N, K)), onehot(rng, N, K),
                           attr="fn", label=f"a, y of shape ({N}, {K}), one-hot y"))
    cases.append(call_case("CrossEntropyCost", probabilities(rng, (5, 2)),
                       rng.uniform(0, 1, (5, 2)), attr="fn",
                       label="a, y of shape (5, 2), y between 0 and 1"))
    return cases


def ce_extremes(rng):
    y = onehot(rng, 4, 3)
    y5 = onehot(rng, 6, 5)
    near = np.where(y5 == 1, 1 - 2**-53, 1e-300)  # 1 - 2^-53: the float64 just below 1
    return [call_case("CrossEntropyCost", y.copy(), y, attr="fn",
                  label="a = y with entries 0 and 1 (0 ln 0 counts as 0)"),
            call_case("CrossEntropyCost", near, y5, attr="fn",
                  label="a = 1e-300 where y = 0 and the float64 just below 1 where y = 1")]


def ce_vector(rng):
    return [call_case("CrossEntropyCost", probabilities(rng, 4), onehot(rng, 1, 4)[0], attr="fn",
                  label="one example: a, y of shape (4,)")]


def delta_cases(fn, rng, softmax_output=False):
    cases = []
    for N, K in ((3, 4), (6, 10)):
        z = 2 * rng.standard_normal((N, K))
        a = activations.softmax(z) if softmax_output else activations.sigmoid(z)
        cases.append(call_case(fn, z, a, onehot(rng, N, K), attr="delta",
                           label=f"z, a, y of shape ({N}, {K})"))
    return cases


# --- softmax -----------------------------------------------------------------------------------


def softmax_values(rng):
    key = EXERCISE_KEYS["ch3_softmax"]
    return [call_case("softmax", np.array([key["z"]]), label="the book's example z = (3, 1, -3)"),
            call_case("softmax", 3 * rng.standard_normal((5, 4)), label="z of shape (5, 4)"),
            call_case("softmax", 3 * rng.standard_normal((1, 10)), label="z of shape (1, 10)")]


def softmax_extremes(rng):
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
    return [call_case("softmax", rng.permutation(scales, axis=1),
                  label="rows of very different scale: entries up to 1000, a row near -1000, "
                        "a row near 0"),
            call_case("softmax", large, label="z of shape (2, 4) with entries from 500 to 1000"),
            call_case("softmax", edges64,
                  label="float64 rows at the edges of its range: entries up to 1e300, a row "
                        "from -1e300 to -1e301, a row of tiny entries"),
            call_case("softmax", edges32,
                  label="float32 rows: entries up to 100 (e^89 overflows float32), a row "
                        "near -100, a row up to 3.4e38")]


def softmax_vector(rng):
    return [call_case("softmax", rng.standard_normal(6), label="one vector z of shape (6,)")]


# --- LogLikelihoodCost ------------------------------------------------------------------------


def ll_fn(rng):
    cases = []
    for N, K in ((4, 3), (8, 10)):
        a = activations.softmax(2 * rng.standard_normal((N, K)))
        cases.append(call_case("LogLikelihoodCost", a, onehot(rng, N, K), attr="fn",
                           label=f"a = softmax(z), one-hot y, shape ({N}, {K})"))
    return cases


def ll_vector(rng):
    return [call_case("LogLikelihoodCost", activations.softmax(rng.standard_normal(5)),
                  onehot(rng, 1, 5)[0], attr="fn", label="one example: a, y of shape (5,)")]


def ll_extremes(rng):
    N, K = 4, 5
    y = onehot(rng, N, K)
    # the targets' z far above the rest: a is one-hot, the other entries underflow to 0
    certain = np.where(y == 1, 800.0, rng.uniform(-900, 0, (N, K)))
    # moderate targets, some other entries far below: they underflow to 0 where y = 0
    mixed = np.where(y == 1, rng.uniform(-1, 1, (N, K)),
                     np.where(rng.random((N, K)) < 0.5, -1000.0, rng.uniform(-1, 1, (N, K))))
    return [call_case("LogLikelihoodCost", activations.softmax(z), y, attr="fn",
                  label=f"softmax outputs: {what} (0 ln 0 counts as 0)")
            for z, what in ((certain, "a one-hot, equal to y"),
                            (mixed, "a with entries that underflowed to 0 where y = 0"))]


# --- L2 / L1 updates, regularized_step -----------------------------------------------------------


def update(fn, rng, shape, eta, lmbda, n, label=""):
    w = rng.standard_normal(shape)
    return call_case(fn, w, rng.standard_normal(shape), eta, lmbda, n,
                 label=label or f"w of shape {shape}, eta = {eta:g}, lmbda = {lmbda:g}, n = {n}")


def l2_cases(rng):
    key = EXERCISE_KEYS["ch3_l2_decay_factor"]
    return [update("l2_update", rng, (3, 4), key["eta"], key["lmbda"], key["n"],
                    label="the book's eta = 0.5, lmbda = 5, n = 50,000 (decay factor 0.99995)"),
            update("l2_update", rng, (5, 2), 0.3, 20.0, 100),
            update("l2_update", rng, (2, 3, 2), 1.0, 1.0, 10)]


def l2_zero(rng):
    return [update("l2_update", rng, (3, 3), 0.5, 0.0, 1000, label="lmbda = 0: plain SGD")]


def l1_cases(rng):
    return [update("l1_update", rng, (3, 4), 0.5, 5.0, 1000),
            update("l1_update", rng, (4, 2), 0.2, 30.0, 50)]


def l1_zeros(rng):
    w = rng.standard_normal((3, 4))
    w[0] = 0.0
    g = rng.standard_normal((3, 4))
    g[0] = 0.0
    return [call_case("l1_update", w, g, 0.5, 10.0, 100,
                  label="a row of zero weights with zero gradient (sgn(0) = 0)")]


def reg_step(rng):
    cases = []
    for sizes in ((3, 4, 2), (5, 3, 3, 2)):
        weights = [rng.standard_normal((o, i)) for i, o in zip(sizes[:-1], sizes[1:],
                                                               strict=True)]
        biases = [rng.standard_normal(o) for o in sizes[1:]]
        nabla_b = [rng.standard_normal(b.shape) for b in biases]
        nabla_w = [rng.standard_normal(w.shape) for w in weights]
        cases.append(call_case("regularized_step", weights, biases, nabla_w, nabla_b, 0.5, 5.0,
                           100, label=f"network {list(sizes)}, eta = 0.5, lmbda = 5, n = 100"))
    return cases


WB = ("weights", "biases")

# --- dropout -----------------------------------------------------------------------------------


def dropout_mask(rng, shape, p):
    return (rng.random(shape) >= p).astype(float)


def dropout_fwd(rng):
    cases = []
    for shape, p in (((4, 6), 0.5), ((10, 3), 0.2)):
        cases.append(call_case("dropout_forward", rng.standard_normal(shape),
                               dropout_mask(rng, shape, p),
                               label=f"x of shape {shape}, mask dropping with p = {p:g}"))
    return cases


def dropout_bwd(rng):
    cases = []
    for shape, p in (((4, 6), 0.5), ((7, 3), 0.3)):
        cases.append(call_case("dropout_backward", rng.standard_normal(shape),
                           dropout_mask(rng, shape, p),
                           label=f"dout of shape {shape}, mask dropping with p = {p:g}"))
    return cases


def compare_dropout_numerical(got, exp, case, check=""):
    dout, mask = (np.array(a) for a in case.data["args"])
    x = np.random.default_rng(0).standard_normal(dout.shape)
    result = compare_value(got["ret"], exp["ret"], check=check, location="dx")
    if not result.passed and result.kind != "value":
        return result
    return check_gradient_numerically(
        lambda _: float(np.sum(dout * regularization.dropout_forward(x, mask))), x,
        np.asarray(got["ret"], dtype=float), kind="gradient_linear", h=1e-2, check=check,
        location="dx")


def dropout_eval(rng):
    return [call_case("dropout_evaluate", rng.standard_normal((4, 5)), p,
                  label=f"x of shape (4, 5), p = {p:g}") for p in (0.3, 0.75)]


def dropout_half(rng):
    return [call_case("dropout_evaluate", rng.standard_normal((3, 3)), 0.5,
                  label="p = 0.5: the book halves the outgoing signal")]


# --- Momentum, Adam ----------------------------------------------------------------------------


def opt_case(fn, rng, kwargs, shapes, steps, label):
    params = [rng.standard_normal(s) for s in shapes]
    grads_seq = [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    return Case(label, {"fn": fn, "kwargs": kwargs, "params": params, "grads_seq": grads_seq})


def momentum_first(rng):
    return [opt_case("Momentum", rng, {"eta": 0.5, "mu": 0.9}, [(3, 2)], 1,
                      "Momentum(eta=0.5, mu=0.9), one step from v = 0")]


def momentum_steps(rng):
    return [opt_case("Momentum", rng, {"eta": 0.1, "mu": 0.8}, [(4,)], 4,
                      "Momentum(eta=0.1, mu=0.8), four steps"),
            opt_case("Momentum", rng, {"eta": 0.3}, [(2, 2)], 3,
                      "Momentum(eta=0.3) with the default mu = 0.9, three steps")]


def momentum_many(rng):
    return [opt_case("Momentum", rng, {"eta": 0.2, "mu": 0.5}, [(3, 4), (3,), (2, 3)], 3,
                      "three parameter arrays of different shapes, three steps")]


def adam_first(rng):
    return [opt_case("Adam", rng, {"eta": 0.01}, [(3, 2)], 1,
                      "Adam(eta=0.01), one step")]


def adam_steps(rng):
    return [opt_case("Adam", rng, {"eta": 0.05, "beta1": 0.8, "beta2": 0.9}, [(5,)], 5,
                      "Adam(eta=0.05, beta1=0.8, beta2=0.9), five steps"),
            opt_case("Adam", rng, {"eta": 0.001}, [(2, 3)], 3,
                      "Adam(eta=0.001) with the default betas, three steps")]


def adam_many(rng):
    return [opt_case("Adam", rng, {"eta": 0.1, "beta1": 0.5, "beta2": 0.7},
                      [(3, 4), (3,), (2, 3)], 3,
                      "three parameter arrays of different shapes, three steps")]


STEPS = compare_ret(location="params after each step")

# --- default_weight_init -------------------------------------------------------------------------


def init_shape(rng):
    return [call_case("default_weight_init", 3, 7, RngSeed(int(rng.integers(2**31))),
                  label="n_out = 3, n_in = 7, float64"),
            call_case("default_weight_init", 5, 2, RngSeed(int(rng.integers(2**31))), "float32",
                  label="n_out = 5, n_in = 2, dtype float32")]


def init_large(rng):
    n_out, n_in = int(rng.integers(300, 500)), int(rng.integers(600, 900))
    return [call_case("default_weight_init", n_out, n_in, RngSeed(int(rng.integers(2**31))),
                  label=f"n_out = {n_out}, n_in = {n_in}")]


def compare_shape_dtype(got, exp, case, check=""):
    g, e = got["ret"], np.asarray(exp["ret"])
    if not isinstance(g, np.ndarray) or g.shape != e.shape or g.dtype != e.dtype:
        return CheckResult(check, False, "shape",
                           message=f"{check}: should return an array of shape {e.shape} and "
                                   f"dtype {e.dtype} (n_out, n_in); got "
                                   f"{getattr(g, 'shape', type(g).__name__)} "
                                   f"{getattr(g, 'dtype', '')}")
    return CheckResult(check, True, message=f"{check}: shape and dtype ok")


def compare_std(got, exp, case, check=""):
    g = np.asarray(got["ret"], dtype=float) if not isinstance(got["ret"], str) else None
    e = np.asarray(exp["ret"])
    if g is None or g.shape != e.shape:
        return compare_shape_dtype(got, exp, case, check)
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



def masked_batch(rng, sizes, n, p=None, ones=False, targets="one-hot"):
    case = fc_case(rng, sizes=sizes, n=n, targets=targets)
    p = float(rng.uniform(0.2, 0.6)) if p is None else p
    masks = [np.ones((n, h)) if ones else (rng.random((n, h)) >= p).astype(float)
             for h in sizes[1:-1]]
    return case, masks, p


def drop_case(rng, sizes, n, ones=False, targets="one-hot"):
    case, masks, p = masked_batch(rng, sizes, n, ones=ones, targets=targets)
    label = f"network {list(sizes)}, N = {n}, " + ("every unit kept" if ones else
                                                   f"units dropped with p = {p:.2f}")
    return Case(label, {"fn": "backprop_dropout",
                        "args": [case.x, case.y, case.weights, case.biases, masks]})


def drop_random(rng):
    return [drop_case(rng, s, n) for s, n in [((4, 6, 3), 5), ((3, 5, 4, 2), 4),
                                                ((5, 8, 2), 3)]]


def drop_numerical(rng):
    return [drop_case(rng, (3, 5, 4, 2), 4, targets="unit")]


def drop_ones(rng):
    return [drop_case(rng, (4, 5, 3), 4, ones=True)]


def drop_no_loop(rng):
    sizes = (4, 6, 3)
    small, m_small, _ = masked_batch(rng, sizes, 2)
    large, m_large, _ = masked_batch(rng, sizes, 48)
    args = [[c.x, c.y, [w.copy() for w in small.weights], [b.copy() for b in small.biases], m]
            for c, m in ((small, m_small), (large, m_large))]
    return [Case("network [4, 6, 3], a mini-batch of 2 examples, then one of 48",
                 {"fn": "backprop_dropout", "small": args[0], "large": args[1],
                  "without": ["backprop"]})]


def dropout_cost(args: list):
    x, y, weights, biases, masks = args

    def cost() -> float:
        _, acts = fc.forward_pass(x, weights, biases, masks=masks)
        return costs.CrossEntropyCost.fn(acts[-1], y)

    return cost
