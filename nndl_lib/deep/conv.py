"""Chapter 6's convolution and pooling kernels, naive and fast, forward and backward.

Shapes: images are ``x: (N, C, H, W)`` (N examples, C channels), filters ``w: (F, C, KH, KW)``,
biases ``b: (F,)``. "Convolution" is cross-correlation, as in every deep-learning framework:

    z[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * x_pad[n, c, i*stride + p, j*stride + q]

where ``x_pad`` is ``x`` with ``pad`` rows/columns of zeros on every side. The output size per
spatial axis is ``(n + 2*pad - k) / stride + 1`` (``conv_output_size``), which must be a positive
integer; pooling windows must tile the input exactly in the same sense (no padding).

Every kernel comes as a pair ``*_forward`` / ``*_backward`` and in two versions:

- ``*_naive``: plain loops that read like the definition (the reference that learners' exercises
  are graded against);
- the fast version (no suffix; written in :mod:`nndl_lib.deep.conv_fast`, imported from here): the
  same numbers, vectorised. Convolution uses im2col (a strided view of every window, one copy)
  and one matrix product; its ``dx`` adds the columns back with a loop over the KH*KW kernel
  offsets (col2im). Pooling loops over the size*size window offsets and works on strided slices
  of the whole batch at once. For speed the fast kernels keep the batch axis last in memory:
  their results are (N, ...) arrays that are transposed views, not C-contiguous (see the layout
  note in :mod:`nndl_lib.deep.conv_fast`); the values are the same.

Backward functions follow the library's kernel convention (see :mod:`nndl_lib`): they take the
upstream gradient ``dout = dC/d(output)`` and the forward inputs and return the gradients with the
shapes of those inputs. dtypes are preserved (float32 in, float32
out).

Pooling (``size`` x ``size`` windows, moved by ``stride``; overlapping windows add their gradients):

- max pooling: the largest entry of each window. **Tie rule:** when several entries of a window
  share the maximum, the whole gradient goes to the FIRST of them in row-major order (top row
  first, left to right), in both the naive and the fast kernel;
- average pooling: the mean of each window;
- L2 pooling (the book's): ``sqrt(sum of squares)`` of each window. Its derivative ``x / out`` is
  undefined where a window is all zeros; there the gradient is taken to be 0.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.deep.conv_shapes import (
    check_bias,
    check_conv,
    check_dout,
    check_pool,
    conv_output_size,
    conv_parameter_count,
    pad_images,
    unpad_images,
)

__all__ = [
    "conv_output_size",
    "conv_parameter_count",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_forward_naive",
    "conv2d_backward_naive",
    "maxpool_forward",
    "maxpool_backward",
    "maxpool_forward_naive",
    "maxpool_backward_naive",
    "avgpool_forward",
    "avgpool_backward",
    "avgpool_forward_naive",
    "avgpool_backward_naive",
    "l2pool_forward",
    "l2pool_backward",
    "l2pool_forward_naive",
    "l2pool_backward_naive",
]


# --------------------------------------------------------------------------------------------
# Convolution: z = w * x + b
#   forward:  z[n, f, i, j] = b[f] + sum_{c,p,q} w[f,c,p,q] x_pad[n, c, i*s + p, j*s + q]
#   backward: dw[f,c,p,q] = sum_{n,i,j} dout[n,f,i,j] x_pad[n, c, i*s + p, j*s + q]
#             dx_pad[n, c, i*s + p, j*s + q] += sum_f dout[n,f,i,j] w[f,c,p,q]
#             db[f] = sum_{n,i,j} dout[n,f,i,j]
# x: (N, C, H, W), w: (F, C, KH, KW), b: (F,) -> z, dout: (N, F, H_out, W_out)
# --------------------------------------------------------------------------------------------


def conv2d_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Convolution (cross-correlation) by the definition, one output entry at a time.

    x: (N, C, H, W), w: (F, C, KH, KW), b: (F,) -> (N, F, H_out, W_out).
    """
    H_out, W_out = check_conv(x, w, stride, pad)
    check_bias(b, w.shape[0])
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    x_pad = pad_images(x, pad)
    z = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    # the window sum over channels and kernel rows/columns
                    total = b[f]
                    for c in range(C):
                        for p in range(KH):
                            for q in range(KW):
                                total += w[f, c, p, q] * x_pad[n, c, i * stride + p, j * stride + q]
                    z[n, f, i, j] = total
    return z


def conv2d_backward_naive(
    dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the convolution by the definition: each output entry z[n, f, i, j] received
    w[f, c, p, q] * x_pad[n, c, i*s + p, j*s + q] from every window entry, so it passes
    dout[n, f, i, j] * w[f, c, p, q] back to that input and dout * x_pad to that weight.

    dout: (N, F, H_out, W_out), x: (N, C, H, W), w: (F, C, KH, KW)
    -> dx: (N, C, H, W), dw: (F, C, KH, KW), db: (F,).
    """
    H_out, W_out = check_conv(x, w, stride, pad)
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    check_dout(dout, (N, F, H_out, W_out))
    dtype = np.result_type(dout, x, w)
    x_pad = pad_images(x, pad)
    dx_pad = np.zeros(x_pad.shape, dtype=dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    db = np.zeros(F, dtype=dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    g = dout[n, f, i, j]
                    db[f] += g
                    for c in range(C):
                        for p in range(KH):
                            for q in range(KW):
                                r, s = i * stride + p, j * stride + q
                                dw[f, c, p, q] += g * x_pad[n, c, r, s]
                                dx_pad[n, c, r, s] += g * w[f, c, p, q]
    return unpad_images(dx_pad, pad), dw, db


# --------------------------------------------------------------------------------------------
# Max pooling: out[n, c, i, j] = max_{p,q} x[n, c, i*s + p, j*s + q]
#   backward: the gradient goes to the first maximum of each window (row-major).
# x: (N, C, H, W) -> out, dout: (N, C, H_out, W_out)
# --------------------------------------------------------------------------------------------


def maxpool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(
                        x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    )
    return out


def maxpool_backward_naive(
    dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2
) -> np.ndarray:
    """Gradient of max pooling by the definition: each window passes dout to its first maximum
    in row-major order. dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    # scan the window row by row; a strict '>' keeps the first maximum
                    best_r, best_s = i * stride, j * stride
                    for p in range(size):
                        for q in range(size):
                            r, s = i * stride + p, j * stride + q
                            if x[n, c, r, s] > x[n, c, best_r, best_s]:
                                best_r, best_s = r, s
                    dx[n, c, best_r, best_s] += dout[n, c, i, j]
    return dx


# --------------------------------------------------------------------------------------------
# Average pooling: out[n, c, i, j] = (1/size^2) sum_{p,q} x[n, c, i*s + p, j*s + q]
#   backward: every window entry receives dout / size^2.
# --------------------------------------------------------------------------------------------


def avgpool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Average pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    total = 0.0
                    for p in range(size):
                        for q in range(size):
                            total += x[n, c, i * stride + p, j * stride + q]
                    out[n, c, i, j] = total / (size * size)
    return out


def avgpool_backward_naive(
    dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2
) -> np.ndarray:
    """Gradient of average pooling by the definition.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    for p in range(size):
                        for q in range(size):
                            dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j] / (
                                size * size
                            )
    return dx


# --------------------------------------------------------------------------------------------
# L2 pooling: out[n, c, i, j] = sqrt(sum_{p,q} x[n, c, i*s + p, j*s + q]^2)
#   backward: d out / d x[.., r, s] = x[.., r, s] / out  (0 where out == 0)
# --------------------------------------------------------------------------------------------


def l2pool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """L2 pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    total = 0.0
                    for p in range(size):
                        for q in range(size):
                            total += x[n, c, i * stride + p, j * stride + q] ** 2
                    out[n, c, i, j] = np.sqrt(total)
    return out


def l2pool_backward_naive(
    dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2
) -> np.ndarray:
    """Gradient of L2 pooling by the definition.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W)."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    out = l2pool_forward_naive(x, size, stride)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    if out[n, c, i, j] == 0:
                        continue  # an all-zero window: gradient taken as 0
                    for p in range(size):
                        for q in range(size):
                            r, s = i * stride + p, j * stride + q
                            dx[n, c, r, s] += dout[n, c, i, j] * x[n, c, r, s] / out[n, c, i, j]
    return dx


# The fast kernels (same numbers, vectorised) live in conv_fast; they are part of this module's API.
from nndl_lib.deep.conv_fast import (  # noqa: E402
    avgpool_backward,
    avgpool_forward,
    conv2d_backward,
    conv2d_forward,
    l2pool_backward,
    l2pool_forward,
    maxpool_backward,
    maxpool_forward,
)
