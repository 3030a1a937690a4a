"""The shared input checks (nndl_lib.validate) and the one model file format (nndl_lib.persist)."""

import json

import numpy as np
import pytest

from nndl_lib import persist
from nndl_lib.validate import (
    as_batch,
    as_labels,
    as_rng,
    as_targets,
    check_probability,
    check_rng,
)


def test_as_batch_accepts_flat_or_shaped_input_and_names_the_expected_shape():
    x = np.arange(2 * 16).reshape(2, 16)
    images = as_batch(x, (1, 4, 4), np.float32, "x")
    assert images.shape == (2, 1, 4, 4) and images.dtype == np.float32
    assert images.flags.c_contiguous
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 4, 4\) or \(N, 16\); got"):
        as_batch(np.zeros((2, 15)), (1, 4, 4), np.float32)
    with pytest.raises(TypeError, match="numeric"):
        as_batch(np.array([["a"]]), (1,), np.float64)
    with pytest.raises(ValueError, match="NaN or infinite"):
        as_batch(np.array([[np.inf]]), (1,), np.float64)


def test_labels_and_targets_from_ints_floats_or_one_hot():
    np.testing.assert_array_equal(as_labels(np.array([2.0, 0.0]), 2, 3), [2, 0])
    np.testing.assert_array_equal(as_labels(np.eye(3)[[1, 2]], 2, 3), [1, 2])
    np.testing.assert_array_equal(as_targets([1, 0], 2, 2, np.float64), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        as_labels(np.array([3]), 1, 3)
    with pytest.raises(ValueError, match="labels must be integers"):
        as_labels(np.array([0.5]), 1, 3)


def test_small_checks_say_what_they_expected():
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\); got 1"):
        check_probability(1, "p")
    with pytest.raises(TypeError, match="seed must be an int"):
        as_rng("seven")
    with pytest.raises(TypeError, match="rng must be an int"):
        as_rng(1.5, "rng")
    rng = np.random.default_rng(0)
    assert as_rng(rng) is rng and check_rng(rng) is rng
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator \(e.g."):
        check_rng(0)


def test_model_file_round_trip_keeps_config_and_dtypes(tmp_path):
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(2)]
    persist.save_model(tmp_path / "m", "Toy", {"sizes": [3, 2]}, arrays)
    config, loaded = persist.load_model(tmp_path / "m", "Toy")
    assert config == {"sizes": [3, 2]}
    for a, b in zip(arrays, loaded, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    persist.save_model(path, "Toy", {"v": 1}, [np.zeros(2)])
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        persist.save_model(path, "Toy", {"v": 2}, [np.ones(2)])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_load_refuses_other_formats_kinds_and_newer_versions(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, meta=np.array(json.dumps({"format": "something else"})))
    with pytest.raises(ValueError, match="format is 'something else'"):
        persist.load_model(path, "Toy")
    np.savez(path, meta=np.array(json.dumps({"format": persist.FORMAT, "version": 99,
                                             "kind": "Toy", "config": {}, "n_arrays": 0})))
    with pytest.raises(ValueError, match="written by a newer nndl_lib"):
        persist.load_model(path, "Toy")
