"""Tests for nndl_lib.companions.ch02_epoch_timing (chapter 2's three ways to run an epoch)."""

from __future__ import annotations

import pytest
from helpers import labelled_data

from nndl_lib.companions.ch02_epoch_timing import EPOCH_METHODS, time_epoch


@pytest.mark.parametrize("method", EPOCH_METHODS)
def test_every_method_runs_an_epoch_and_returns_seconds(method):
    seconds = time_epoch([12, 5, 3], labelled_data(40, 12, 3, uniform=True), 10, method, repeats=2)
    assert 0 < seconds < 10


def test_unknown_method_and_bad_repeats_are_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        time_epoch([12, 5, 3], labelled_data(40, 12, 3, uniform=True), 10, "loop")
    with pytest.raises(ValueError, match="repeats"):
        time_epoch([12, 5, 3], labelled_data(40, 12, 3, uniform=True), 10, "fast", repeats=0)
