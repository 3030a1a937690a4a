"""Checks of assignment ``ch06_deep_learning`` (chapter 6: convolutional networks).

The learner writes the chapter's kernels with the library's names and arguments
(:mod:`nndl_lib.deep.conv`; the loop versions, ``*_naive``, are the references):
``conv_output_size`` (the window arithmetic, a ``ValueError`` when the windows do not fit),
``worked_example`` (the course's 5x5 example by hand, with stride 1 and 2, on the book's numbers
and on others), ``conv2d_forward`` and ``conv2d_backward`` (cross-correlation with stride and
padding, and its gradients, also against centred differences), ``maxpool_forward`` and
``maxpool_backward`` (the gradient to the FIRST maximum of a window in row-major order: checked
on tie-heavy inputs and on real MNIST images, whose blank background ties at 0),
``conv_parameter_count``, ``conv_pool_forward`` (the book's layer: conv, pool, shared bias,
activation, as :class:`~nndl_lib.deep.conv_layer.ConvPoolLayer`) and, as the transfer task,
``conv_pool_backward`` (that layer's gradients, which the chapter's code leaves to Theano).
Shapes: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)``. Every case is small, so that a
learner's loops grade in well under a second per task.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.deep import conv
from nndl_lib.grading.assignments.ch06_cases import (
    _GRADS,
    _bwd_batch,
    _bwd_float32,
    _bwd_numerical,
    _bwd_plain,
    _bwd_strided,
    _compare_numerical,
    _compare_numerical_dx,
    _conv_cost,
    _conv_pool_cost,
    _count_book,
    _count_random,
    _cpb_avg_relu,
    _cpb_blank,
    _cpb_book,
    _cpb_float32,
    _cpb_numerical,
    _cpf_avg,
    _cpf_book,
    _cpf_float32,
    _cpf_relu,
    _fwd_float32,
    _fwd_padded,
    _fwd_plain,
    _fwd_strided,
    _mp_book,
    _mp_float32,
    _mp_other,
    _mpb_book,
    _mpb_float32,
    _mpb_mnist,
    _mpb_numerical,
    _mpb_other,
    _mpb_ties,
    _size_book,
    _size_not_whole,
    _size_random,
    _size_too_large,
    _we_cases,
    conv_pool_backward,
    conv_pool_forward,
)
from nndl_lib.grading.compare import compare_by_name, compare_raises
from nndl_lib.grading.framework import Assignment, SubCheck, Task, compare_ret
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "worked_example",
           "conv_pool_forward", "conv_pool_backward", "WORKED_KEYS", "if_written"]

#: The numbers the learner's ``worked_example`` returns, by name.
WORKED_KEYS = ("size_stride1", "map_stride1", "size_stride2", "map_stride2")


def worked_example(image, filt) -> dict:
    """The reference: the feature maps of the one-channel ``image`` (n, n) under the filter
    ``filt`` (k, k), with stride 1 and 2 and no padding, and their side lengths."""
    image, filt = np.asarray(image), np.asarray(filt)
    x, w = image[None, None], filt[None, None]
    out = {}
    for s in (1, 2):
        out[f"size_stride{s}"] = conv.conv_output_size(image.shape[0], filt.shape[0], s)
        out[f"map_stride{s}"] = conv.conv2d_forward_naive(x, w, np.zeros(1, image.dtype),
                                                          stride=s)[0, 0]
    return out








REFERENCES = {
    "conv_output_size": conv.conv_output_size,
    "worked_example": worked_example,
    "conv2d_forward": conv.conv2d_forward_naive,
    "conv2d_backward": conv.conv2d_backward_naive,
    "maxpool_forward": conv.maxpool_forward_naive,
    "maxpool_backward": conv.maxpool_backward_naive,
    "conv_parameter_count": conv.conv_parameter_count,
    "conv_pool_forward": conv_pool_forward,
    "conv_pool_backward": conv_pool_backward,
}

#: Windows the function must refuse: what it must raise, and why.
_WINDOWS_DO_NOT_FIT = compare_raises(
    'these windows do not fit the input, with the padding given')

TASKS = [
    Task("conv_output_size", in_place=(), subchecks=[
        SubCheck("the chapter's sizes: (28, 5, 1, 0), (5, 3, 2, 0), (5, 3, 2, 1), "
                 "(227, 11, 4, 0)", 1.0, _size_book, compare_ret(), fixed=True,
                 hint="count the positions of the window's first row: from 0 to n + 2 pad - k, "
                      "in steps of stride"),
        SubCheck("random sizes, strides and paddings", 1.0, _size_random, compare_ret()),
        SubCheck("an error when (n + 2 pad - k)/stride + 1 is not a whole number", 1.0,
                 _size_not_whole, _WINDOWS_DO_NOT_FIT, driver="call_catching",
                 hint="integer division rounds the answer down and hides the windows that do "
                      "not fit: test the remainder first"),
        SubCheck("an error when the window is larger than the padded input", 0.5,
                 _size_too_large, _WINDOWS_DO_NOT_FIT, driver="call_catching",
                 hint="how many positions does a window have that is wider than the input?"),
    ]),
    Task("worked_example", in_place=(), subchecks=[
        SubCheck("the side of each map: size_stride1, size_stride2", 0.5, _we_cases,
                 compare_by_name(("size_stride1", "size_stride2"), WORKED_KEYS),
                 hint="the chapter's formula with pad = 0"),
        SubCheck("the map with stride 1, entry by entry: map_stride1", 1.0, _we_cases,
                 compare_by_name(("map_stride1",), WORKED_KEYS),
                 hint="entry (i, j) is the sum of the filter times the k x k patch of the image "
                      "whose top-left corner is (i, j); the filter is not flipped"),
        SubCheck("the map with stride 2, entry by entry: map_stride2", 1.0, _we_cases,
                 compare_by_name(("map_stride2",), WORKED_KEYS),
                 hint="with stride 2 the patch of entry (i, j) starts at row 2 i and column 2 j"),
    ]),
    Task("conv2d_forward", in_place=(), subchecks=[
        SubCheck("stride 1, no padding, random shapes", 1.0, _fwd_plain, compare_ret(),
                 hint="one output entry z[n, f, i, j] is b[f] plus a sum over the channels c and "
                      "the kernel's rows p and columns q: which entry of x does w[f, c, p, q] "
                      "meet?"),
        SubCheck("zero padding", 1.0, _fwd_padded, compare_ret(),
                 hint="pad only the two spatial axes of x, with pad zeros on each side, then "
                      "slide the window over the padded image"),
        SubCheck("stride 2 and 3 (with and without padding)", 1.0, _fwd_strided, compare_ret(),
                 hint="output entry (i, j) starts its window at row i * stride and column "
                      "j * stride of the padded image"),
        SubCheck("float32 in, float32 out", 0.5, _fwd_float32, compare_ret(check_dtype=True),
                 hint="create the output with the dtype of x"),
    ]),
    Task("conv2d_backward", in_place=(), subchecks=[
        SubCheck("stride 1, no padding: dx, dw, db", 1.0, _bwd_plain, compare_ret(names=_GRADS),
                 hint="walk the same loops as the forward pass: each window entry that met "
                      "w[f, c, p, q] gives dout[n, f, i, j] times the weight back to x and "
                      "dout times that entry of x to the weight"),
        SubCheck("stride and padding: dx of the unpadded x, windows that skip or overlap", 1.0,
                 _bwd_strided, compare_ret(names=_GRADS),
                 hint="accumulate into a padded dx at the same positions the forward pass read "
                      "(i * stride + p), then cut the padding off"),
        SubCheck("a mini-batch of several images: dw and db add up every image", 0.5,
                 _bwd_batch, compare_ret(names=_GRADS),
                 hint="the same filter and bias serve every image and every position: add "
                      "their contributions up"),
        SubCheck("agrees with centred differences of sum(dout * conv(x, w, b))", 1.0,
                 _bwd_numerical, _compare_numerical(_conv_cost, h=1e-2,
                                                    kind="gradient_linear")),
        SubCheck("float32 in, float32 out", 0.5, _bwd_float32,
                 compare_ret(names=_GRADS, check_dtype=True)),
    ]),
    Task("maxpool_forward", in_place=(), subchecks=[
        SubCheck("2x2 windows, stride 2 (the book)", 1.0, _mp_book, compare_ret(),
                 hint="pool every channel of every image separately"),
        SubCheck("other window sizes and strides (overlapping windows too)", 1.0, _mp_other,
                 compare_ret(),
                 hint="window (i, j) starts at row i * stride and column j * stride; the "
                      "output's size comes from the chapter's formula without padding"),
        SubCheck("float32 in, float32 out", 0.5, _mp_float32, compare_ret(check_dtype=True)),
    ]),
    Task("maxpool_backward", in_place=(), subchecks=[
        SubCheck("2x2 windows, stride 2, no ties", 1.0, _mpb_book, compare_ret(location="dx"),
                 hint="only the maximum of a window changes the output: the window's whole "
                      "gradient goes there"),
        SubCheck("overlapping windows add their gradients", 0.5, _mpb_other,
                 compare_ret(location="dx"),
                 hint="an entry that is the maximum of two windows receives from both"),
        SubCheck("agrees with centred differences of sum(dout * maxpool(x))", 0.5,
                 _mpb_numerical, _compare_numerical_dx),
        SubCheck("ties: the whole gradient to the FIRST maximum in row-major order", 1.0,
                 _mpb_ties, compare_ret(location="dx"),
                 hint="scan each window row by row, left to right, and keep the first entry "
                      "that equals the maximum; the others get nothing"),
        SubCheck("MNIST images, whose blank background ties at 0 in most windows", 1.5,
                 _mpb_mnist, compare_ret(location="dx"), costly=True,
                 hint="sum your dx over a window of blank pixels: it must equal that window's "
                      "dout once, not four times"),
        SubCheck("float32 in, float32 out", 0.25, _mpb_float32,
                 compare_ret(location="dx", check_dtype=True)),
    ]),
    Task("conv_parameter_count", in_place=(), subchecks=[
        SubCheck("the chapter's layers: 56, 520 and 20,040 parameters", 0.5, _count_book,
                 compare_ret(), fixed=True,
                 hint="a filter has a weight for every channel and kernel entry, and one "
                      "bias"),
        SubCheck("random layer shapes", 0.5, _count_random, compare_ret()),
    ]),
    Task("conv_pool_forward", in_place=(), subchecks=[
        SubCheck("max pooling, sigmoid (the book's layer)", 1.0, _cpf_book, compare_ret(),
                 hint="three steps, in the layer's order: your conv2d_forward, then pooling, "
                      "then the activation"),
        SubCheck("average pooling: the activation comes after the pooling", 1.0, _cpf_avg,
                 compare_ret(),
                 hint="the mean of sigma(z) is not sigma of the mean of z: pool the weighted "
                      "inputs, then apply the activation"),
        SubCheck("ReLU, and 3x3 pooling windows", 0.5, _cpf_relu, compare_ret()),
        SubCheck("float32 in, float32 out", 0.5, _cpf_float32, compare_ret(check_dtype=True)),
    ]),
    Task("conv_pool_backward", in_place=(), subchecks=[
        SubCheck("max pooling, sigmoid (the book's layer): dx, dw, db", 1.5, _cpb_book,
                 compare_ret(names=_GRADS),
                 hint="go back through the three steps in reverse order: the activation's "
                      "derivative at the pooled z, then the pooling, then the convolution"),
        SubCheck("average pooling and ReLU", 1.0, _cpb_avg_relu, compare_ret(names=_GRADS),
                 hint="average pooling shares a window's gradient equally among its entries"),
        SubCheck("agrees with centred differences of sum(dout * a)", 1.0, _cpb_numerical,
                 _compare_numerical(_conv_pool_cost)),
        SubCheck("a blank region whose pooling windows tie", 0.5, _cpb_blank,
                 compare_ret(names=_GRADS),
                 hint="your maxpool_backward's tie rule applies inside the layer too"),
        SubCheck("float32 in, float32 out", 0.5, _cpb_float32,
                 compare_ret(names=_GRADS, check_dtype=True)),
    ]),
]

ASSIGNMENT = Assignment(
    name="ch06_deep_learning",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\nfrom nndl_lib.activations import relu, sigmoid\n",
    allowed_modules=("nndl_lib.activations",),
    manual={"tied_windows": 3.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "conv_output_size": 2,
    "worked_example": 2,
    "conv2d_forward": 3,
    "conv2d_backward": 4,
    "maxpool_forward": 2,
    "maxpool_backward": 3,
    "conv_parameter_count": 1,
    "conv_pool_forward": 3,
    "conv_pool_backward": 5,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("conv2d_forward", conv2d_forward)``.
check = ASSIGNMENT.check
