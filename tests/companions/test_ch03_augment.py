"""Rotations, shifts and elastic distortions of digits (nndl_lib.companions.ch03_augment)."""

from __future__ import annotations

import numpy as np
import pytest

from nndl_lib.companions import ch03_augment as au
from nndl_lib.data import SHIFT_ORDER, expand_by_shifts


@pytest.fixture
def x():
    return np.random.default_rng(0).random((5, 784))


def test_rotation_by_quarter_turn_is_numpy_rot90_anticlockwise(x):
    turned = au.rotate(x, 90).reshape(-1, 28, 28)
    assert np.allclose(turned, np.rot90(x.reshape(-1, 28, 28), k=1, axes=(1, 2)))


def test_rotation_by_zero_or_full_turn_changes_nothing(x):
    assert np.array_equal(au.rotate(x, 0), x)
    assert np.allclose(au.rotate(x, 360), x, atol=1e-12)


def test_rotation_takes_one_angle_per_image(x):
    angles = np.array([0, 90, 180, 270, 0])
    out = au.rotate(x, angles).reshape(-1, 28, 28)
    for i, a in enumerate(angles):
        assert np.allclose(out[i], np.rot90(x[i].reshape(28, 28), k=a // 90))


def test_small_rotation_of_a_centred_blob_keeps_its_mass():
    r, c = np.mgrid[0:28, 0:28]
    blob = np.exp(-((r - 13.5) ** 2 + (c - 13.5) ** 2) / 20.0).ravel()
    assert au.rotate(blob, 15).sum() == pytest.approx(blob.sum(), rel=1e-2)
    assert au.rotate(blob, 15).shape == (784,)


@pytest.mark.parametrize("k, d", [(1, (0, -1)), (2, (0, 1)), (3, (-1, 0)), (4, (1, 0))])
def test_whole_pixel_shifts_match_expand_by_shifts(x, k, d):
    shifted = expand_by_shifts(x, np.arange(len(x)))[0].reshape(len(x), 5, 784)[:, k]
    assert SHIFT_ORDER[k] in ("up", "down", "left", "right")
    assert np.array_equal(au.shift(x, *d), shifted)


def test_half_pixel_shift_averages_neighbours():
    img = np.zeros((28, 28))
    img[10, 10] = 1.0
    out = au.shift(img.ravel(), 0.5, 0).reshape(28, 28)
    assert out[10, 10] == pytest.approx(0.5) and out[10, 11] == pytest.approx(0.5)
    assert out.sum() == pytest.approx(1.0)


def test_gaussian_smooth_of_a_point_is_the_kernel_and_keeps_mass_inside():
    f = np.zeros((1, 28, 28))
    f[0, 14, 14] = 1.0
    g = au.gaussian_smooth(f, 2.0)
    k = au._gaussian_kernel(2.0)
    assert np.allclose(g[0, 14, 8:21], k * k[len(k) // 2])
    assert g.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sigma"):
        au.gaussian_smooth(f, 0)


def test_elastic_distortion_with_zero_strength_is_the_identity(x):
    assert np.array_equal(au.elastic_distortion(x, alpha=0.0, seed=1), x)


def test_elastic_distortion_is_reproducible_and_moves_pixels_a_little(x):
    a = au.elastic_distortion(x, seed=3)
    b = au.elastic_distortion(x, seed=3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, au.elastic_distortion(x, seed=4))
    assert a.shape == x.shape and a.min() >= 0.0 and a.max() <= 1.0
    # smooth fields: neighbouring pixels move by nearly the same amount, so a smooth image
    # stays close to itself (the displacement is a couple of pixels, not noise)
    r, c = np.mgrid[0:28, 0:28]
    blob = np.exp(-((r - 13.5) ** 2 + (c - 13.5) ** 2) / 30.0).ravel()
    moved = au.elastic_distortion(blob, seed=0)
    assert 0.0 < np.abs(moved - blob).max() < 0.6


def test_expand_training_data_keeps_originals_first_and_repeats_labels(x):
    y = np.arange(len(x))
    xe, ye = au.expand_training_data(x, y, copies=3, seed=0)
    assert xe.shape == (4 * len(x), 784) and ye.shape == (4 * len(x),)
    assert np.array_equal(xe[:len(x)], x)
    assert np.array_equal(ye, np.tile(y, 4))
    assert xe.min() >= 0.0 and xe.max() <= 1.0
    again, _ = au.expand_training_data(x, y, copies=3, seed=0)
    assert np.array_equal(xe, again)


def test_float32_images_stay_float32(x):
    x32 = x.astype(np.float32)
    assert au.rotate(x32, 10).dtype == np.float32
    assert au.expand_training_data(x32, np.zeros(len(x), int), 1, seed=0)[0].dtype == np.float32


def test_bad_input_is_refused_with_a_clear_message(x):
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        au.rotate(np.zeros((2, 100)), 10)
    with pytest.raises(ValueError, match="one label per image"):
        au.expand_training_data(x, np.arange(3))
    with pytest.raises(ValueError, match="copies"):
        au.expand_training_data(x, np.arange(len(x)), copies=-1)
    with pytest.raises(ValueError, match="alpha"):
        au.elastic_distortion(x, alpha=-1.0)
