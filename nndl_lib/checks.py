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

Case generators take a ``numpy.random.Generator`` and return plain arrays: fully connected
networks of random sizes and dtypes (:func:`fc_case`), saturated activations (:func:`saturated`),
convolution and pooling shapes with strides and padding (:func:`conv_cases`, :func:`pool_cases`),
tie-heavy pooling inputs (:func:`tie_heavy`), well-conditioned inputs for finite differences
(:func:`well_conditioned`), batch-normalisation and dropout problems.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nndl_lib.conv import conv_output_size
from nndl_lib.gradcheck import numerical_gradient

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


# --------------------------------------------------------------------------------------------
# Case generators
# --------------------------------------------------------------------------------------------


def _rng(rng: np.random.Generator | int) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator or an int seed; got {type(rng).__name__}")


@dataclass
class FCCase:
    """A fully connected problem in the library's shapes.

    x: (N, sizes[0]); y: (N, sizes[-1]); weights[i]: (sizes[i+1], sizes[i]);
    biases[i]: (sizes[i+1],).
    """

    sizes: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]

    @property
    def label(self) -> str:
        return (f"network {list(self.sizes)}, N = {self.x.shape[0]}, {self.x.dtype}")

    def arrays(self) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Deep copies of (x, y, weights, biases)."""
        return (self.x.copy(), self.y.copy(), [w.copy() for w in self.weights],
                [b.copy() for b in self.biases])


def fc_case(rng: np.random.Generator | int, sizes: Sequence[int] | None = None,
            n: int | None = None, dtype: Any = np.float64, *, saturated: bool = False,
            targets: str = "one-hot") -> FCCase:
    """A random fully connected problem.

    sizes: layer sizes (default: 2 to 4 layers of 1 to 7 neurons); n: rows (default 1 to 6).
    Weights N(0, 1/n_in) and biases N(0, 1); ``saturated=True`` scales the weights and biases
    by 20 so that most weighted inputs z are far in the sigmoid's flat tails. targets:
    "one-hot" rows, "unit" (uniform in (0, 1)) or "labels-prob" (rows summing to 1).
    """
    rng = _rng(rng)
    if sizes is None:
        sizes = tuple(int(s) for s in rng.integers(1, 8, size=int(rng.integers(2, 5))))
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer sizes; got {sizes}")
    n = int(rng.integers(1, 7)) if n is None else int(n)
    scale = 20.0 if saturated else 1.0
    x = rng.standard_normal((n, sizes[0]))
    weights = [scale * rng.standard_normal((o, i)) / np.sqrt(i)
               for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [scale * rng.standard_normal(o) for o in sizes[1:]]
    k = sizes[-1]
    if targets == "one-hot":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    elif targets == "unit":
        y = rng.uniform(0.05, 0.95, size=(n, k))
    elif targets == "labels-prob":
        y = rng.dirichlet(np.ones(k), size=n)
    else:
        raise ValueError(f"targets must be 'one-hot', 'unit' or 'labels-prob'; got {targets!r}")
    dt = np.dtype(dtype)
    return FCCase(sizes, x.astype(dt), y.astype(dt), [w.astype(dt) for w in weights],
                  [b.astype(dt) for b in biases])


def fc_cases(rng: np.random.Generator | int, count: int = 6,
             dtypes: Sequence[Any] = (np.float64,), **kwargs: Any) -> list[FCCase]:
    """``count`` varied problems: always one example (N = 1), one net without hidden layer and
    one with three hidden layers, then random sizes; dtypes cycle through ``dtypes``."""
    rng = _rng(rng)
    fixed = [dict(n=1), dict(sizes=(int(rng.integers(2, 6)), int(rng.integers(1, 5)))),
             dict(sizes=tuple(int(s) for s in rng.integers(1, 6, size=5)))]
    out = []
    for i in range(count):
        spec = fixed[i] if i < len(fixed) else {}
        out.append(fc_case(rng, dtype=dtypes[i % len(dtypes)], **spec, **kwargs))
    return out


def saturated(rng: np.random.Generator | int, shape: tuple[int, ...], scale: float = 40.0,
              dtype: Any = np.float64, extreme: bool = True) -> np.ndarray:
    """Weighted inputs deep in a sigmoid's tails: |z| between scale/2 and 2*scale, random sign;
    with ``extreme`` a few entries are +-1000 (exp overflows there unless written stably)."""
    rng = _rng(rng)
    z = rng.uniform(scale / 2, 2 * scale, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if extreme and z.size >= 2:
        flat = z.reshape(-1)
        flat[0], flat[-1] = -1000.0, 1000.0
    return z.astype(dtype)


def well_conditioned(shape: tuple[int, ...], rng: np.random.Generator | int,
                     signed: bool = True) -> np.ndarray:
    """Entries with distinct magnitudes in [0.5, 1.5), at least 1/size apart, random sign.

    No ties (so max pooling is differentiable there and h = 1e-5 never reorders entries) and no
    entries near 0, whose tiny gradients would make a relative error measure rounding noise.
    """
    rng = _rng(rng)
    n = int(np.prod(shape))
    magnitude = 0.5 + rng.permutation(n) / n
    if not signed:
        return magnitude.reshape(shape)
    return (magnitude * rng.choice([-1.0, 1.0], size=n)).reshape(shape)


def tie_heavy(shape: tuple[int, ...], rng: np.random.Generator | int, levels: int = 3,
              dtype: Any = np.float64) -> np.ndarray:
    """Entries drawn from only ``levels`` values (0, 1, ...), so pooling windows hold many ties:
    the case where max-pool kernels must agree on which maximum gets the gradient."""
    rng = _rng(rng)
    return rng.integers(0, levels, size=shape).astype(dtype)


@dataclass(frozen=True)
class ConvCase:
    """A convolution problem: x (N, C, H, W), w (F, C, KH, KW), stride, pad."""

    N: int
    C: int
    H: int
    W: int
    F: int
    KH: int
    KW: int
    stride: int = 1
    pad: int = 0

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.F, conv_output_size(self.H, self.KH, self.stride, self.pad),
                conv_output_size(self.W, self.KW, self.stride, self.pad))

    @property
    def label(self) -> str:
        return (f"N{self.N}C{self.C}H{self.H}W{self.W}F{self.F}k{self.KH}x{self.KW}"
                f"s{self.stride}p{self.pad}")

    def arrays(self, rng: np.random.Generator | int, dtype: Any = np.float64
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Standard-normal (x, w, b, dout) for this case."""
        rng = _rng(rng)
        x = rng.standard_normal((self.N, self.C, self.H, self.W))
        w = rng.standard_normal((self.F, self.C, self.KH, self.KW))
        b = rng.standard_normal(self.F)
        dout = rng.standard_normal(self.out_shape)
        return tuple(a.astype(dtype) for a in (x, w, b, dout))


def conv_cases(rng: np.random.Generator | int, count: int = 6, max_size: int = 9
               ) -> list[ConvCase]:
    """``count`` random valid convolution shapes: strides 1-3, pads 0-2, non-square kernels and
    images; every (H + 2 pad - KH) is a multiple of the stride, as the kernels require."""
    rng = _rng(rng)
    cases = []
    while len(cases) < count:
        KH, KW = (int(k) for k in rng.integers(1, 5, size=2))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        Ho, Wo = (int(k) for k in rng.integers(1, 5, size=2))
        H, W = (Ho - 1) * stride + KH - 2 * pad, (Wo - 1) * stride + KW - 2 * pad
        if min(H, W) < 1 or max(H, W) > max_size or pad >= max(KH, KW):
            continue
        cases.append(ConvCase(int(rng.integers(1, 3)), int(rng.integers(1, 4)), H, W,
                              int(rng.integers(1, 4)), KH, KW, stride, pad))
    return cases


@dataclass(frozen=True)
class PoolCase:
    """A pooling problem: x (N, C, H, W), square windows of ``size``, ``stride``."""

    N: int
    C: int
    H: int
    W: int
    size: int = 2
    stride: int = 2

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, conv_output_size(self.H, self.size, self.stride),
                conv_output_size(self.W, self.size, self.stride))

    @property
    def label(self) -> str:
        return f"N{self.N}C{self.C}H{self.H}W{self.W}size{self.size}s{self.stride}"


def pool_cases(rng: np.random.Generator | int, count: int = 6) -> list[PoolCase]:
    """``count`` random pooling shapes whose windows tile the input (overlapping, gapped and
    exactly tiling windows all occur)."""
    rng = _rng(rng)
    cases = []
    for _ in range(count):
        size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        Ho, Wo = (int(k) for k in rng.integers(1, 5, size=2))
        cases.append(PoolCase(int(rng.integers(1, 3)), int(rng.integers(1, 4)),
                              (Ho - 1) * stride + size, (Wo - 1) * stride + size, size, stride))
    return cases


def batchnorm_case(rng: np.random.Generator | int, N: int | None = None, D: int | None = None,
                   dtype: Any = np.float64
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, gamma, beta, dout) for batch normalisation: x (N, D) with features on different
    scales and offsets, N >= 2."""
    rng = _rng(rng)
    N = int(rng.integers(2, 9)) if N is None else int(N)
    D = int(rng.integers(1, 6)) if D is None else int(D)
    x = rng.normal(loc=rng.normal(0, 3, size=D), scale=rng.uniform(0.5, 4, size=D), size=(N, D))
    gamma = rng.normal(size=D) + 1.0
    beta = rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def dropout_case(rng: np.random.Generator | int, shape: tuple[int, ...] | None = None,
                 p: float | None = None, dtype: Any = np.float64
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """(x, mask, p): activations x, a 0/1 mask dropping each unit with probability p (drawn as
    the library does, ``rng.random(shape) >= p``), and p in [0.1, 0.8]."""
    rng = _rng(rng)
    if shape is None:
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 9)))
    p = float(rng.uniform(0.1, 0.8)) if p is None else float(p)
    x = rng.standard_normal(shape).astype(dtype)
    mask = (rng.random(shape) >= p).astype(dtype)
    return x, mask, p
