"""The fast convolution and pooling kernels: the numbers of the naive kernels of
:mod:`nndl_lib.deep.conv`, vectorised (tests/deep/test_conv.py checks every one against its naive
twin).

Shapes, conventions, the tie rule of max pooling and the L2-pooling zero rule are those of
:mod:`nndl_lib.deep.conv`, which re-exports these functions; import them from there.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nndl_lib.deep.conv_shapes import check_bias, check_conv, check_dout, check_pool

__all__ = [
    "conv2d_forward",
    "conv2d_backward",
    "maxpool_forward",
    "maxpool_backward",
    "avgpool_forward",
    "avgpool_backward",
    "l2pool_forward",
    "l2pool_backward",
]


# Fast path layout: batch last. The fast kernels work on (C, H, W, N) buffers and return their
# (N, ...) results as transposed views of them, so their outputs are NOT C-contiguous (values and
# shapes are as documented; call np.ascontiguousarray if you need C order). Feeding such a view to
# the next kernel costs no copy, the im2col copy reads runs of W_out*N contiguous numbers, col2im
# adds them, and pooling slices keep N contiguous.
# Chosen by measurement (thread CPU time, best of 30 interleaved, 1 thread, N=100, on a shared,
# loaded 2-core machine, so +-20%): conv 5x5 + 2x2 max-pool, forward + backward, for
# C=1 -> F=20 on 28x28 | C=20 -> F=40 on 12x12, float32:
#   im2col per example (N, CKK, HW) + batched matmul      27 | 46 ms
#   im2col (CKK, N*HW), one GEMM, C-order in/out          26 | 39 ms
#   batch last (this file)                             11-14 | 20-26 ms
#   PyTorch 2.13 CPU, same ops, autograd (dx / no dx)     30 / 21 | 22 / 14 ms
# float64 costs 1.4-2x float32 (the GEMMs run at ~65 GFLOP/s in float32, half that in float64).
# A loop of KH*KW GEMMs over shifted slices instead of im2col: 32 ms for the C=1 forward alone.
# Reusing the im2col buffers (_scratch) avoids page faults: N=10, C=20 -> F=40 went 4.7 -> 2.0 ms.
# Pooling: reshaping to (N, C, H/s, s, W/s, s) and reducing took 1.0 ms (batch last) and 26 ms
# (C order) against 0.5 / 1.0 ms for the offset loop below; max-pool backward via argmax of the
# reshaped windows took 20-27 ms against 2.6-4.6 ms for the first-maximum masks below.


_SCRATCH = threading.local()  # per-thread reusable temporaries (see _scratch)
_SCRATCH_MAX_BYTES = 64 * 2**20


def _scratch(name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised temporary array that is reused by later calls in the same thread.

    Only for arrays that never leave the function that asks (the im2col columns and their
    gradient). Reuse avoids the page faults of a fresh multi-megabyte allocation on every call,
    which cost as much as the matrix products at the book's mini-batch size (N=10). Arrays above
    _SCRATCH_MAX_BYTES are not kept.
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    if size * dtype.itemsize > _SCRATCH_MAX_BYTES:
        return np.empty(shape, dtype=dtype)
    key = f"{name}_{dtype.str}"  # one buffer per dtype: alternating dtypes do not reallocate
    buffer = getattr(_SCRATCH, key, None)
    if buffer is None or buffer.size < size:
        buffer = np.empty(size, dtype=dtype)
        setattr(_SCRATCH, key, buffer)
    return buffer[:size].reshape(shape)


def _batch_last(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> C-contiguous (C, H, W, N); free when a is already a batch-last view."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0))


def _im2col(xt: np.ndarray, KH: int, KW: int, stride: int, H_out: int, W_out: int) -> np.ndarray:
    """Every window of the padded batch-last input as a column (one copy):
    xt: (C, H_pad, W_pad, N) -> cols: (C*KH*KW, H_out*W_out*N),
    cols[(c, p, q), (i, j, n)] = xt[c, i*stride + p, j*stride + q, n].
    """
    C, N = xt.shape[0], xt.shape[3]
    windows = sliding_window_view(xt, (KH, KW), axis=(1, 2))[:, ::stride, ::stride]
    cols = _scratch("cols", (C, KH, KW, H_out, W_out, N), xt.dtype)
    np.copyto(cols, windows.transpose(0, 4, 5, 1, 2, 3))  # (C, H_out, W_out, N, KH, KW) -> ...
    return cols.reshape(C * KH * KW, H_out * W_out * N)


def _pad_batch_last(xt: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return xt
    return np.pad(xt, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Convolution (cross-correlation), fast: im2col then one matrix product.

    x: (N, C, H, W), w: (F, C, KH, KW), b: (F,) -> (N, F, H_out, W_out), a batch-last view
    (see the layout note above). Same numbers as ``conv2d_forward_naive``.
    """
    H_out, W_out = check_conv(x, w, stride, pad)
    check_bias(b, w.shape[0])
    N = x.shape[0]
    F, _, KH, KW = w.shape
    xt = _pad_batch_last(_batch_last(x), pad)
    cols = _im2col(xt, KH, KW, stride, H_out, W_out)  # (C*KH*KW, H_out*W_out*N)
    # z[f, (i, j, n)] = sum_(c, p, q) w[f, (c, p, q)] cols[(c, p, q), (i, j, n)]
    z = (w.reshape(F, -1) @ cols).astype(np.result_type(x, w, b), copy=False)  # naive's dtype
    z += b[:, None]
    return z.reshape(F, H_out, W_out, N).transpose(3, 0, 1, 2)


def conv2d_backward(
    dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the convolution, fast: dw from the im2col columns by one matrix product, dx by
    a product into column space then col2im (adding each kernel offset's strided slice).

    dout: (N, F, H_out, W_out), x: (N, C, H, W), w: (F, C, KH, KW)
    -> dx: (N, C, H, W) (a batch-last view), dw: (F, C, KH, KW), db: (F,).
    """
    H_out, W_out = check_conv(x, w, stride, pad)
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    check_dout(dout, (N, F, H_out, W_out))
    xt = _pad_batch_last(_batch_last(x), pad)  # (C, H_pad, W_pad, N)
    cols = _im2col(xt, KH, KW, stride, H_out, W_out)  # (C*KH*KW, H_out*W_out*N)
    dtype = np.result_type(dout, x, w)  # as the naive kernel (mixed dtypes: the wider one)
    g = _batch_last(dout).reshape(F, -1)  # (F, H_out*W_out*N)
    db = g.sum(axis=1).astype(dtype, copy=False)
    # dw[f, (c, p, q)] = sum_(i, j, n) g[f, (i, j, n)] cols[(c, p, q), (i, j, n)]
    dw = (g @ cols.T).astype(dtype, copy=False).reshape(w.shape)
    # dcols[(c, p, q), (i, j, n)] = sum_f w[f, (c, p, q)] g[f, (i, j, n)]
    dcols = _scratch("dcols", (C * KH * KW, g.shape[1]), dtype)
    np.matmul(w.reshape(F, -1).T, g, out=dcols)
    dcols = dcols.reshape(C, KH, KW, H_out, W_out, N)
    # col2im: window entry (p, q) of output (i, j) was input row i*s + p, column j*s + q
    dxt = np.zeros(xt.shape, dtype=dcols.dtype)
    for p in range(KH):
        for q in range(KW):
            row_sl = slice(p, p + stride * H_out, stride)
            col_sl = slice(q, q + stride * W_out, stride)
            dxt[:, row_sl, col_sl] += dcols[:, p, q]
    if pad:
        dxt = dxt[:, pad:-pad, pad:-pad]
    return dxt.transpose(3, 0, 1, 2), dw, db


def _window_slices(size: int, stride: int, H_out: int, W_out: int):
    """For each window offset (p, q) in row-major order, the slices picking x[.., i*s+p, j*s+q]."""
    for p in range(size):
        for q in range(size):
            yield (
                slice(None),
                slice(None),
                slice(p, p + stride * H_out, stride),
                slice(q, q + stride * W_out, stride),
            )


def _same_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a`` (same shape as ``like``) laid out in memory like ``like`` (a copy only if needed):
    elementwise work on slices is fastest when all operands share one layout."""
    if np.array_equal(
        np.argsort(a.strides, kind="stable"), np.argsort(like.strides, kind="stable")
    ):
        return a
    out = np.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def maxpool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling, fast: the running maximum over the size*size window offsets, each a strided
    slice of the whole batch. x: (N, C, H, W) -> (N, C, H_out, W_out), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    out = x[next(slices)].copy(order="K")
    for sl in slices:
        np.maximum(out, x[sl], out=out)
    return out


def maxpool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of max pooling, fast: visit the window offsets in row-major order and route dout
    to the first offset that equals the window maximum.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    out = maxpool_forward(x, size, stride)
    dout = _same_layout(dout, out)
    dx = np.zeros_like(x, dtype=np.result_type(dout, x))
    offsets = list(_window_slices(size, stride, H_out, W_out))
    pending = None  # windows whose (first) maximum is not found yet
    for k, sl in enumerate(offsets):
        if k == 0:
            first = x[sl] == out
            pending = ~first
        elif k == len(offsets) - 1:
            first = pending  # the maximum was not found before: it is here
        else:
            first = x[sl] == out
            first &= pending
            pending ^= first
        if stride >= size:  # windows do not overlap: each entry of dx gets one value
            np.multiply(dout, first, out=dx[sl])
        else:
            dx[sl] += dout * first
    return dx


def avgpool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Average pooling, fast. x: (N, C, H, W) -> (N, C, H_out, W_out), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    out = x[next(slices)].copy(order="K")
    for sl in slices:
        out += x[sl]
    out /= size * size
    return out


def avgpool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of average pooling, fast.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    dtype = np.result_type(dout, x)
    first_window = x[next(_window_slices(size, stride, H_out, W_out))]
    share = _same_layout((dout / (size * size)).astype(dtype, copy=False), first_window)
    dx = np.zeros_like(x, dtype=dtype)
    for sl in _window_slices(size, stride, H_out, W_out):
        dx[sl] += share
    return dx


def l2pool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """L2 pooling, fast. x: (N, C, H, W) -> (N, C, H_out, W_out), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    first = x[next(slices)]
    total = first * first
    for sl in slices:
        total += x[sl] * x[sl]
    return np.sqrt(total, out=total)


def l2pool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of L2 pooling, fast.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = check_pool(x, size, stride)
    N, C = x.shape[:2]
    check_dout(dout, (N, C, H_out, W_out))
    out = l2pool_forward(x, size, stride)
    dout = _same_layout(dout, out)
    dtype = np.result_type(dout, x)
    # dout / out, with 0 for all-zero windows
    scale = np.divide(dout, out, out=np.zeros_like(out, dtype=dtype), where=out != 0)
    dx = np.zeros_like(x, dtype=dtype)
    for sl in _window_slices(size, stride, H_out, W_out):
        if stride >= size:  # windows do not overlap: each entry of dx gets one value
            np.multiply(x[sl], scale, out=dx[sl])
        else:
            dx[sl] += x[sl] * scale
    return dx
