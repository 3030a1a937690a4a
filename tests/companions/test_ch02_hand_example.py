"""The hand computation of chapter 2's 2-2-2 example agrees with the notes and the library."""

from __future__ import annotations

import math

import pytest

from nndl_lib.companions import ch02_backprop_demo as bd
from nndl_lib.companions.ch02_hand_example import by_hand
from nndl_lib.reference_values import WORKED_EXAMPLE_222 as REF

TOL = 0.5e-9 + 1e-12  # the reference values are printed with 9 decimals
TOL_STEP = 0.5e-8 + 1e-12  # the weights after the step with 8


def test_forward_pass_by_hand_matches_the_reference_values():
    v = by_hand()
    for key in ("net_h1", "out_h1", "out_h2", "net_o1", "out_o1", "out_o2", "E_o1", "E_o2",
                "E_total"):
        assert v[key] == pytest.approx(REF[key], abs=TOL), key


def test_dE_dw5_is_the_product_of_three_factors_and_matches():
    v = by_hand()
    assert v["dE_dw5"] == pytest.approx(REF["dE_dw"][4], abs=TOL)
    assert v["dE_dw5"] == pytest.approx(
        v["dE_dout_o1"] * v["dout_o1_dnet_o1"] * v["dnet_o1_dw5"], rel=1e-15)
    assert v["dnet_o1_dw5"] == v["out_h1"]


def test_dE_dw1_collects_both_outputs_and_matches():
    v = by_hand()
    w5, w7 = REF["w"][4], REF["w"][6]
    assert v["dE_dout_h1"] == pytest.approx(v["delta_o1"] * w5 + v["delta_o2"] * w7, rel=1e-15)
    assert v["dE_dw1"] == pytest.approx(REF["dE_dw"][0], abs=TOL)
    assert v["w1_after"] == pytest.approx(REF["w_after_step"][0], abs=TOL_STEP)
    assert v["w5_after"] == pytest.approx(REF["w_after_step"][4], abs=TOL_STEP)


def test_hand_and_library_agree_to_rounding():
    v, live = by_hand(), bd.worked_example_results()
    assert math.isclose(v["dE_dw5"], live["dE_dw"][4], rel_tol=1e-12)
    assert math.isclose(v["dE_dw1"], live["dE_dw"][0], rel_tol=1e-12)
    assert math.isclose(v["E_total"], live["E_total"], rel_tol=1e-12)


def test_a_wrong_number_of_weights_is_refused():
    with pytest.raises(ValueError, match="8 weights"):
        by_hand({**REF, "w": (0.1, 0.2)})
