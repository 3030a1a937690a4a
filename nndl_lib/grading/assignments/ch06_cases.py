"""Chapter 6's cases and comparisons (assignment ``ch06_deep_learning``): small random
convolutions and poolings (shapes, strides, paddings, float32), tie-heavy windows and a few
MNIST images for the first-maximum rule, the conv-pool layer's arrays, and the numerical
gradients the backward tasks are checked against. The tasks, points and references are in
:mod:`nndl_lib.grading.assignments.ch06_deep_learning`."""

from __future__ import annotations

import numpy as np

from nndl_lib.deep import conv
from nndl_lib.deep.conv_layer import ConvPoolLayer
from nndl_lib.grading.assignments.train_and_tune import training_subset, unreadable_here
from nndl_lib.grading.checks import (
    CheckResult,
    check_gradient_numerically,
    conv_cases,
    pool_cases,
    tie_heavy,
    well_conditioned,
)
from nndl_lib.grading.framework import Case, compare_value
from nndl_lib.grading.framework import call_case as _call  # fn(*args), by name
from nndl_lib.reference_values import EXERCISE_KEYS


def _layer(x, w, b, pool_size: int, pool: str, activation: str) -> ConvPoolLayer:
    """The library's conv-pool layer of the shapes of ``x`` and ``w``, holding ``w`` and ``b``."""
    dtype = np.result_type(x, w, b)
    layer = ConvPoolLayer(w.shape, x.shape[1:], (pool_size, pool_size), activation, pool,
                          rng=0, dtype=dtype)
    layer.w[...] = w
    layer.b[...] = b
    return layer


def conv_pool_forward(x, w, b, pool_size=2, pool="max", activation="sigmoid"):
    """The reference: ConvPoolLayer's forward pass, sigma(pool(w * x) + b) (stride 1, no
    padding; pool_size x pool_size windows moved by pool_size)."""
    return np.ascontiguousarray(_layer(x, w, b, pool_size, pool, activation).forward(x))


def conv_pool_backward(dout, x, w, b, pool_size=2, pool="max", activation="sigmoid"):
    """The reference: ConvPoolLayer's backward pass after its forward pass on ``x``:
    (dx, dw, db) from dout = dC/da."""
    layer = _layer(x, w, b, pool_size, pool, activation)
    layer.forward(x, train=True)
    dx = layer.backward(dout)
    return np.ascontiguousarray(dx), layer.nabla_w.copy(), layer.nabla_b.copy()


_GRADS = ("dx", "dw", "db")


# --- conv_output_size ---------------------------------------------------------------------------


def _size_book(rng):
    return [_call("conv_output_size", *key, label=f"(n, k, stride, pad) = {key}")
            for key in EXERCISE_KEYS["ch6_conv_output_size"]]


def _size_random(rng):
    cases = []
    for _ in range(6):
        k, stride, pad = int(rng.integers(1, 8)), int(rng.integers(1, 5)), int(rng.integers(0, 4))
        n = (int(rng.integers(1, 10)) - 1) * stride + k - 2 * pad
        if n < 1:
            n += stride * ((1 - n) // stride + 1)
        cases.append(_call("conv_output_size", n, k, stride, pad,
                           label=f"(n, k, stride, pad) = ({n}, {k}, {stride}, {pad})"))
    return cases


def _size_not_whole(rng):
    cases = []
    for _ in range(4):
        stride, k, pad = int(rng.integers(2, 5)), int(rng.integers(1, 6)), int(rng.integers(0, 3))
        n = int(rng.integers(1, 6)) * stride + k - 2 * pad + int(rng.integers(1, stride))
        while n < 1:
            n += stride
        cases.append(Case(f"(n, k, stride, pad) = ({n}, {k}, {stride}, {pad}): "
                          f"({n} + 2*{pad} - {k})/{stride} + 1 is not a whole number",
                          {"fn": "conv_output_size", "args": [n, k, stride, pad]}))
    return cases


def _size_too_large(rng):
    cases = []
    for stride in (1, int(rng.integers(2, 4))):
        n, pad = int(rng.integers(2, 12)), int(rng.integers(0, 3))
        k = n + 2 * pad + stride  # (n + 2 pad - k) / stride + 1 = 0
        cases.append(Case(f"(n, k, stride, pad) = ({n}, {k}, {stride}, {pad}): the window is "
                          "larger than the padded input",
                          {"fn": "conv_output_size", "args": [n, k, stride, pad]}))
    return cases


# --- worked_example -----------------------------------------------------------------------------


def _we_book(rng):
    key = EXERCISE_KEYS["ch6_conv_example"]
    return [_call("worked_example", np.array(key["image"], dtype=float),
                  np.array(key["filter"], dtype=float),
                  label="the 5x5 example (second row 0 1 1 1 0) and the 3x3 filter "
                        "[[1, 0, 1], [0, 1, 0], [1, 0, 1]]",
                  without=["conv2d_forward"])]


def _we_random(rng):
    cases = []
    for n, k in [(5, 3), (7, 3), (int(rng.choice([7, 9])), 5)]:
        image = rng.integers(0, 2, size=(n, n)).astype(float)
        filt = rng.integers(-1, 2, size=(k, k)).astype(float)
        cases.append(_call("worked_example", image, filt,
                           label=f"a {n}x{n} image of 0s and 1s, a {k}x{k} filter of -1, 0, 1",
                           without=["conv2d_forward"]))
    return cases


def _we_cases(rng):
    return _we_book(rng) + _we_random(rng)


# --- conv2d_forward, conv2d_backward ------------------------------------------------------------


def _conv(fn: str, case, rng, dtype=np.float64, label: str = "") -> Case:
    x, w, b, dout = case.arrays(rng, dtype)
    text = (label or case.label) + ("" if dtype == np.float64 else f", {np.dtype(dtype).name}")
    if fn == "conv2d_forward":
        return _call(fn, x, w, b, case.stride, case.pad, label=text)
    return _call(fn, dout, x, w, case.stride, case.pad, label=text)


def _plain_cases(rng, count: int):
    return [c for c in conv_cases(rng, count=40) if c.stride == 1 and c.pad == 0][:count]


def _strided_padded(rng, count: int):
    found = [c for c in conv_cases(rng, count=60) if c.stride > 1 and c.pad > 0]
    return found[:count]


def _fwd_plain(rng):
    return [_conv("conv2d_forward", c, rng) for c in _plain_cases(rng, 3)]


def _fwd_padded(rng):
    cases = [c for c in conv_cases(rng, count=60) if c.stride == 1 and c.pad > 0][:3]
    return [_conv("conv2d_forward", c, rng) for c in cases]


def _fwd_strided(rng):
    cases = [c for c in conv_cases(rng, count=60) if c.stride > 1 and c.pad == 0][:2]
    return [_conv("conv2d_forward", c, rng) for c in cases + _strided_padded(rng, 2)]


def _fwd_float32(rng):
    return [_conv("conv2d_forward", c, rng, np.float32) for c in conv_cases(rng, count=2)]


def _bwd_plain(rng):
    return [_conv("conv2d_backward", c, rng) for c in _plain_cases(rng, 3)]


def _bwd_strided(rng):
    cases = [c for c in conv_cases(rng, count=60) if c.stride > 1][:2]
    return [_conv("conv2d_backward", c, rng) for c in cases + _strided_padded(rng, 2)]


def _bwd_batch(rng):
    cases = []
    for c in conv_cases(rng, count=20):
        if c.N == 1 and c.stride == 1:
            cases.append(type(c)(int(rng.integers(3, 5)), c.C, c.H, c.W, c.F, c.KH, c.KW,
                                 c.stride, c.pad))
        if len(cases) == 2:
            break
    return [_conv("conv2d_backward", c, rng, label=c.label + " (several images: dw and db add "
                                                               "up every image's share)")
            for c in cases]


def _bwd_numerical(rng):
    return [_conv("conv2d_backward", c, rng) for c in _strided_padded(rng, 1)
            + _plain_cases(rng, 1)]


def _bwd_float32(rng):
    return [_conv("conv2d_backward", c, rng, np.float32) for c in conv_cases(rng, count=2)]


def _conv_cost(args: list):
    """sum(dout * conv(x, w, b)) as a function of x, w and b (read from the lists given)."""
    dout, x, w, stride, pad = args
    b = np.zeros(w.shape[0])

    def cost() -> float:
        return float(np.sum(dout * conv.conv2d_forward(x, w, b, stride, pad)))

    return cost, {"dx": x, "dw": w, "db": b}


def _as64(a):
    return np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a


def _compare_numerical(cost_of, h: float = 1e-5, kind: str = "gradient"):
    """The learner's (dx, dw, db) against centred differences of ``cost_of(args)``, which
    returns the cost and the arrays it reads by the name of their gradient."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        shape_check = compare_value(got["ret"], exp["ret"], check=check, names=_GRADS,
                                    tolerance=None)
        if not shape_check.passed and shape_check.kind != "value":
            return shape_check
        cost, params = cost_of([_as64(a) for a in case.data["args"]])
        for name, grad in zip(_GRADS, got["ret"], strict=True):
            result = check_gradient_numerically(lambda _: cost(), params[name],
                                                np.asarray(grad, dtype=np.float64), h=h,
                                                kind=kind, check=check, location=name)
            if not result.passed:
                return result
        return CheckResult(check, True, message=f"{check}: agrees with centred differences")

    return compare


# --- maxpool_forward, maxpool_backward ----------------------------------------------------------


def _pool(fn: str, x, size: int, stride: int, rng, label: str) -> Case:
    if fn == "maxpool_forward":
        return _call(fn, x, size, stride, label=label)
    H_out = conv.conv_output_size(x.shape[2], size, stride)
    W_out = conv.conv_output_size(x.shape[3], size, stride)
    dout = rng.standard_normal((x.shape[0], x.shape[1], H_out, W_out)).astype(x.dtype)
    return _call(fn, dout, x, size, stride, label=label)


def _book_pools(fn: str, rng, count: int = 2):
    cases = []
    for _ in range(count):
        N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        H, W = 2 * int(rng.integers(1, 5)), 2 * int(rng.integers(1, 5))
        x = well_conditioned((N, C, H, W), rng)
        cases.append(_pool(fn, x, 2, 2, rng, f"x of shape {(N, C, H, W)}, 2x2 windows, stride 2"))
    return cases


def _other_pools(fn: str, rng, dtype=np.float64, count: int = 3):
    cases = []
    for c in pool_cases(rng, count=count):
        x = well_conditioned((c.N, c.C, c.H, c.W), rng).astype(dtype)
        tail = "" if dtype == np.float64 else f", {np.dtype(dtype).name}"
        cases.append(_pool(fn, x, c.size, c.stride, rng, f"x of shape {(c.N, c.C, c.H, c.W)}, "
                           f"{c.size}x{c.size} windows, stride {c.stride}{tail}"))
    return cases


def _mp_book(rng):
    return _book_pools("maxpool_forward", rng)


def _mp_other(rng):
    return _other_pools("maxpool_forward", rng)


def _mp_float32(rng):
    return _other_pools("maxpool_forward", rng, np.float32, count=1)


def _mpb_book(rng):
    return _book_pools("maxpool_backward", rng)


def _mpb_other(rng):
    return _other_pools("maxpool_backward", rng)


def _mpb_float32(rng):
    return _other_pools("maxpool_backward", rng, np.float32, count=1)


def _mpb_numerical(rng):
    return _book_pools("maxpool_backward", rng, count=1) + _other_pools("maxpool_backward", rng,
                                                                         count=1)


def _mpb_ties(rng):
    cases = []
    for size, stride in [(2, 2), (int(rng.integers(2, 4)), 1), (3, int(rng.integers(2, 4)))]:
        N, C = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        H, W = ((int(k) - 1) * stride + size for k in rng.integers(2, 5, size=2))
        x = tie_heavy((N, C, H, W), rng, levels=2)
        cases.append(_pool("maxpool_backward", x, size, stride, rng,
                           f"x of 0s and 1s of shape {(N, C, H, W)}, {size}x{size} "
                           f"windows, stride {stride} (many tied maxima)"))
    return cases


def _mpb_mnist(rng):
    """Three MNIST training images drawn for the student, pooled 2x2 as in the book: their
    blank background makes most windows tie at 0. Where MNIST is not read (nbgrader's
    sandboxed kernel) three synthetic digits with a blank background stand in."""
    n = 3
    skip = unreadable_here()
    if skip:
        x = np.zeros((n, 1, 28, 28))
        x[:, :, 6:22, 8:20] = rng.integers(0, 3, size=(n, 1, 16, 12)) / 2.0
        label = ("three synthetic 28x28 digits with a blank background (MNIST itself: " + skip
                 + ")")
    else:
        images, _ = training_subset(rng, n)
        x = images.reshape(n, 1, 28, 28)
        label = "three MNIST training images drawn for you (2x2 windows, stride 2)"
    dout = rng.standard_normal((n, 1, 14, 14))
    return [_call("maxpool_backward", dout, x, 2, 2, label=label)]


def _pool_cost(args: list):
    dout, x, size, stride = args

    def cost() -> float:
        return float(np.sum(dout * conv.maxpool_forward(x, size, stride)))

    return cost, {"dx": x}


def _compare_numerical_dx(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    shape_check = compare_value(got["ret"], exp["ret"], check=check, location="dx",
                                tolerance=None)
    if not shape_check.passed and shape_check.kind != "value":
        return shape_check
    cost, params = _pool_cost([_as64(a) for a in case.data["args"]])
    return check_gradient_numerically(lambda _: cost(), params["dx"],
                                      np.asarray(got["ret"], dtype=np.float64), check=check,
                                      location="dx")


# --- conv_parameter_count -----------------------------------------------------------------------


_BOOK_LAYERS = {"two 3x3x3 filters": (2, 3, 3, 3), "20 maps 5x5 on 1 channel": (20, 1, 5, 5),
                "40 maps 5x5 on 20 channels": (40, 20, 5, 5)}


def _count_book(rng):
    return [_call("conv_parameter_count", *shape, label=f"{name}: (F, C, KH, KW) = {shape}")
            for name, shape in _BOOK_LAYERS.items()]


def _count_random(rng):
    cases = []
    for _ in range(4):
        shape = tuple(int(v) for v in (rng.integers(1, 65), rng.integers(1, 33),
                                       rng.integers(1, 8), rng.integers(1, 8)))
        cases.append(_call("conv_parameter_count", *shape, label=f"(F, C, KH, KW) = {shape}"))
    return cases


# --- conv_pool_forward, conv_pool_backward (transfer) -------------------------------------------


def _cp_arrays(rng, pool_size: int, dtype=np.float64, blank: bool = False):
    N, C, F = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(1, 4))
    K = int(rng.integers(2, 4))
    H_conv, W_conv = pool_size * int(rng.integers(1, 4)), pool_size * int(rng.integers(1, 4))
    x = rng.standard_normal((N, C, H_conv + K - 1, W_conv + K - 1))
    if blank:  # a blank region: its conv outputs are exactly 0, so pooling windows tie there
        x[:, :, : x.shape[2] // 2 + K, :] = 0.0
    w = rng.standard_normal((F, C, K, K)) / K
    b = rng.standard_normal(F)
    dout = rng.standard_normal((N, F, H_conv // pool_size, W_conv // pool_size))
    return [a.astype(dtype) for a in (dout, x, w, b)]


def _cp(fn: str, rng, pool_size: int, pool: str, activation: str, dtype=np.float64,
        blank: bool = False, label: str = "") -> Case:
    dout, x, w, b = _cp_arrays(rng, pool_size, dtype, blank)
    text = (f"x of shape {x.shape}, w of shape {w.shape}, {pool_size}x{pool_size} {pool} "
            f"pooling, {activation}") + ("" if dtype == np.float64
                                         else f", {np.dtype(dtype).name}") + label
    args = [x, w, b, pool_size, pool, activation]
    return _call(fn, *([dout] if fn == "conv_pool_backward" else []), *args, label=text)


def _cpf_book(rng):
    return [_cp("conv_pool_forward", rng, 2, "max", "sigmoid") for _ in range(2)]


def _cpf_avg(rng):
    return [_cp("conv_pool_forward", rng, p, "avg", a) for p, a in [(2, "sigmoid"), (3, "relu")]]


def _cpf_relu(rng):
    return [_cp("conv_pool_forward", rng, p, "max", "relu") for p in (2, 3)]


def _cpf_float32(rng):
    return [_cp("conv_pool_forward", rng, 2, "max", "sigmoid", np.float32)]


def _cpb_book(rng):
    return [_cp("conv_pool_backward", rng, 2, "max", "sigmoid") for _ in range(2)]


def _cpb_avg_relu(rng):
    return [_cp("conv_pool_backward", rng, 2, "avg", "sigmoid"),
            _cp("conv_pool_backward", rng, 3, "max", "relu"),
            _cp("conv_pool_backward", rng, 2, "avg", "relu")]


def _cpb_numerical(rng):
    return [_cp("conv_pool_backward", rng, 2, "max", "sigmoid"),
            _cp("conv_pool_backward", rng, 2, "avg", "sigmoid")]


def _cpb_blank(rng):
    return [_cp("conv_pool_backward", rng, 2, "max", "sigmoid", blank=True,
                label=" (the top half of x is blank: its conv outputs tie at 0)")]


def _cpb_float32(rng):
    return [_cp("conv_pool_backward", rng, 2, "max", "sigmoid", np.float32)]


def _conv_pool_cost(args: list):
    dout, x, w, b, pool_size, pool, activation = args

    def cost() -> float:
        return float(np.sum(dout * conv_pool_forward(x, w, b, pool_size, pool, activation)))

    return cost, {"dx": x, "dw": w, "db": b}
