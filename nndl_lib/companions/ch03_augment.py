"""Artificially expanded training data (chapter 3): small rotations, shifts and elastic
distortions of digit images, each a new training example with the old label.

Every transform moves pixels and resamples the image: the value of output pixel (r, c) is read
from the input at a source point (r', c') by bilinear interpolation, and a source point outside
the image reads 0 (blank paper). They differ only in the source point:

- ``rotate``: (r', c') is (r, c) turned by -angle about the image centre, so the content turns by
  +angle (anticlockwise as drawn, with row 0 at the top);
- ``shift``: (r', c') = (r - dy, c - dx), so the content moves dx pixels right and dy down;
- ``elastic_distortion`` (Simard, Steinkraus and Platt, 2003):
  (r', c') = (r + alpha gy, c + alpha gx), where gx, gy are fields of independent uniform(-1, 1)
  numbers smoothed by a Gaussian of width ``sigma`` pixels: neighbouring pixels move together,
  like the wobble of a hand.

Images are rows, as everywhere in the library: x is ``(N, H*W)`` (MNIST: ``(N, 784)``) with values
in [0, 1]; a single image ``(H*W,)`` is accepted too. Nothing is changed in place; the result has
x's shape and float dtype. Randomness comes from a seed or a ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nndl_lib.validate import as_rng, check_int, check_positive

__all__ = [
    "IMAGE_SHAPE",
    "warp",
    "rotate",
    "shift",
    "gaussian_smooth",
    "elastic_distortion",
    "expand_training_data",
]

#: Height and width of an MNIST digit.
IMAGE_SHAPE = (28, 28)


def _as_images(x: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, bool]:
    """x (N, H*W) or (H*W,) -> float images (N, H, W) and whether x was a single row."""
    x = np.asarray(x)
    h, w = shape
    single = x.ndim == 1
    if x.ndim not in (1, 2) or x.shape[-1] != h * w:
        raise ValueError(f"x must be images as rows, shape (N, {h * w}) or ({h * w},), for "
                         f"{h}x{w} images; got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x.reshape(-1, h, w), single


def _back(images: np.ndarray, single: bool) -> np.ndarray:
    out = images.reshape(images.shape[0], -1)
    return out[0] if single else out


def warp(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear resampling: ``out[n, r, c] = images[n]`` read at the point (rows, cols)[n, r, c].

    images: (N, H, W); rows, cols: source coordinates, (N, H, W) or broadcastable to it (in
    pixels, 0 at the centre of the top-left pixel). A point outside the image reads 0: each of
    the four neighbours that lies outside contributes 0.
    """
    n, h, w = images.shape
    rows = np.broadcast_to(rows, (n, h, w))
    cols = np.broadcast_to(cols, (n, h, w))
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0  # weights of the lower-right neighbours
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    flat = images.reshape(n, h * w)
    batch = np.arange(n)[:, None, None]
    out = np.zeros(images.shape, dtype=images.dtype)
    for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                           (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        r, c = r0 + dr, c0 + dc
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        values = flat[batch, np.where(inside, r * w + c, 0)]
        out += np.where(inside, weight * values, 0.0).astype(images.dtype)
    return out


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                       indexing="ij")


def rotate(x: np.ndarray, degrees: float | Sequence[float] | np.ndarray, *,
           image_shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Each image turned by ``degrees`` about its centre (anticlockwise as drawn for > 0).

    x: (N, H*W) or (H*W,); degrees: one angle for all images or one per image, (N,).
    Corners that come from outside the image are blank (0).
    """
    images, single = _as_images(x, image_shape)
    n, h, w = images.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (n,)))
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    r, c = _grid(h, w)
    cr, cc = (h - 1) / 2, (w - 1) / 2
    dr, dc = r - cr, c - cc
    # Rows grow downwards, so an anticlockwise turn on screen moves (dr, dc) to
    # (dr cos - dc sin, dc cos + dr sin); the pixel landing on (r, c) comes from the inverse turn.
    rows = cr + dr * cos + dc * sin
    cols = cc + dc * cos - dr * sin
    return _back(warp(images, rows, cols), single)


def shift(x: np.ndarray, dx: float, dy: float, *,
          image_shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Each image moved ``dx`` pixels right and ``dy`` pixels down (negative: left, up).

    Whole-pixel shifts give exactly :func:`nndl_lib.data.expand_by_shifts`' images; fractional
    ones interpolate. The uncovered border is blank (0).
    """
    images, single = _as_images(x, image_shape)
    r, c = _grid(*images.shape[1:])
    return _back(warp(images, r - dy, c - dx), single)


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3 * sigma)))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def gaussian_smooth(fields: np.ndarray, sigma: float) -> np.ndarray:
    """Each 2-D field of ``fields`` (N, H, W) convolved with a Gaussian of standard deviation
    ``sigma`` pixels (zero padding outside the field). Returns (N, H, W).

    The convolution is separable: with G_h the (H, H) matrix whose row i holds the kernel centred
    on i, each field f becomes G_h f G_w^T.
    """
    sigma = check_positive(sigma, "sigma (pixels)")
    fields = np.asarray(fields, dtype=np.float64)
    k = _gaussian_kernel(float(sigma))
    radius = len(k) // 2

    def band(n: int) -> np.ndarray:  # G[i, j] = k[j - i + radius] where that index exists
        offset = np.arange(n)[None, :] - np.arange(n)[:, None] + radius
        return np.where((offset >= 0) & (offset < len(k)), k[np.clip(offset, 0, len(k) - 1)], 0.0)

    _, h, w = fields.shape
    return band(h) @ fields @ band(w).T


def elastic_distortion(x: np.ndarray, alpha: float = 34.0, sigma: float = 4.0, *,
                       seed: int | np.random.Generator | None = None,
                       image_shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Each image elastically distorted (Simard, Steinkraus and Platt, 2003).

    A displacement field of independent uniform(-1, 1) numbers per pixel and direction is
    smoothed by a Gaussian of width ``sigma`` pixels and scaled by ``alpha``; each output pixel
    reads the input at its own position plus that displacement. Small ``sigma`` gives noise-like
    scrambling, large ``sigma`` an almost uniform shift; sigma = 4, alpha = 34 are the paper's
    values for MNIST. alpha = 0 returns the images unchanged. seed: int, Generator or None.
    """
    images, single = _as_images(x, image_shape)
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a non-negative number (pixels); got {alpha!r}")
    rng = as_rng(seed)
    n, h, w = images.shape
    gy = gaussian_smooth(rng.uniform(-1.0, 1.0, size=(n, h, w)), sigma)
    gx = gaussian_smooth(rng.uniform(-1.0, 1.0, size=(n, h, w)), sigma)
    r, c = _grid(h, w)
    return _back(warp(images, r + alpha * gy, c + alpha * gx), single)


def expand_training_data(
    x: np.ndarray,
    y: np.ndarray,
    copies: int = 4,
    *,
    max_degrees: float = 10.0,
    max_shift: float = 1.0,
    elastic: tuple[float, float] | None = (34.0, 4.0),
    seed: int | np.random.Generator | None = None,
    image_shape: tuple[int, int] = IMAGE_SHAPE,
) -> tuple[np.ndarray, np.ndarray]:
    """The originals followed by ``copies`` randomly transformed versions of each.

    x: (N, H*W), y: (N,) -> x (N (1 + copies), H*W), y repeated alike. Rows 0..N-1 are the
    originals; block k (rows kN..(k+1)N-1) holds one new version of every image: rotated by an
    angle drawn uniformly from [-max_degrees, max_degrees], shifted by up to ``max_shift`` pixels
    in each direction, then (unless ``elastic`` is None) elastically distorted with
    (alpha, sigma) = ``elastic``.
    """
    images, _ = _as_images(x, image_shape)
    y = np.asarray(y)
    if y.shape[:1] != (images.shape[0],):
        raise ValueError(f"y must have one label per image, shape ({images.shape[0]},...); got "
                         f"{y.shape}")
    copies = check_int(copies, "copies", minimum=0)
    rng = as_rng(seed)
    flat = images.reshape(images.shape[0], -1)
    blocks = [flat]
    n = flat.shape[0]
    for _ in range(copies):
        new = rotate(flat, rng.uniform(-max_degrees, max_degrees, size=n),
                     image_shape=image_shape)
        new = _shift_each(new, rng.uniform(-max_shift, max_shift, size=(n, 2)), image_shape)
        if elastic is not None:
            new = elastic_distortion(new, *elastic, seed=rng, image_shape=image_shape)
        blocks.append(np.clip(new, 0.0, 1.0).astype(flat.dtype, copy=False))
    return np.concatenate(blocks), np.concatenate([y] * (copies + 1))


def _shift_each(x: np.ndarray, d: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Image i moved d[i, 0] pixels right and d[i, 1] down."""
    images, _ = _as_images(x, image_shape)
    r, c = _grid(*images.shape[1:])
    return warp(images, r - d[:, 1, None, None], c - d[:, 0, None, None]).reshape(x.shape)
