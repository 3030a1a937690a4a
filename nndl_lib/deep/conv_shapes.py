"""Sizes and input checks shared by the convolution and pooling kernels (naive and fast).

``conv_output_size(n, k, stride, pad)`` is the arithmetic of chapter 6: (n + 2 pad - k)/stride + 1
positions of a window, an error when that is not a positive integer. The ``check_*`` functions
validate kernel inputs and raise ``ValueError`` messages that name the shapes.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.validate import check_int

__all__ = ["conv_output_size", "conv_parameter_count", "check_array", "check_conv", "check_bias",
           "check_dout", "check_pool", "pad_images", "unpad_images"]


def conv_output_size(n: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """Number of positions of a length-``k`` window on ``n`` inputs padded by ``pad`` on each side.

    Returns ``(n + 2*pad - k) / stride + 1``. Raises ``ValueError`` when that is not a positive
    integer (the window would not fit, or the last stride would hang over the edge).
    """
    for name, value, least in (("n", n, 1), ("k", k, 1), ("stride", stride, 1), ("pad", pad, 0)):
        check_int(value, name, minimum=least)
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


def conv_parameter_count(F: int, C: int, KH: int, KW: int) -> int:
    """Parameters of a convolutional layer of ``F`` filters of ``KH`` x ``KW`` on ``C`` channels.

    Each filter has one weight per channel and kernel entry and one shared bias:
    ``(KH * KW * C + 1) * F`` (two 3x3x3 filters: 56; 20 maps 5x5 on 1 channel: 520).
    """
    for name, value in (("F", F), ("C", C), ("KH", KH), ("KW", KW)):
        check_int(value, name, minimum=1)
    return (KH * KW * C + 1) * F


def check_array(name: str, a: np.ndarray, ndim: int, layout: str) -> None:
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array of shape {layout}; got {type(a).__name__}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout} ({ndim} dims); got shape {a.shape}")


def check_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[int, int]:
    """Validate conv inputs; return (H_out, W_out)."""
    check_array("x", x, 4, "(N, C, H, W)")
    check_array("w", w, 4, "(F, C, KH, KW)")
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


def check_bias(b: np.ndarray, F: int) -> None:
    check_array("b", b, 1, f"(F,) = ({F},)")
    if b.shape != (F,):
        raise ValueError(f"b must have shape (F,) = ({F},) to match w; got {b.shape}")


def check_dout(dout: np.ndarray, expected: tuple[int, ...]) -> None:
    check_array("dout", dout, 4, str(expected))
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward output's shape {expected}; got {dout.shape}")


def check_pool(x: np.ndarray, size: int, stride: int) -> tuple[int, int]:
    """Validate pooling inputs; return (H_out, W_out). Windows must tile the input exactly."""
    check_array("x", x, 4, "(N, C, H, W)")
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


def pad_images(x: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def unpad_images(x_pad: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x_pad
    return x_pad[:, :, pad:-pad, pad:-pad]
