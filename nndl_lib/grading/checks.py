"""Checking kernels: random cases, one tolerance table, and comparisons that explain themselves.

The library's tests and the exercise graders check code the same way, with the functions here:

- :func:`check_against_reference` compares an output with the expected one (arrays, scalars, or
  lists/tuples of them, such as backprop's ``(nabla_b, nabla_w)``);
- :func:`check_gradient_numerically` compares an analytic gradient with centred differences;
- :func:`check_fast_matches_naive` runs a fast kernel and its naive twin on copies of the same
  inputs and compares their outputs (and that neither changed its inputs).

Each returns a :class:`CheckResult` instead of raising: which check, whether it passed, where
the worst entry is, the expected and the received value there, the error and the tolerance,
and a readable ``message``. ``bool(result)`` is ``result.passed``, so a test writes
``assert result, result.message`` and a grader prints the message.

Tolerances live in ONE table, :data:`TOLERANCES`, keyed by the kind of comparison and the dtype.
An entry passes when ``|got - expected| <= atol + rtol * |expected|`` (NumPy's ``allclose``
rule); integer and boolean outputs must match exactly.

Case generators (defined in :mod:`nndl_lib.grading.cases`, re-exported here) take a
``numpy.random.Generator`` and return plain arrays: fully connected networks of random sizes and
dtypes (:func:`fc_case`), saturated activations (:func:`saturated`), convolution and pooling
shapes with strides and padding (:func:`conv_cases`, :func:`pool_cases`), tie-heavy pooling
inputs (:func:`tie_heavy`), well-conditioned inputs for finite differences
(:func:`well_conditioned`), batch-normalisation and dropout problems.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nndl_lib.gradcheck import numerical_gradient
from nndl_lib.grading.cases import (
    ConvCase,
    FCCase,
    PoolCase,
    batchnorm_case,
    conv_cases,
    dropout_case,
    fc_case,
    fc_cases,
    pool_cases,
    range_edges,
    saturated,
    tie_heavy,
    well_conditioned,
)

__all__ = [
    "Tolerance",
    "TOLERANCES",
    "tolerance_for",
    "CheckResult",
    "check_against_reference",
    "check_gradient_numerically",
    "check_fast_matches_naive",
    "FCCase",
    "fc_case",
    "fc_cases",
    "range_edges",
    "saturated",
    "well_conditioned",
    "tie_heavy",
    "ConvCase",
    "conv_cases",
    "PoolCase",
    "pool_cases",
    "batchnorm_case",
    "dropout_case",
]


# --------------------------------------------------------------------------------------------
# The tolerance table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """An entry passes when ``|got - expected| <= atol + rtol * |expected|``."""

    rtol: float
    atol: float

    def allowed(self, expected: np.ndarray) -> np.ndarray:
        """The largest error allowed at each entry of ``expected``."""
        return self.atol + self.rtol * np.abs(expected)

    def __str__(self) -> str:
        return f"atol {self.atol:g} + rtol {self.rtol:g} * |expected|"


#: Every tolerance of the library's checks, in one place. Keys: (kind, dtype name).
#: - "reference": a computation against the reference implementation of the same maths (order
#:   of floating-point operations may differ, nothing else);
#: - "fast_vs_naive": a vectorised kernel against its loop twin;
#: - "gradient": an analytic gradient against centred differences with h = 1e-5, whose error is
#:   O(h^2) ~ 1e-10 from truncation plus rounding (only meaningful in float64);
#: - "gradient_linear": the same for a function linear in the perturbed input (no truncation
#:   error), where a larger h (1e-2) shrinks the rounding error;
#: - "exact": outputs that must agree bit for bit (integers, masks, counts);
#: - "sample_std": a standard deviation estimated from a large random sample (about 3e5 draws:
#:   the estimate is within 0.5% of the true value with overwhelming probability).
TOLERANCES: dict[tuple[str, str], Tolerance] = {
    ("reference", "float64"): Tolerance(rtol=1e-7, atol=1e-10),
    ("reference", "float32"): Tolerance(rtol=1e-4, atol=1e-6),
    ("fast_vs_naive", "float64"): Tolerance(rtol=0.0, atol=1e-10),
    ("fast_vs_naive", "float32"): Tolerance(rtol=1e-5, atol=1e-5),
    ("gradient", "float64"): Tolerance(rtol=1e-6, atol=1e-8),
    ("gradient_linear", "float64"): Tolerance(rtol=1e-7, atol=1e-9),
    ("exact", "float64"): Tolerance(rtol=0.0, atol=0.0),
    ("exact", "float32"): Tolerance(rtol=0.0, atol=0.0),
    ("sample_std", "float64"): Tolerance(rtol=0.02, atol=0.0),
}


def tolerance_for(kind: str, dtype: Any = np.float64) -> Tolerance:
    """The tolerance of ``kind`` for outputs of ``dtype`` (float16/32 use the float32 row,
    every other dtype the float64 row)."""
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.float64)
    name = "float32" if dt in (np.dtype(np.float32), np.dtype(np.float16)) else "float64"
    try:
        return TOLERANCES[(kind, name)]
    except KeyError:
        known = sorted({k for k, _ in TOLERANCES})
        raise ValueError(
            f"no tolerance for kind {kind!r} and dtype {name}; kinds: {known}"
            + (" (numerical gradients need float64)" if kind.startswith("gradient") else "")
        ) from None


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one comparison.

    ``check``: what was compared; ``passed``; ``kind``: "ok", "value", "shape", "dtype",
    "type", "non-finite", "mutated" or "exception"; ``location``: which output (e.g.
    ``nabla_w[1]``); ``index``: the worst entry's index within it; ``expected`` / ``got``: the
    values there; ``error``: |got - expected| there; ``allowed``: the tolerance there;
    ``tolerance``: the rule used; ``count``: how many entries were outside the tolerance, of
    ``size``; ``message``: all of it in one readable line.
    """

    check: str
    passed: bool
    kind: str = "ok"
    location: str = ""
    index: tuple[int, ...] | None = None
    expected: Any = None
    got: Any = None
    error: float | None = None
    allowed: float | None = None
    tolerance: Tolerance | None = None
    count: int = 0
    size: int = 0
    message: str = ""
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def raise_if_failed(self) -> CheckResult:
        """Raise ``AssertionError(message)`` when the check failed; return self otherwise."""
        if not self.passed:
            raise AssertionError(self.message)
        return self


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.6g}"
    return repr(v.item() if isinstance(v, np.generic) else v)


def _where(location: str, index: tuple[int, ...] | None) -> str:
    if index is None or index == ():
        return location or "the output"
    return f"{location or 'output'}[{', '.join(str(int(i)) for i in index)}]"


def _fail(check: str, kind: str, location: str, message: str, **kw: Any) -> CheckResult:
    return CheckResult(check=check, passed=False, kind=kind, location=location,
                       message=f"{check}: {message}", **kw)


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    if isinstance(x, list | tuple):
        return f"a {type(x).__name__} of {len(x)} items"
    return f"a {type(x).__name__} ({_fmt(x)})" if isinstance(x, int | float | np.generic) else (
        f"a {type(x).__name__}")


def _as_numeric(got: Any) -> np.ndarray | None:
    """``got`` as a numeric array, or None when it is not numbers (a string, an object, ...)."""
    if isinstance(got, str | bytes | dict) or got is None:
        return None
    try:
        arr = np.asarray(got)
    except Exception:  # an object whose __array__ fails
        return None
    if arr.dtype.kind not in "biuf":
        if arr.dtype == object:
            try:
                return arr.astype(np.float64)
            except (TypeError, ValueError):
                return None
        return None
    return arr


def _compare_leaf(got: Any, expected: Any, check: str, location: str, kind: str,
                  tolerance: Tolerance | None, check_dtype: bool,
                  labels: tuple[str, str] = ("expected", "got")) -> CheckResult:
    exp = np.asarray(expected)
    g = _as_numeric(got)
    if g is None:
        return _fail(check, "type", location,
                     f"{location or 'the output'} should be {_describe(expected)}; "
                     f"got {_describe(got)}", expected=None, got=None)
    if g.shape != exp.shape:
        hint = ""
        if exp.ndim == 2 and g.shape == exp.shape[::-1]:
            hint = " (transposed?)"
        elif g.size == exp.size:
            hint = " (same entries, another shape: reshape or keep the batch as rows)"
        return _fail(check, "shape", location,
                     f"{location or 'the output'} should have shape {exp.shape}; "
                     f"got shape {g.shape}{hint}")
    if check_dtype and exp.dtype.kind == "f" and g.dtype != exp.dtype:
        return _fail(check, "dtype", location,
                     f"{location or 'the output'} should keep dtype {exp.dtype} "
                     f"(the input's); got {g.dtype}")
    size = int(exp.size)
    if size == 0:
        return CheckResult(check, True, location=location, message=f"{check}: ok (empty)")
    exact = exp.dtype.kind in "biu"
    tol = Tolerance(0.0, 0.0) if exact else (tolerance or tolerance_for(kind, exp.dtype))
    e = exp.astype(np.float64)
    with np.errstate(all="ignore"):
        gg = g.astype(np.float64)
        both_nan = np.isnan(e) & np.isnan(gg)
        same_inf = np.isinf(e) & (e == gg)
        bad_finite = ~np.isfinite(gg) & np.isfinite(e)
        diff = np.where(both_nan | same_inf, 0.0, np.abs(gg - e))
        diff = np.where(np.isnan(diff), np.inf, diff)
        allowed = np.where(np.isfinite(e), tol.allowed(e), 0.0)
        excess = np.where(diff <= allowed, 0.0,
                          np.where(allowed > 0, diff / np.where(allowed > 0, allowed, 1.0),
                                   np.inf))
    outside = diff > allowed
    count = int(outside.sum())
    worst = np.unravel_index(int(np.argmax(np.where(outside, excess, -1.0) if count else diff)),
                             exp.shape)
    worst = tuple(int(i) for i in worst)
    info = dict(location=location, index=worst, expected=e[worst].item(), got=gg[worst].item(),
                error=float(diff[worst]), allowed=float(allowed[worst]), tolerance=tol,
                count=count, size=size)
    where = _where(location, worst)
    if count == 0:
        return CheckResult(check, True, "ok",
                           message=f"{check}: ok (largest error {float(diff.max()):.2g}, "
                                   f"at {where})", **info)
    if bad_finite.any():
        first = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        info.update(index=first, expected=e[first].item(), got=gg[first].item(),
                    error=float("inf"), allowed=float(allowed[first]))
        return _fail(check, "non-finite", location,
                     f"{_where(location, first)}: {labels[0]} {_fmt(e[first])}, {labels[1]} "
                     f"{_fmt(gg[first])} ({int(bad_finite.sum())} of {size} entries are "
                     "nan or inf: an overflow, e.g. exp of a large number?)",
                     **{k: v for k, v in info.items() if k != "location"})
    rule = "exactly" if exact or (tol.atol == 0 and tol.rtol == 0) else f"within {tol}"
    return _fail(check, "value", location,
                 f"{where}: {labels[0]} {_fmt(e[worst])}, {labels[1]} {_fmt(gg[worst])}, error "
                 f"{float(diff[worst]):.3g} > allowed {float(allowed[worst]):.3g} "
                 f"({count} of {size} entries differ; must agree {rule})",
                 **{k: v for k, v in info.items() if k != "location"})


def _leaves(got: Any, expected: Any, location: str, check: str):
    """Walk expected's nesting of lists/tuples in parallel with got; yield (got, expected,
    location) pairs or a failed CheckResult where the structures differ."""
    if isinstance(expected, list | tuple):
        if isinstance(got, np.ndarray) and got.dtype != object:
            # an array standing in for a list of same-shaped arrays is fine
            got = list(got)
        if not isinstance(got, list | tuple | np.ndarray):
            yield _fail(check, "type", location,
                        f"{location or 'the output'} should be {_describe(expected)}; "
                        f"got {_describe(got)}")
            return
        if len(got) != len(expected):
            yield _fail(check, "type", location,
                        f"{location or 'the output'} should have {len(expected)} items; "
                        f"got {len(got)}")
            return
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            yield from _leaves(g, e, f"{location}[{i}]" if location else f"[{i}]", check)
    else:
        yield got, expected, location


def check_against_reference(got: Any, expected: Any, *, check: str = "output",
                            kind: str = "reference", tolerance: Tolerance | None = None,
                            check_dtype: bool = False, location: str = "",
                            labels: tuple[str, str] = ("expected", "got")) -> CheckResult:
    """Compare ``got`` with ``expected`` entry by entry.

    got, expected: arrays, numbers, or (nested) lists/tuples of them with the same structure.
    kind: the row of :data:`TOLERANCES` to use (by expected's dtype) unless ``tolerance`` is
    given; integer/boolean expected values must match exactly. check_dtype: also require
    floating outputs to have expected's dtype. location: a name for the output in messages
    (e.g. "nabla_w"). Returns the worst failure, or a passing result with the largest error.
    """
    results = []
    for item in _leaves(got, expected, location, check):
        if isinstance(item, CheckResult):
            return item
        g, e, loc = item
        results.append(_compare_leaf(g, e, check, loc, kind, tolerance, check_dtype, labels))
    if not results:
        return CheckResult(check, True, message=f"{check}: ok (nothing to compare)")
    failed = [r for r in results if not r.passed]
    if failed:
        structural = [r for r in failed if r.kind != "value"]
        if structural:
            return structural[0]
        return max(failed, key=lambda r: (r.error or 0.0) / max(r.allowed or 0.0, 1e-300))
    return max(results, key=lambda r: r.error or 0.0)


def check_gradient_numerically(f: Callable[[np.ndarray], float], x: np.ndarray,
                               analytic: Any, *, h: float = 1e-5, check: str = "gradient",
                               kind: str = "gradient", tolerance: Tolerance | None = None,
                               location: str = "") -> CheckResult:
    """Compare ``analytic`` (dC/dx) with centred differences of the scalar ``f`` at ``x``.

    x: float64 array; it is perturbed in place one entry at a time and restored exactly, so
    ``f`` may read it through a closure (e.g. a weight matrix of a network). analytic: array of
    x's shape. kind "gradient" (h = 1e-5) or "gradient_linear" (f linear in x: h may be large).
    """
    x_dtype = getattr(x, "dtype", None)
    if x_dtype is not None and np.dtype(x_dtype) != np.float64:
        raise ValueError(f"numerical gradients need float64 inputs; got {x_dtype}: rounding in "
                         "float32 swamps differences at h = 1e-5")
    numerical = numerical_gradient(f, x, h)
    return check_against_reference(analytic, numerical, check=check, kind=kind,
                                   tolerance=tolerance, location=location or "gradient",
                                   labels=("numerical", "analytic"))


def _snapshot(args: Sequence[Any]) -> list[Any]:
    return [copy.deepcopy(a) for a in args]


def _unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and bool(
            np.array_equal(before, after, equal_nan=before.dtype.kind == "f"))
    if isinstance(before, list | tuple):
        return len(before) == len(after) and all(
            _unchanged(b, a) for b, a in zip(before, after, strict=True))
    return True


def check_fast_matches_naive(fast: Callable[..., Any], naive: Callable[..., Any],
                             args: Sequence[Any], kwargs: dict | None = None, *,
                             check: str = "fast vs naive", kind: str = "fast_vs_naive",
                             tolerance: Tolerance | None = None,
                             check_dtype: bool = True) -> CheckResult:
    """Call ``fast(*args, **kwargs)`` and ``naive(*args, **kwargs)`` on separate deep copies of
    the inputs and compare the outputs (naive is the expected one), including dtypes. Fails too
    when either kernel changed one of its inputs (kernels are pure functions)."""
    kwargs = kwargs or {}
    results = {}
    for name, fn in (("naive", naive), ("fast", fast)):
        call_args, call_kwargs = _snapshot(args), copy.deepcopy(kwargs)
        out = fn(*call_args, **call_kwargs)
        for i, (before, after) in enumerate(zip(args, call_args, strict=True)):
            if not _unchanged(before, after):
                return _fail(check, "mutated", f"args[{i}]",
                             f"the {name} kernel changed its input argument {i}; kernels "
                             "must not modify their inputs")
        results[name] = out
    return check_against_reference(results["fast"], results["naive"], check=check, kind=kind,
                                   tolerance=tolerance, check_dtype=check_dtype)
