"""Tests of nndl_lib.deep.conv: fast kernels against naive twins, backward against finite
differences,
the chapter's worked examples, and the errors raised for bad input. All in float64.

Comparisons go through nndl_lib.grading.checks (its tolerance table and structured results), like
the
exercise graders.
"""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.deep import conv
from nndl_lib.grading import checks
from nndl_lib.grading.checks import (
    ConvCase,
    PoolCase,
    check_fast_matches_naive,
    check_gradient_numerically,
)
from nndl_lib.reference_values import EXERCISE_KEYS

CONV_H = 1e-2  # step for the (linear) convolution's check; pooling uses h = 1e-5

POOLS = {
    "max": (
        conv.maxpool_forward,
        conv.maxpool_backward,
        conv.maxpool_forward_naive,
        conv.maxpool_backward_naive,
    ),
    "avg": (
        conv.avgpool_forward,
        conv.avgpool_backward,
        conv.avgpool_forward_naive,
        conv.avgpool_backward_naive,
    ),
    "l2": (
        conv.l2pool_forward,
        conv.l2pool_backward,
        conv.l2pool_forward_naive,
        conv.l2pool_backward_naive,
    ),
}

CONV_CASES = [
    ConvCase(2, 1, 6, 6, 2, 3, 3, 1, 0),
    ConvCase(2, 3, 7, 7, 4, 3, 3, 2, 0),
    ConvCase(1, 2, 8, 7, 3, 3, 2, 1, 1),  # non-square kernel and image, pad 1
    ConvCase(2, 2, 9, 9, 3, 3, 3, 3, 0),  # stride 3
    ConvCase(1, 3, 5, 6, 2, 3, 4, 2, 2),  # non-square kernel, stride 2, pad 2
    ConvCase(2, 2, 5, 5, 2, 1, 1, 1, 0),  # 1x1 kernel
]
# plus random shapes with strides 1-3 and pads 0-2 (seeded)
RANDOM_CONV_CASES = checks.conv_cases(np.random.default_rng(2024), count=6)

POOL_CASES = [
    PoolCase(2, 3, 8, 8, 2, 2),
    PoolCase(1, 2, 9, 6, 3, 3),  # windows 3x3 tiling a non-square map
    PoolCase(2, 2, 7, 7, 3, 2),  # overlapping windows
    PoolCase(1, 2, 5, 4, 2, 1),  # stride 1
    PoolCase(1, 1, 8, 8, 2, 3),  # gaps between windows
]
RANDOM_POOL_CASES = checks.pool_cases(np.random.default_rng(2025), count=6)


def _ids(cases):
    return [c.label for c in cases]


def _conv_data(case: ConvCase, seed=0):
    x, w, b, dout = case.arrays(seed)
    return x, w, b, dout, case.stride, case.pad


# --- conv_output_size and the chapter's worked examples ---------------------------------------


def test_conv_output_size_reproduces_exercise_answers():
    for (n, k, stride, pad), expected in EXERCISE_KEYS["ch6_conv_output_size"].items():
        assert conv.conv_output_size(n, k, stride, pad) == expected


@pytest.mark.parametrize(
    "args, match",
    [
        ((5, 3, 3, 0), r"\(5 \+ 2\*0 - 3\)/3 \+ 1 = 1.66667 is not an integer"),
        ((28, 5, 2, 0), r"\(28 \+ 2\*0 - 5\)/2 \+ 1 = 12.5 is not an integer"),
        ((4, 7, 1, 1), r"k=7 is larger than the padded input .* = 6"),
        ((3, 3, 0, 0), r"stride must be an integer >= 1; got 0"),
    ],
)
def test_conv_output_size_raises_for_non_integer_or_nonpositive_sizes(args, match):
    with pytest.raises(ValueError, match=match):
        conv.conv_output_size(*args)


def test_conv_parameter_count_reproduces_exercise_answers_and_counts_each_filters_bias():
    shapes = {"two 3x3x3 filters": (2, 3, 3, 3), "20 maps 5x5 on 1 channel": (20, 1, 5, 5),
              "40 maps 5x5 on 20 channels": (40, 20, 5, 5)}
    for name, expected in EXERCISE_KEYS["ch6_parameter_counts"].items():
        assert conv.conv_parameter_count(*shapes[name]) == expected
    layer_w = np.zeros((7, 3, 2, 4))
    assert conv.conv_parameter_count(*layer_w.shape) == layer_w.size + 7
    with pytest.raises(ValueError, match="F must be an integer >= 1"):
        conv.conv_parameter_count(0, 1, 3, 3)


@pytest.mark.parametrize("forward", [conv.conv2d_forward, conv.conv2d_forward_naive])
def test_conv_worked_example_reproduced_with_stride_1_and_2(forward):
    example = EXERCISE_KEYS["ch6_conv_example"]
    x = np.array(example["image"], dtype=float)[None, None]
    w = np.array(example["filter"], dtype=float)[None, None]
    b = np.zeros(1)
    np.testing.assert_array_equal(forward(x, w, b, stride=1)[0, 0], np.array(example["stride1"]))
    np.testing.assert_array_equal(forward(x, w, b, stride=2)[0, 0], np.array(example["stride2"]))


# --- fast against naive ------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES + RANDOM_CONV_CASES,
                         ids=_ids(CONV_CASES + RANDOM_CONV_CASES))
def test_conv_fast_matches_naive_forward_and_backward_to_1e10(case):
    x, w, b, dout, stride, pad = _conv_data(case)
    forward = check_fast_matches_naive(conv.conv2d_forward, conv.conv2d_forward_naive,
                                       (x, w, b, stride, pad), check="conv2d_forward")
    assert forward, forward.message
    backward = check_fast_matches_naive(conv.conv2d_backward, conv.conv2d_backward_naive,
                                        (dout, x, w, stride, pad), check="conv2d_backward")
    assert backward, backward.message
    grads = conv.conv2d_backward(dout, x, w, stride, pad)
    assert [g.shape for g in grads] == [x.shape, w.shape, b.shape]


POOL_INPUTS = {"normal": lambda shape, seed: np.random.default_rng(seed).standard_normal(shape),
               "tie-heavy": lambda shape, seed: checks.tie_heavy(shape, seed, levels=2)}


@pytest.mark.parametrize("inputs", sorted(POOL_INPUTS))
@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("case", POOL_CASES + RANDOM_POOL_CASES,
                         ids=_ids(POOL_CASES + RANDOM_POOL_CASES))
def test_pool_fast_matches_naive_forward_and_backward_to_1e10(kind, case, inputs):
    forward, backward, forward_naive, backward_naive = POOLS[kind]
    x = POOL_INPUTS[inputs]((case.N, case.C, case.H, case.W), 1)
    result = check_fast_matches_naive(forward, forward_naive, (x, case.size, case.stride),
                                      check=f"{kind}pool_forward")
    assert result, result.message
    dout = np.random.default_rng(2).standard_normal(case.out_shape)
    result = check_fast_matches_naive(backward, backward_naive,
                                      (dout, x, case.size, case.stride),
                                      check=f"{kind}pool_backward")
    assert result, result.message


# --- backward against centred finite differences --------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES[:5] + RANDOM_CONV_CASES[:3],
                         ids=_ids(CONV_CASES[:5] + RANDOM_CONV_CASES[:3]))
def test_conv_backward_matches_numerical_gradient_with_stride_and_padding(case):
    x, w, b, dout, stride, pad = _conv_data(case, seed=2)

    def cost(*_):  # C = sum(dout * z), so dC/dz = dout
        return float(np.sum(conv.conv2d_forward(x, w, b, stride, pad) * dout))

    # C is linear in each of x, w, b, so centred differences are exact for any h (no truncation
    # error); h = CONV_H only shrinks the rounding error, which h = 1e-5 amplifies to ~1e-7
    # relative on entries whose sums nearly cancel.
    dx, dw, db = conv.conv2d_backward(dout, x, w, stride, pad)
    for name, param, grad in (("dx", x, dx), ("dw", w, dw), ("db", b, db)):
        result = check_gradient_numerically(cost, param, grad, h=CONV_H, kind="gradient_linear",
                                            check=f"conv2d_backward {case.label}", location=name)
        assert result, result.message


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("case", POOL_CASES, ids=_ids(POOL_CASES))
def test_pool_backward_matches_numerical_gradient(kind, case):
    forward, backward, _, _ = POOLS[kind]
    x = checks.well_conditioned((case.N, case.C, case.H, case.W), 3)
    # dout > 0: an entry shared by overlapping windows sums terms of one sign (no cancellation)
    dout = checks.well_conditioned(case.out_shape, 4, signed=False)

    def cost(*_):
        return float(np.sum(forward(x, case.size, case.stride) * dout))

    result = check_gradient_numerically(cost, x, backward(dout, x, case.size, case.stride),
                                        check=f"{kind}pool_backward {case.label}", location="dx")
    assert result, result.message


@pytest.mark.parametrize("naive", [False, True], ids=["fast", "naive"])
def test_maxpool_backward_sends_gradient_to_first_maximum_in_row_major_order(naive):
    backward = conv.maxpool_backward_naive if naive else conv.maxpool_backward
    forward = conv.maxpool_forward_naive if naive else conv.maxpool_forward
    # fmt: off
    image = np.array([
        [1.0, 3.0, 2.0, 2.0],
        [3.0, 3.0, 2.0, 2.0],
        [0.0, 0.0, 5.0, 1.0],
        [0.0, 0.0, 5.0, 5.0],
    ])
    # window (0,0): 3 at (0,1) and (1,0), (1,1) -> (0,1); window (0,1): all 2 -> (0,2);
    # window (1,0): all 0 -> (2,0); window (1,1): 5 at (2,2), (3,2), (3,3) -> (2,2)
    expected = np.array([
        [0.0, 10.0, 20.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [30.0, 0.0, 40.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ])
    # fmt: on
    x = image[None, None]
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])[None, None]
    np.testing.assert_array_equal(forward(x)[0, 0], [[3.0, 2.0], [0.0, 5.0]])
    np.testing.assert_array_equal(backward(dout, x)[0, 0], expected)


@pytest.mark.parametrize("naive", [False, True], ids=["fast", "naive"])
def test_maxpool_backward_tie_rule_with_overlapping_windows(naive):
    backward = conv.maxpool_backward_naive if naive else conv.maxpool_backward
    x = np.ones((1, 1, 3, 3))  # every entry ties; 2x2 windows with stride 1
    dx = backward(np.ones((1, 1, 2, 2)), x, size=2, stride=1)
    expected = np.zeros((3, 3))
    expected[0, 0] = expected[0, 1] = expected[1, 0] = expected[1, 1] = 1.0  # top-left of each
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_l2pool_backward_is_zero_on_all_zero_windows():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, :, 2:] = [[3.0, 0.0], [0.0, 4.0]]
    assert conv.l2pool_forward(x)[0, 0].tolist() == [[0.0, 5.0]]
    for backward in (conv.l2pool_backward, conv.l2pool_backward_naive):
        dx = backward(np.ones((1, 1, 1, 2)), x)
        np.testing.assert_allclose(dx[0, 0], [[0.0, 0.0, 0.6, 0.0], [0.0, 0.0, 0.0, 0.8]])


# --- memory layout ----------------------------------------------------------------------------


def test_fast_kernels_give_identical_numbers_for_c_order_and_batch_last_inputs():
    """The fast kernels return batch-last views; feeding those (or C-order copies) on must not
    change a single number, e.g. conv -> pool -> conv and back as in a network."""
    x, w, b, _, _, _ = _conv_data(ConvCase(3, 2, 10, 10, 4, 3, 3, 1, 0))
    w2 = np.random.default_rng(5).standard_normal((3, 4, 2, 2))
    for kind in sorted(POOLS):
        forward, backward, _, _ = POOLS[kind]
        results = []
        for layout in (np.asarray, np.ascontiguousarray):
            z = layout(conv.conv2d_forward(x, w, b))  # (3, 4, 8, 8)
            a = layout(forward(z))  # (3, 4, 4, 4)
            z2 = layout(conv.conv2d_forward(a, w2, np.zeros(3), stride=2))  # (3, 3, 2, 2)
            da, dw2, _ = conv.conv2d_backward(layout(np.ones_like(z2)), a, w2, stride=2)
            dz = layout(backward(layout(da), z))
            dx, dw, db = conv.conv2d_backward(dz, x, w)
            results.append((z, a, z2, da, dw2, dz, dx, dw, db))
        assert not results[0][0].flags.c_contiguous  # the batch-last view is really exercised
        for r_view, r_copy in zip(*results, strict=True):
            np.testing.assert_array_equal(r_view, r_copy)


def test_fast_conv_gives_same_results_when_called_from_several_threads_at_once():
    """The fast kernels reuse per-thread scratch buffers; concurrent calls must not share them."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [_conv_data(case, seed=k) for k, case in enumerate(CONV_CASES)]

    def run(case):
        x, w, b, dout, stride, pad = case
        return conv.conv2d_forward(x, w, b, stride, pad), *conv.conv2d_backward(
            dout, x, w, stride, pad
        )

    expected = [run(case) for case in cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, cases * 4))
    for k, result in enumerate(results):
        for got, want in zip(result, expected[k % len(cases)], strict=True):
            np.testing.assert_array_equal(got, want)


# --- dtypes ----------------------------------------------------------------------------------


def test_float32_inputs_give_float32_outputs_and_gradients():
    x, w, b, dout, stride, pad = _conv_data(CONV_CASES[0])
    x, w, b, dout = (a.astype(np.float32) for a in (x, w, b, dout))
    assert conv.conv2d_forward(x, w, b, stride, pad).dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv.conv2d_backward(dout, x, w, stride, pad))
    for forward, backward, _, _ in POOLS.values():
        out = forward(x)
        assert out.dtype == np.float32
        assert backward(out, x).dtype == np.float32


@pytest.mark.parametrize("wide", ["x", "w", "dout"])
def test_fast_conv_gives_the_naive_dtype_for_mixed_float32_and_float64_inputs(wide):
    x, w, b, dout, stride, pad = _conv_data(CONV_CASES[2])
    arrays = {"x": x, "w": w, "dout": dout}
    arrays = {k: a if k == wide else a.astype(np.float32) for k, a in arrays.items()}
    x, w, dout = arrays["x"], arrays["w"], arrays["dout"]
    b = b.astype(w.dtype)
    assert (conv.conv2d_forward(x, w, b, stride, pad).dtype
            == conv.conv2d_forward_naive(x, w, b, stride, pad).dtype)
    fast = conv.conv2d_backward(dout, x, w, stride, pad)
    naive = conv.conv2d_backward_naive(dout, x, w, stride, pad)
    assert [g.dtype for g in fast] == [g.dtype for g in naive] == [np.float64] * 3
    result = checks.check_against_reference(fast, naive, kind="fast_vs_naive",
                                            tolerance=checks.tolerance_for("fast_vs_naive",
                                                                           np.float32))
    assert result, result.message


# --- bad input -------------------------------------------------------------------------------


def test_conv_rejects_mismatched_channels_naming_both_shapes():
    x, w, b = np.zeros((1, 3, 6, 6)), np.zeros((2, 2, 3, 3)), np.zeros(2)
    for call in (
        lambda: conv.conv2d_forward(x, w, b),
        lambda: conv.conv2d_forward_naive(x, w, b),
        lambda: conv.conv2d_backward(np.zeros((1, 2, 4, 4)), x, w),
    ):
        with pytest.raises(ValueError, match=r"\(1, 3, 6, 6\).*\(2, 2, 3, 3\)"):
            call()


def test_conv_rejects_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.conv2d_forward(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 7, 7)), np.zeros(1), pad=1)


def test_conv_rejects_non_integer_output_size():
    with pytest.raises(ValueError, match="not an integer"):
        conv.conv2d_forward(np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 3, 3)), np.zeros(1), stride=2)


@pytest.mark.parametrize(
    "x_shape, w_shape, match",
    [
        ((3, 6, 6), (1, 3, 3, 3), r"x must have shape \(N, C, H, W\).*\(3, 6, 6\)"),
        ((1, 3, 6, 6), (3, 3, 3), r"w must have shape \(F, C, KH, KW\).*\(3, 3, 3\)"),
    ],
)
def test_conv_rejects_wrong_ndim(x_shape, w_shape, match):
    with pytest.raises(ValueError, match=match):
        conv.conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(1))


@pytest.mark.parametrize("b_shape", [(3,), (2, 1), ()])
def test_conv_rejects_bias_of_wrong_shape(b_shape):
    with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(2,\)"):
        conv.conv2d_forward(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(b_shape))


def test_backward_rejects_dout_of_wrong_shape():
    x, w = np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3))
    with pytest.raises(ValueError, match=r"\(1, 2, 3, 3\).*\(1, 2, 2, 2\)"):
        conv.conv2d_backward(np.zeros((1, 2, 2, 2)), x, w)
    with pytest.raises(ValueError, match=r"\(1, 1, 2, 2\).*\(1, 1, 3, 3\)"):
        conv.maxpool_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)))


@pytest.mark.parametrize("kind", sorted(POOLS))
def test_pool_rejects_windows_that_do_not_tile_the_input(kind):
    forward, _, forward_naive, _ = POOLS[kind]
    for f in (forward, forward_naive):
        with pytest.raises(ValueError, match=r"must tile x of shape \(1, 1, 5, 5\)"):
            f(np.zeros((1, 1, 5, 5)), 2, 2)
        with pytest.raises(ValueError, match=r"x must have shape \(N, C, H, W\)"):
            f(np.zeros((5, 5)), 2, 2)
