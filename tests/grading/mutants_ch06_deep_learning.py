"""Seeded wrong versions of chapter 6's graded functions (see grading_mutants.py).

Each mutant is the reference answer of the source notebook with one learner's mistake edited
in (:func:`_edit` fails loudly when an edit no longer applies), or a whole cell where the mistake
is a different program.
"""

from __future__ import annotations

from grading_support import solution_code

_SOLUTIONS = solution_code("ch06_deep_learning")


def _edit(task: str, *edits: tuple[str, str]) -> str:
    text = _SOLUTIONS[task]
    for old, new in edits:
        if old not in text:
            raise ValueError(f"mutant of {task}: {old!r} is not in the reference answer")
        text = text.replace(old, new)
    return text


_MASK = ("                    p, q = np.unravel_index(np.argmax(window), window.shape)  "
         "# first maximum\n"
         "                    dx[n, c, r + p, s + q] += dout[n, c, i, j]")

MUTANTS_CH06_DEEP_LEARNING: dict[str, dict[str, str]] = {
    "conv_output_size": {
        "integer division hides a size that is not whole": (
            "def conv_output_size(n, k, stride=1, pad=0):\n"
            "    return (n + 2 * pad - k) // stride + 1"),
        "true division, no check (returns 12.5)": (
            "def conv_output_size(n, k, stride=1, pad=0):\n"
            "    return (n + 2 * pad - k) / stride + 1"),
        "padding counted on one side only": _edit(
            "conv_output_size", ("span = n + 2 * pad - k", "span = n + pad - k")),
        "no check that the window fits": _edit(
            "conv_output_size", ("    if span < 0:\n", "    if False:\n")),
    },
    "worked_example": {
        "flipped filter (true convolution)": _edit(
            "worked_example", ("np.sum(patch * filt)", "np.sum(patch * filt[::-1, ::-1])")),
        "stride ignored in the patch's position": _edit(
            "worked_example", ("image[i * s : i * s + k, j * s : j * s + k]",
                               "image[i : i + k, j : j + k]")),
        "the side n - k + 1 for both strides": _edit(
            "worked_example", ("size = conv_output_size(n, k, s)", "size = n - k + 1")),
        "copies the course's published maps": (
            "def worked_example(image, filt):\n"
            "    from nndl_lib.reference_values import EXERCISE_KEYS\n"
            "    key = EXERCISE_KEYS['ch6_conv_example']\n"
            "    return {'size_stride1': 3, 'map_stride1': np.array(key['stride1'], float),\n"
            "            'size_stride2': 2, 'map_stride2': np.array(key['stride2'], float)}"),
    },
    "conv2d_forward": {
        "flipped kernel (true convolution instead of cross-correlation)": _edit(
            "conv2d_forward", ("* w[f]) + b[f]", "* w[f, :, ::-1, ::-1]) + b[f]")),
        "off-by-one padding (pad + 1 zeros on each side)": _edit(
            "conv2d_forward", ("(pad, pad), (pad, pad)))",
                               "(pad + 1, pad + 1), (pad + 1, pad + 1)))")),
        "np.pad(x, pad) pads the images and channels too": _edit(
            "conv2d_forward", ("np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                               "np.pad(x, pad)")),
        "stride ignored (windows start at i, j)": _edit(
            "conv2d_forward", ("r, s = i * stride, j * stride", "r, s = i, j")),
        "bias left out": _edit("conv2d_forward", (" + b[f]\n", "\n")),
        "always float64": _edit("conv2d_forward", ("dtype=np.result_type(x, w, b)",
                                                   "dtype=np.float64")),
    },
    "conv2d_backward": {
        "stride ignored in backward": _edit(
            "conv2d_backward", ("r, s = i * stride, j * stride", "r, s = i, j")),
        "dw not summed over the batch (a fresh sum for every image)": _edit(
            "conv2d_backward", ("    for n in range(N):\n",
                                "    for n in range(N):\n        dw[...] = 0\n")),
        "db not summed over the batch (first image only)": _edit(
            "conv2d_backward", ("db = dout.sum(axis=(0, 2, 3))", "db = dout[0].sum(axis=(1, 2))")),
        "db the mean instead of the sum": _edit(
            "conv2d_backward", ("db = dout.sum(axis=(0, 2, 3))", "db = dout.mean(axis=(0, 2, 3))")),
        "dx returned with its padding": _edit(
            "conv2d_backward", ("return dx_pad[:, :, pad : pad + H, pad : pad + W], dw, db",
                                "return dx_pad, dw, db")),
        "flipped kernel in dx": _edit(
            "conv2d_backward", ("+= g * w[f]", "+= g * w[f, :, ::-1, ::-1]")),
    },
    "maxpool_forward": {
        "windows start at i * size (stride ignored)": _edit(
            "maxpool_forward", ("r, s = i * stride, j * stride", "r, s = i * size, j * size")),
        "min instead of max": _edit("maxpool_forward", (".max(axis=(2, 3))", ".min(axis=(2, 3))")),
        "output side H // size (stride ignored)": _edit(
            "maxpool_forward", ("H_out, W_out = conv_output_size(H, size, stride), "
                                "conv_output_size(W, size, stride)",
                                "H_out, W_out = H // size, W // size")),
        "always float64": _edit("maxpool_forward", ("dtype=x.dtype", "dtype=np.float64")),
    },
    "maxpool_backward": {
        "gradient to every tied maximum (x == max mask)": _edit(
            "maxpool_backward", (_MASK, "                    mask = window == window.max()\n"
                                        "                    dx[n, c, r : r + size, s : s + size]"
                                        " += dout[n, c, i, j] * mask")),
        "gradient to the LAST maximum": _edit(
            "maxpool_backward", (_MASK, "                    last = window.size - 1 - "
                                        "np.argmax(window.ravel()[::-1])\n"
                                        "                    p, q = np.unravel_index(last, "
                                        "window.shape)\n"
                                        "                    dx[n, c, r + p, s + q] += "
                                        "dout[n, c, i, j]")),
        "overlapping windows overwrite (= instead of +=)": _edit(
            "maxpool_backward", ("dx[n, c, r + p, s + q] += dout",
                                 "dx[n, c, r + p, s + q] = dout")),
        "always float64": _edit("maxpool_backward", ("dtype=np.result_type(dout, x)",
                                                     "dtype=np.float64")),
        "the window's gradient shared by all its entries": _edit(
            "maxpool_backward", (_MASK, "                    dx[n, c, r : r + size, s : s + size]"
                                        " += dout[n, c, i, j] / size**2")),
    },
    "conv_parameter_count": {
        "biases forgotten": "def conv_parameter_count(F, C, KH, KW):\n    return KH * KW * C * F",
        "channels forgotten": "def conv_parameter_count(F, C, KH, KW):\n"
                              "    return (KH * KW + 1) * F",
        "a bias per weight": "def conv_parameter_count(F, C, KH, KW):\n"
                             "    return 2 * KH * KW * C * F",
    },
    "conv_pool_forward": {
        "pool before conv": (
            "def conv_pool_forward(x, w, b, pool_size=2, pool='max', activation='sigmoid'):\n"
            "    pooled = maxpool_forward(x, pool_size, pool_size)\n"
            "    z = conv2d_forward(pooled, w, b)\n"
            "    return sigmoid(z) if activation == 'sigmoid' else relu(z)"),
        "activation before pooling": (
            "def conv_pool_forward(x, w, b, pool_size=2, pool='max', activation='sigmoid'):\n"
            "    z = conv2d_forward(x, w, b)\n"
            "    a = sigmoid(z) if activation == 'sigmoid' else relu(z)\n"
            "    N, F, H, W = a.shape\n"
            "    P = pool_size\n"
            "    if pool == 'max':\n"
            "        return maxpool_forward(a, P, P)\n"
            "    return a.reshape(N, F, H // P, P, W // P, P).mean(axis=(3, 5))"),
        "bias added twice (in the conv and after pooling)": _edit(
            "conv_pool_forward", ("conv2d_forward(x, w, np.zeros_like(b))",
                                  "conv2d_forward(x, w, b)")),
        "no activation": _edit(
            "conv_pool_forward", ("return sigmoid(z) if activation == \"sigmoid\" else relu(z)",
                                  "return z")),
        "max pooling whatever pool says": _edit(
            "conv_pool_forward", ('    if pool == "max":\n', '    if True:\n')),
    },
    "conv_pool_backward": {
        "activation's derivative left out": _edit(
            "conv_pool_backward", ("delta = dout * a * (1 - a)", "delta = dout")),
        "sigma' at the pooled sum without the bias": _edit(
            "conv_pool_backward", ("a = sigmoid(z)\n", "a = sigmoid(pooled)\n")),
        "average pooling routed like max pooling": _edit(
            "conv_pool_backward", ('    if pool == "max":\n        dconv',
                                   '    if True:\n        dconv')),
        "max pooling's gradient to every tied maximum": _edit(
            "conv_pool_backward", ("dconv = maxpool_backward(delta, conv_out, P, P)",
                                   "up = lambda v: np.repeat(np.repeat(v, P, axis=2), P, axis=3)\n"
                                   "        dconv = (conv_out == up(pooled)) * up(delta)")),
        "db from dout instead of delta": _edit(
            "conv_pool_backward", ("db = delta.sum(axis=(0, 2, 3))",
                                   "db = dout.sum(axis=(0, 2, 3))")),
    },
}
