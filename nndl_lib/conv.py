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
- the fast version (no suffix): the same numbers, vectorised. Convolution uses im2col (a strided
  view of every window, one copy) and one matrix product; its ``dx`` adds the columns back with a
  loop over the KH*KW kernel offsets (col2im). Pooling loops over the size*size window offsets
  and works on strided slices of the whole batch at once. For speed the fast kernels keep the
  batch axis last in memory: their results are (N, ...) arrays that are transposed views, not
  C-contiguous (see the layout note before ``conv2d_forward``); the values are the same.

Backward functions take the upstream gradient ``dout = dC/d(output)`` and the forward inputs and
return the gradients with the shapes of those inputs. dtypes are preserved (float32 in, float32
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

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv_output_size",
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
# Sizes and input checks
# --------------------------------------------------------------------------------------------


def conv_output_size(n: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """Number of positions of a length-``k`` window on ``n`` inputs padded by ``pad`` on each side.

    Returns ``(n + 2*pad - k) / stride + 1``. Raises ``ValueError`` when that is not a positive
    integer (the window would not fit, or the last stride would hang over the edge).
    """
    for name, value, least in (("n", n, 1), ("k", k, 1), ("stride", stride, 1), ("pad", pad, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {value!r}")
    span = n + 2 * pad - k
    if span < 0:
        raise ValueError(
            f"window k={k} is larger than the padded input n + 2*pad = {n} + 2*{pad} = "
            f"{n + 2 * pad}; use a smaller window or more padding"
        )
    if span % stride != 0:
        raise ValueError(
            f"output size (n + 2*pad - k)/stride + 1 = ({n} + 2*{pad} - {k})/{stride} + 1 = "
            f"{span / stride + 1:g} is not an integer; choose stride/pad so that stride divides "
            f"n + 2*pad - k = {span}"
        )
    return span // stride + 1


def _check_array(name: str, a: np.ndarray, ndim: int, layout: str) -> None:
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array of shape {layout}; got {type(a).__name__}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout} ({ndim} dims); got shape {a.shape}")


def _check_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[int, int]:
    """Validate conv inputs; return (H_out, W_out)."""
    _check_array("x", x, 4, "(N, C, H, W)")
    _check_array("w", w, 4, "(F, C, KH, KW)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has C={x.shape[1]} channels (shape {x.shape}) but w expects C={w.shape[1]} "
            f"(shape {w.shape}); w must have shape (F, {x.shape[1]}, KH, KW)"
        )
    H, W = x.shape[2:]
    KH, KW = w.shape[2:]
    try:
        H_out = conv_output_size(H, KH, stride, pad)
        W_out = conv_output_size(W, KW, stride, pad)
    except ValueError as err:
        raise ValueError(
            f"x of shape {x.shape} and w of shape {w.shape} with stride={stride}, pad={pad}: {err}"
        ) from None
    return H_out, W_out


def _check_bias(b: np.ndarray, F: int) -> None:
    _check_array("b", b, 1, f"(F,) = ({F},)")
    if b.shape != (F,):
        raise ValueError(f"b must have shape (F,) = ({F},) to match w; got {b.shape}")


def _check_dout(dout: np.ndarray, expected: tuple[int, ...]) -> None:
    _check_array("dout", dout, 4, str(expected))
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward output's shape {expected}; got {dout.shape}")


def _check_pool(x: np.ndarray, size: int, stride: int) -> tuple[int, int]:
    """Validate pooling inputs; return (H_out, W_out). Windows must tile the input exactly."""
    _check_array("x", x, 4, "(N, C, H, W)")
    H, W = x.shape[2:]
    try:
        H_out = conv_output_size(H, size, stride)
        W_out = conv_output_size(W, size, stride)
    except ValueError as err:
        raise ValueError(
            f"pooling windows {size}x{size} with stride {stride} must tile x of shape {x.shape} "
            f"exactly (H and W of the form size + stride*m): {err}"
        ) from None
    return H_out, W_out


def _pad(x: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _unpad(x_pad: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x_pad
    return x_pad[:, :, pad:-pad, pad:-pad]


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
    H_out, W_out = _check_conv(x, w, stride, pad)
    _check_bias(b, w.shape[0])
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    x_pad = _pad(x, pad)
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
    H_out, W_out = _check_conv(x, w, stride, pad)
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    _check_dout(dout, (N, F, H_out, W_out))
    dtype = np.result_type(dout, x, w)
    x_pad = _pad(x, pad)
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
    return _unpad(dx_pad, pad), dw, db


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
    H_out, W_out = _check_conv(x, w, stride, pad)
    _check_bias(b, w.shape[0])
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
    H_out, W_out = _check_conv(x, w, stride, pad)
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    _check_dout(dout, (N, F, H_out, W_out))
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


# --------------------------------------------------------------------------------------------
# Max pooling: out[n, c, i, j] = max_{p,q} x[n, c, i*s + p, j*s + q]
#   backward: the gradient goes to the first maximum of each window (row-major).
# x: (N, C, H, W) -> out, dout: (N, C, H_out, W_out)
# --------------------------------------------------------------------------------------------


def maxpool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = _check_pool(x, size, stride)
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
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
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
    H_out, W_out = _check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    out = x[next(slices)].copy(order="K")
    for sl in slices:
        np.maximum(out, x[sl], out=out)
    return out


def maxpool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of max pooling, fast: visit the window offsets in row-major order and route dout
    to the first offset that equals the window maximum.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
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


# --------------------------------------------------------------------------------------------
# Average pooling: out[n, c, i, j] = (1/size^2) sum_{p,q} x[n, c, i*s + p, j*s + q]
#   backward: every window entry receives dout / size^2.
# --------------------------------------------------------------------------------------------


def avgpool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Average pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = _check_pool(x, size, stride)
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
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
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


def avgpool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Average pooling, fast. x: (N, C, H, W) -> (N, C, H_out, W_out), in x's memory layout."""
    H_out, W_out = _check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    out = x[next(slices)].copy(order="K")
    for sl in slices:
        out += x[sl]
    out /= size * size
    return out


def avgpool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of average pooling, fast.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
    dtype = np.result_type(dout, x)
    first_window = x[next(_window_slices(size, stride, H_out, W_out))]
    share = _same_layout((dout / (size * size)).astype(dtype, copy=False), first_window)
    dx = np.zeros_like(x, dtype=dtype)
    for sl in _window_slices(size, stride, H_out, W_out):
        dx[sl] += share
    return dx


# --------------------------------------------------------------------------------------------
# L2 pooling: out[n, c, i, j] = sqrt(sum_{p,q} x[n, c, i*s + p, j*s + q]^2)
#   backward: d out / d x[.., r, s] = x[.., r, s] / out  (0 where out == 0)
# --------------------------------------------------------------------------------------------


def l2pool_forward_naive(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """L2 pooling by the definition. x: (N, C, H, W) -> (N, C, H_out, W_out)."""
    H_out, W_out = _check_pool(x, size, stride)
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
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
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


def l2pool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """L2 pooling, fast. x: (N, C, H, W) -> (N, C, H_out, W_out), in x's memory layout."""
    H_out, W_out = _check_pool(x, size, stride)
    slices = _window_slices(size, stride, H_out, W_out)
    first = x[next(slices)]
    total = first * first
    for sl in slices:
        total += x[sl] * x[sl]
    return np.sqrt(total, out=total)


def l2pool_backward(dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Gradient of L2 pooling, fast.
    dout: (N, C, H_out, W_out), x: (N, C, H, W) -> dx: (N, C, H, W), in x's memory layout."""
    H_out, W_out = _check_pool(x, size, stride)
    N, C = x.shape[:2]
    _check_dout(dout, (N, C, H_out, W_out))
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
