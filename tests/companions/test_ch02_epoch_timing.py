"""Tests for nndl_lib.companions.ch02_epoch_timing (chapter 2's three ways to run an epoch)."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.companions.ch02_epoch_timing import EPOCH_METHODS, time_epoch


def _data(n=40, n_in=12, k=3):
    rng = np.random.default_rng(0)
    return rng.random((n, n_in)), rng.integers(0, k, n)


@pytest.mark.parametrize("method", EPOCH_METHODS)
def test_every_method_runs_an_epoch_and_returns_seconds(method):
    seconds = time_epoch([12, 5, 3], _data(), 10, method, repeats=2)
    assert 0 < seconds < 10


def test_unknown_method_and_bad_repeats_are_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        time_epoch([12, 5, 3], _data(), 10, "loop")
    with pytest.raises(ValueError, match="repeats"):
        time_epoch([12, 5, 3], _data(), 10, "fast", repeats=0)
