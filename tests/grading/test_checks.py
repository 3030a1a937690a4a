"""Tests of nndl_lib.grading.checks: the comparisons explain what is wrong and where, the tolerance
table
is the one place tolerances live, and the case generators produce what they promise."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.deep import conv
from nndl_lib.grading import checks
from nndl_lib.grading.checks import (
    TOLERANCES,
    CheckResult,
    Tolerance,
    check_against_reference,
    check_fast_matches_naive,
    check_gradient_numerically,
    tolerance_for,
)

# --- the tolerance table -----------------------------------------------------------------------


def test_tolerance_table_picks_the_row_by_dtype():
    assert tolerance_for("reference", np.float64) is TOLERANCES[("reference", "float64")]
    assert tolerance_for("reference", np.float32) is TOLERANCES[("reference", "float32")]
    assert tolerance_for("reference", np.int64) is TOLERANCES[("reference", "float64")]
    assert tolerance_for("reference", np.float32).rtol > tolerance_for("reference").rtol


def test_tolerance_for_unknown_kind_or_float32_gradient_says_what_exists():
    with pytest.raises(ValueError, match="kinds: .*reference"):
        tolerance_for("nonsense")
    with pytest.raises(ValueError, match="numerical gradients need float64"):
        tolerance_for("gradient", np.float32)


def test_tolerance_rule_is_atol_plus_rtol_times_expected():
    tol = Tolerance(rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(tol.allowed(np.array([0.0, 10.0])), [1e-6, 1e-2 + 1e-6])


# --- check_against_reference ----------------------------------------------------------------


def test_equal_arrays_pass_and_report_the_largest_error():
    r = check_against_reference(np.array([1.0, 2.0 + 1e-12]), np.array([1.0, 2.0]))
    assert r and r.passed and r.kind == "ok"
    assert r.index == (1,) and r.error == pytest.approx(1e-12, rel=1e-3)


def test_value_failure_names_the_worst_index_expected_got_error_and_tolerance():
    expected = np.arange(12.0).reshape(3, 4)
    got = expected.copy()
    got[1, 2] += 0.5
    got[2, 3] += 1e-3
    r = check_against_reference(got, expected, check="feedforward", location="a")
    assert not r and r.kind == "value"
    assert r.index == (1, 2) and r.location == "a"
    assert r.expected == 6.0 and r.got == 6.5 and r.error == pytest.approx(0.5)
    assert r.allowed == pytest.approx(1e-10 + 1e-7 * 6.0)
    assert r.count == 2 and r.size == 12
    assert r.message.startswith("feedforward: a[1, 2]: expected 6, got 6.5, error 0.5")
    assert "2 of 12 entries differ" in r.message


def test_nested_outputs_locate_the_failing_list_item():
    expected = ([np.zeros(2), np.zeros(3)], [np.ones((3, 2)), np.ones((1, 3))])
    got = ([np.zeros(2), np.zeros(3)], [np.ones((3, 2)), np.array([[1.0, 1.0, 4.0]])])
    r = check_against_reference(got, expected, location="grads")
    assert not r and r.location == "grads[1][1]" and r.index == (0, 2)
    assert "grads[1][1][0, 2]: expected 1, got 4" in r.message


def test_structure_shape_and_type_failures_are_explained():
    r = check_against_reference([np.zeros(2)], [np.zeros(2), np.zeros(3)], location="nabla_b")
    assert r.kind == "type" and "should have 2 items; got 1" in r.message
    r = check_against_reference(np.zeros((3, 2)), np.zeros((2, 3)))
    assert r.kind == "shape" and "(transposed?)" in r.message
    r = check_against_reference(np.zeros(6), np.zeros((2, 3)))
    assert r.kind == "shape" and "another shape" in r.message
    r = check_against_reference("0.5", 0.5)
    assert r.kind == "type" and "got a str" in r.message
    r = check_against_reference(None, np.zeros(2))
    assert r.kind == "type" and "got a NoneType" in r.message


def test_nan_where_a_finite_value_is_expected_is_a_non_finite_failure():
    r = check_against_reference(np.array([0.5, np.nan, np.inf]), np.array([0.5, 1.0, 1.0]))
    assert r.kind == "non-finite" and r.index == (1,)
    assert "2 of 3 entries are nan or inf" in r.message
    # nan expected and nan received agree
    assert check_against_reference(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))


def test_integers_must_match_exactly_and_dtype_is_checked_on_request():
    assert not check_against_reference(np.array([1, 2]), np.array([1, 3]))
    assert check_against_reference(np.array([1.0, 2.0]), np.array([1, 2]))  # values agree
    r = check_against_reference(np.zeros(2, np.float32), np.zeros(2), check_dtype=True)
    assert r.kind == "dtype" and "float64" in r.message and "float32" in r.message
    assert check_against_reference(np.zeros(2, np.float32), np.zeros(2))


def test_float32_outputs_are_compared_with_the_float32_row():
    expected = np.float32([1.0, 2.0])
    got = expected * np.float32(1 + 1e-5)
    assert check_against_reference(got, expected)
    assert not check_against_reference(got.astype(np.float64), expected.astype(np.float64))


def test_an_object_that_claims_equality_does_not_pass():
    class Liar:
        def __eq__(self, other):
            return True

    r = check_against_reference(Liar(), np.ones(3))
    assert not r and r.kind == "type"


def test_raise_if_failed_raises_with_the_message():
    r = check_against_reference(np.array([2.0]), np.array([1.0]), check="sigmoid")
    with pytest.raises(AssertionError, match=r"sigmoid: output\[0\]: expected 1, got 2"):
        r.raise_if_failed()
    ok = check_against_reference(np.array([1.0]), np.array([1.0]))
    assert ok.raise_if_failed() is ok
    assert isinstance(ok, CheckResult) and str(ok) == ok.message


# --- check_gradient_numerically ----------------------------------------------------------------


def test_gradient_check_passes_for_the_right_gradient_and_restores_x():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    r = check_gradient_numerically(lambda v: float(np.sum(np.sin(v) * v)), x,
                                   np.cos(x) * x + np.sin(x))
    assert r, r.message
    assert np.array_equal(x, before)


def test_gradient_check_fails_naming_numerical_and_analytic_values():
    x = np.array([0.5, -1.0, 2.0])
    wrong = 3 * x**2
    wrong[2] *= -1
    r = check_gradient_numerically(lambda v: float(np.sum(v**3)), x, wrong, check="dC/dx")
    assert not r and r.index == (2,)
    assert "dC/dx: gradient[2]: numerical 12, analytic -12" in r.message


def test_gradient_check_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        check_gradient_numerically(lambda v: 0.0, np.zeros(2, np.float32), np.zeros(2))


# --- check_fast_matches_naive ------------------------------------------------------------------


def test_fast_vs_naive_passes_for_twins_and_fails_for_a_wrong_fast_kernel():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    args = (x, 2, 2)
    assert check_fast_matches_naive(conv.maxpool_forward, conv.maxpool_forward_naive, args)
    r = check_fast_matches_naive(conv.avgpool_forward, conv.maxpool_forward_naive, args,
                                 check="maxpool")
    assert not r and r.kind == "value" and r.message.startswith("maxpool: ")


def test_fast_vs_naive_fails_when_a_kernel_changes_its_input():
    def mutating(x):
        x *= 2
        return x

    r = check_fast_matches_naive(mutating, lambda x: 2 * x, (np.ones(3),))
    assert not r and r.kind == "mutated" and "changed its input argument 0" in r.message


def test_fast_vs_naive_checks_the_dtype():
    r = check_fast_matches_naive(lambda x: x.astype(np.float32), lambda x: x, (np.ones(2),))
    assert not r and r.kind == "dtype"


# --- case generators ---------------------------------------------------------------------------


def test_fc_case_has_the_library_shapes_and_dtype():
    case = checks.fc_case(0, sizes=(4, 3, 2), n=5, dtype=np.float32)
    assert case.x.shape == (5, 4) and case.y.shape == (5, 2)
    assert [w.shape for w in case.weights] == [(3, 4), (2, 3)]
    assert [b.shape for b in case.biases] == [(3,), (2,)]
    assert all(a.dtype == np.float32 for a in (case.x, case.y, *case.weights, *case.biases))
    np.testing.assert_array_equal(case.y.sum(axis=1), 1.0)  # one-hot rows
    assert "network [4, 3, 2], N = 5, float32" == case.label


def test_fc_cases_cover_one_example_no_hidden_layer_and_deep_nets_with_dtypes():
    cases = checks.fc_cases(np.random.default_rng(3), count=6, dtypes=(np.float64, np.float32))
    assert cases[0].x.shape[0] == 1
    assert len(cases[1].sizes) == 2 and len(cases[2].sizes) == 5
    assert {c.x.dtype for c in cases} == {np.dtype(np.float64), np.dtype(np.float32)}
    again = checks.fc_cases(np.random.default_rng(3), count=6, dtypes=(np.float64, np.float32))
    assert all(np.array_equal(a.x, b.x) for a, b in zip(cases, again, strict=True))


def test_saturated_case_puts_most_weighted_inputs_in_the_tails():
    case = checks.fc_case(1, sizes=(30, 20, 10), n=50, saturated=True)
    z = case.x @ case.weights[0].T + case.biases[0]
    assert np.mean(np.abs(z) > 5) > 0.7
    z = checks.saturated(2, (4, 5))
    assert np.all(np.abs(z) >= 20) and z.min() == -1000 and z.max() == 1000


def test_well_conditioned_entries_are_distinct_and_away_from_zero():
    x = checks.well_conditioned((3, 4, 5), 0)
    assert len(np.unique(np.abs(x))) == x.size and np.abs(x).min() >= 0.5


def test_tie_heavy_inputs_hold_ties_in_pooling_windows():
    x = checks.tie_heavy((2, 2, 6, 6), 0, levels=2)
    windows = x.reshape(2, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4)
    ties = np.sum(windows == windows.max(axis=1, keepdims=True), axis=1) > 1
    assert ties.mean() > 0.5


def test_conv_and_pool_cases_are_valid_for_the_kernels():
    for case in checks.conv_cases(0, count=20):
        x, w, b, dout = case.arrays(1)
        assert conv.conv2d_forward(x, w, b, case.stride, case.pad).shape == case.out_shape
        assert dout.shape == case.out_shape
    strides = set()
    for case in checks.pool_cases(0, count=20):
        x = np.zeros((case.N, case.C, case.H, case.W))
        assert conv.maxpool_forward(x, case.size, case.stride).shape == case.out_shape
        strides.add((case.stride > case.size) - (case.stride < case.size))
    assert strides == {-1, 0, 1}  # overlapping, tiling and gapped windows all occur


def test_batchnorm_and_dropout_cases():
    x, gamma, beta, dout = checks.batchnorm_case(0, N=5, D=3)
    assert x.shape == dout.shape == (5, 3) and gamma.shape == beta.shape == (3,)
    x, mask, p = checks.dropout_case(0, shape=(200, 50), p=0.3)
    assert set(np.unique(mask)) <= {0.0, 1.0} and mask.shape == x.shape
    assert abs((1 - mask.mean()) - 0.3) < 0.02


def test_generators_reject_a_non_generator_rng():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        checks.fc_case("seed")
