"""The foundations assignment's cases and comparisons (assignment ``foundations``): activation
derivatives on values, zeros and extremes; one-hot labels, good and bad; batch and layer
normalisation problems (shapes, eps, spreads, float32) with their centred-difference checks;
the optimiser steps of RMSprop and Adagrad. The tasks, points and references are in
:mod:`nndl_lib.grading.assignments.foundations`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nndl_lib.grading.assignments.ch03_cases import opt_case
from nndl_lib.grading.checks import (
    CheckResult,
    check_gradient_numerically,
    range_edges,
)
from nndl_lib.grading.framework import (
    Case,
    compare_value,
)
from nndl_lib.grading.framework import call_case as _call  # fn(*args), by name

_GRADS = ("dx", "dgamma", "dbeta")


def _away_from_zero(rng, shape, scale=3.0, gap=0.05):
    """Random z of ``shape`` with |z| >= gap (no kink of ReLU inside a centred difference)."""
    z = scale * rng.standard_normal(shape)
    return np.where(np.abs(z) < gap, np.copysign(gap, z) + z, z)


# --- activation derivatives ---------------------------------------------------------------------


def _prime_values(fn: str, *extra):
    def cases(rng):
        out = [_call(fn, _away_from_zero(rng, shape), *extra, label=f"z of shape {shape}")
               for shape in [(int(rng.integers(3, 9)),), (3, 4), (2, 3, 2)]]
        return out + [_call(fn, np.array(float(rng.standard_normal())), *extra,
                            label="a 0-d array")]
    return cases


def _prime_float32(fn: str, *extra):
    def cases(rng):
        return [_call(fn, _away_from_zero(rng, (3, 5)).astype(np.float32), *extra,
                      label="z of dtype float32")]
    return cases


def _compare_derivative(f: Callable[..., np.ndarray], extra: int = 0):
    """The returned f'(z) against centred differences of the library's f: the gradient of
    sum(f(z)) with respect to z is f'(z) entry by entry."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        result = compare_value(got["ret"], exp["ret"], check=check, location="derivative")
        if not result.passed and result.kind != "value":
            return result
        z, *rest = case.data["args"]
        z = np.array(z, dtype=np.float64)
        return check_gradient_numerically(lambda _: float(np.sum(f(z, *rest))), z,
                                          np.asarray(got["ret"], dtype=np.float64),
                                          check=check, location="derivative")

    return compare


def _relu_zeros(fn: str, *extra):
    def cases(rng):
        z = _away_from_zero(rng, (4, 5))
        z[rng.random((4, 5)) < 0.4] = 0.0
        z[0, 0] = 0.0
        return [_call(fn, z, *extra, label="z of shape (4, 5) with entries exactly 0")]
    return cases


def _leaky_slopes(rng):
    return [_call("leaky_relu_prime", _away_from_zero(rng, (3, 4)), a,
                  label=f"z of shape (3, 4), a = {a:g}")
            for a in (float(rng.uniform(0.05, 0.3)), 0.2)]


def _softplus_extremes(rng):
    return [_call("softplus_prime", z, label=label) for z, label in range_edges(rng)]


# --- one_hot -----------------------------------------------------------------------------------


def _labels(rng, N, K, top=None):
    """N labels in [0, top) (top <= K), each of 0 and top - 1 at least once when N >= 2."""
    top = K if top is None else top
    y = rng.integers(0, top, size=N)
    if N >= 2:
        y[rng.permutation(N)[:2]] = [0, top - 1]
    return y


def _oh_values(rng):
    return [_call("one_hot", _labels(rng, n, k), k, label=f"{n} labels, num_classes = {k}")
            for n, k in ((int(rng.integers(4, 9)), 3), (int(rng.integers(10, 20)), 7))] + [
        _call("one_hot", _labels(rng, 6, 9, top=4), 9,
              label="6 labels from 0 to 3, num_classes = 9 (the largest classes never occur)")]


def _oh_default(rng):
    return [_call("one_hot", _labels(rng, 12, 10), label="12 labels of digits, num_classes "
                                                         "left at its default 10")]


def _oh_dtype(rng):
    return [_call("one_hot", _labels(rng, 5, 4).astype(np.int32), 4,
                  label="5 labels of dtype int32, num_classes = 4 (rows of float64)"),
            _call("one_hot", np.array([int(rng.integers(0, 6))]), 6, label="a single label")]


def _oh_bad(rng):
    K = int(rng.integers(3, 8))
    high, low = _labels(rng, 5, K), _labels(rng, 5, K)
    high[int(rng.integers(0, 5))] = K
    low[int(rng.integers(0, 5))] = -1
    return [Case(f"labels with one equal to num_classes = {K}",
                 {"fn": "one_hot", "args": [high, K]}),
            Case(f"labels with one equal to -1, num_classes = {K}",
                 {"fn": "one_hot", "args": [low, K]})]


# --- batch and layer normalisation ----------------------------------------------------------------


def _norm_problem(rng, N, D, dtype=np.float64, spread=None):
    """(x, gamma, beta, dout): x (N, D) with features (columns) on different scales and
    offsets (or all of spread ``spread``)."""
    scale = rng.uniform(0.5, 4, size=D) if spread is None else np.full(D, spread)
    x = rng.normal(loc=rng.normal(0, 3, size=D) * scale, scale=scale, size=(N, D))
    gamma, beta = rng.normal(size=D) + 1.0, rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def _shapes(rng, layer: bool):
    """Three (N, D) with N != D (a wrong axis cannot hide), N >= 2 for batch norm."""
    out = [(int(rng.integers(3, 9)), int(rng.integers(2, 6))), (2, 5), (7, 3)]
    return [(n, d + 1 if n == d else d) for n, d in out] if not layer else out


def _fwd(fn: str, rng, N, D, *, eps=None, dtype=np.float64, spread=None, label=""):
    x, gamma, beta, _ = _norm_problem(rng, N, D, dtype, spread)
    args = [x, gamma, beta] + ([] if eps is None else [eps])
    return _call(fn, *args, label=(label or f"x of shape ({N}, {D})")
                 + (f", eps = {eps:g}" if eps is not None else ""))


def _bwd(fn: str, rng, N, D, *, eps=None, dtype=np.float64, spread=None, label=""):
    x, gamma, _, dout = _norm_problem(rng, N, D, dtype, spread)
    args = [dout, x, gamma] + ([] if eps is None else [eps])
    return _call(fn, *args, label=(label or f"dout and x of shape ({N}, {D})")
                 + (f", eps = {eps:g}" if eps is not None else ""))


def _bn_random(fn: str, layer: bool = False):
    make = _bwd if fn.endswith("backward") else _fwd

    def cases(rng):
        return [make(fn, rng, n, d, eps=e) for (n, d), e in
                zip(_shapes(rng, layer), (None, 1e-5, float(rng.uniform(1e-4, 1e-2))),
                    strict=True)]
    return cases


def _bn_eps(fn: str):
    make = _bwd if fn.endswith("backward") else _fwd
    what = "rows" if fn.startswith("layer") else "features"

    def cases(rng):
        return [make(fn, rng, 6, 3, eps=float(rng.uniform(0.05, 0.5)),
                     spread=float(rng.uniform(0.05, 0.3)),
                     label=f"x of shape (6, 3), {what} of small spread (0.05 to 0.3)")]
    return cases


def _bn_float32(fn: str):
    make = _bwd if fn.endswith("backward") else _fwd
    return lambda rng: [make(fn, rng, 5, 4, dtype=np.float32, label="float32 x of shape (5, 4)")]


def _bn_extremes(rng):
    N = 6
    scales = np.array([0.0, 1e-3, 1.0, 1e3])
    x = rng.normal(size=(N, 4)) * scales + 3 * scales * rng.normal(size=4) + [5.0, 0, 0, 0]
    x = rng.permutation(x, axis=1)
    gamma, beta = rng.normal(size=4) + 1.0, rng.normal(size=4)
    return [_call("batchnorm_forward", x, gamma, beta,
                  label="x of shape (6, 4): a constant feature (sigma_B^2 = 0) and features of "
                        "spread 1e-3, 1 and 1e3")]


def _ln_extremes(rng):
    D = 5
    x = np.stack([np.full(D, 2.5), 1e-3 * rng.normal(size=D), rng.normal(size=D),
                  1e3 * rng.normal(size=D)])
    x = rng.permutation(x, axis=0)
    gamma, beta = rng.normal(size=D) + 1.0, rng.normal(size=D)
    return [_call("layernorm_forward", x, gamma, beta,
                  label="x of shape (4, 5): a constant row (sigma_i^2 = 0) and rows of spread "
                        "1e-3, 1 and 1e3")]


def _ln_one_row(fn: str):
    make = _bwd if fn.endswith("backward") else _fwd
    return lambda rng: [make(fn, rng, 1, int(rng.integers(3, 7)),
                             label="a batch of ONE example")]


def _compare_norm_numerical(forward: Callable[..., np.ndarray]):
    """(dx, dgamma, dbeta) against centred differences of C = sum(dout * forward(x, gamma,
    beta, eps)) with respect to x, gamma and beta."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        shape = compare_value(got["ret"], exp["ret"], check=check, names=_GRADS)
        if not shape.passed and shape.kind != "value":
            return shape
        dout, x, gamma, *rest = (np.array(a, dtype=np.float64) if isinstance(a, np.ndarray)
                                 else a for a in case.data["args"])
        beta = np.zeros_like(gamma)

        def cost(_):
            return float(np.sum(dout * forward(x, gamma, beta, *rest)))

        for name, param, grad in zip(_GRADS, (x, gamma, beta), got["ret"], strict=True):
            result = check_gradient_numerically(cost, param, np.asarray(grad, dtype=float),
                                                check=check, location=name)
            if not result.passed:
                return result
        return CheckResult(check, True, message=f"{check}: agrees with centred differences")

    return compare


def _numerical_cases(fn: str, layer: bool = False):
    def cases(rng):
        return [_bwd(fn, rng, n, d, eps=1e-3) for n, d in ((5, 3), (3, 4) if not layer
                                                            else (2, 6))]
    return cases


# --- RMSprop, Adagrad ---------------------------------------------------------------------------


def _opt_first(fn: str, kwargs: dict, text: str):
    return lambda rng: [opt_case(fn, rng, kwargs, [(3, 2)], 1, f"{text}, one step from zero")]


def _opt_steps(fn: str, cases: list[tuple[dict, int, str]]):
    return lambda rng: [opt_case(fn, rng, kw, [(int(rng.integers(2, 6)),)], steps, text)
                        for kw, steps, text in cases]


def _opt_many(fn: str, kwargs: dict):
    return lambda rng: [opt_case(fn, rng, kwargs, [(3, 4), (3,), (2, 3)], 3,
                                 "three parameter arrays of different shapes, three steps")]


def _opt_tiny(fn: str, kwargs: dict):
    def cases(rng):
        case = opt_case(fn, rng, kwargs, [(4,)], 3, "gradients of size 1e-7, three steps (eps "
                                                    "is then comparable to the root)")
        case.data["grads_seq"] = [[1e-7 * g for g in grads] for grads in case.data["grads_seq"]]
        return [case]
    return cases
