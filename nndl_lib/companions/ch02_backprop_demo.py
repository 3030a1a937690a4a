"""Chapter 2 demonstrations: the worked 2-2-2 example, timing, finite differences, paths.

Everything here *uses* the library's one implementation of the network (``nndl_lib.network``),
its costs and its gradient checker; nothing re-derives backpropagation. The helpers only arrange
experiments that chapter 2 reports:

- :func:`worked_example_network` / :func:`worked_example_results`: the 2-2-2 sigmoid network of
  the foundations notes, run through :class:`~nndl_lib.network.Network`.
- :func:`time_finite_differences`: cost of finite differences against one backprop, measured.
- :func:`path_contributions`: dC/dw as a sum over paths of products of rates.
- :func:`backprop_throughput`: examples per second of ``backprop`` by mini-batch size.

The mean of the per-example gradients is ``Network.example_gradients``; one SGD epoch is timed
by :func:`nndl_lib.companions.ch02_epoch_timing.time_epoch`.

Layer indices follow the library: ``net.weights[i]`` has shape ``(sizes[i + 1], sizes[i])`` and
connects layer ``i`` (0 = input) to layer ``i + 1``; the book calls the same matrix ``w^{i+2}``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nndl_lib.costs import QuadraticCost
from nndl_lib.data import one_hot
from nndl_lib.gradcheck import numerical_gradient, rel_error
from nndl_lib.metrics import count_parameters
from nndl_lib.network import Network
from nndl_lib.reference_values import WORKED_EXAMPLE_222
from nndl_lib.validate import check_int

__all__ = [
    "worked_example_network",
    "worked_example_results",
    "FiniteDifferenceTiming",
    "time_finite_differences",
    "path_contributions",
    "backprop_throughput",
]


def worked_example_network(example: dict | None = None) -> Network:
    """The 2-2-2 sigmoid network of the worked example, with quadratic cost.

    ``weights[0] = [[w1, w2], [w3, w4]]`` (w1, w2 feed h1), ``weights[1] = [[w5, w6], [w7, w8]]``,
    hidden biases all ``b_hidden`` (0.35), output biases all ``b_output`` (0.60).
    """
    ex = WORKED_EXAMPLE_222 if example is None else example
    w = np.asarray(ex["w"], dtype=np.float64)
    if w.shape != (8,):
        raise ValueError(f"example['w'] must hold 8 weights w1..w8; got shape {w.shape}")
    net = Network([2, 2, 2], cost=QuadraticCost, activation="sigmoid", seed=0)
    net.weights[0][...] = w[:4].reshape(2, 2)
    net.weights[1][...] = w[4:].reshape(2, 2)
    net.biases[0][...] = ex["b_hidden"]
    net.biases[1][...] = ex["b_output"]
    return net


def worked_example_results(example: dict | None = None) -> dict:
    """Recompute the worked example through the library; keys as in ``WORKED_EXAMPLE_222``.

    Forward values come from ``Network.forward_pass``, errors from ``QuadraticCost.fn`` (which is
    (1/2)||y - a||^2 for a single example), gradients from ``Network.backprop`` and the step is
    ``w -> w - eta dE/dw`` on the weights only, as in the notes.
    """
    ex = WORKED_EXAMPLE_222 if example is None else example
    net = worked_example_network(ex)
    x = np.asarray(ex["x"], dtype=np.float64)[None, :]
    y = np.asarray(ex["y"], dtype=np.float64)[None, :]
    zs, acts = net.forward_pass(x)
    out = acts[-1]
    _, nabla_w = net.backprop(x, y)
    dE_dw = np.concatenate([g.ravel() for g in nabla_w])
    eta = float(ex["eta"])
    for w, g in zip(net.weights, nabla_w, strict=True):
        w -= eta * g  # gradient step on the weights only; the example keeps its biases
    w_after = np.concatenate([w.ravel() for w in net.weights])
    return {
        "net_h1": float(zs[0][0, 0]),
        "out_h1": float(acts[1][0, 0]),
        "out_h2": float(acts[1][0, 1]),
        "net_o1": float(zs[1][0, 0]),
        "out_o1": float(out[0, 0]),
        "out_o2": float(out[0, 1]),
        "E_o1": float(QuadraticCost.fn(out[:, :1], y[:, :1])),
        "E_o2": float(QuadraticCost.fn(out[:, 1:], y[:, 1:])),
        "E_total": float(QuadraticCost.fn(out, y)),
        "dE_dw": tuple(float(v) for v in dE_dw),
        "w_after_step": tuple(float(v) for v in w_after),
        "E_total_after_step": float(QuadraticCost.fn(net.feedforward(x), y)),
    }


@dataclass(frozen=True)
class FiniteDifferenceTiming:
    """What :func:`time_finite_differences` measured.

    ``n_checked`` partial derivatives took ``forward_passes`` cost evaluations and
    ``fd_seconds``; ``extrapolated_seconds`` scales that to all ``n_parameters``; one backprop
    over the same mini-batch took ``backprop_seconds``. ``relative_error`` compares the
    finite-difference partials with backprop's (whole-array measure of ``gradcheck.rel_error``).
    """

    n_parameters: int
    n_checked: int
    forward_passes: int
    fd_seconds: float
    backprop_seconds: float
    relative_error: float

    @property
    def seconds_per_partial(self) -> float:
        return self.fd_seconds / self.n_checked

    @property
    def extrapolated_seconds(self) -> float:
        return self.seconds_per_partial * self.n_parameters

    @property
    def forward_passes_all(self) -> int:
        return round(self.forward_passes / self.n_checked * self.n_parameters)

    @property
    def speedup(self) -> float:
        return self.extrapolated_seconds / self.backprop_seconds


def time_finite_differences(
    net: Network, x: np.ndarray, y: np.ndarray, n_rows: int, *, h: float = 1e-5,
    backprop_repeats: int = 20,
) -> FiniteDifferenceTiming:
    """Time centred differences on the first ``n_rows`` rows of ``net.weights[0]``.

    x: (N, n_in), y: (N, n_out) one-hot. Each partial derivative costs two evaluations of the
    mean cost over the mini-batch (two forward passes), counted as they happen; the gradient
    from ``net.backprop(x, y)`` is timed (mean of ``backprop_repeats`` calls, as the
    finite-difference time is a mean over partial derivatives) and used to check
    the finite-difference values. ``net`` is left unchanged.
    """
    n_out = net.weights[0].shape[0]
    if not 1 <= n_rows <= n_out:
        raise ValueError(f"n_rows must be between 1 and {n_out}; got {n_rows}")
    passes = 0

    def cost(_: np.ndarray) -> float:
        nonlocal passes
        passes += 1
        return float(net.cost.fn(net.feedforward(x), y))

    w_part = net.weights[0][:n_rows]  # a view: numerical_gradient perturbs it in place
    t0 = time.perf_counter()
    numeric = numerical_gradient(cost, w_part, h=h)
    fd_seconds = time.perf_counter() - t0

    backprop_repeats = check_int(backprop_repeats, "backprop_repeats", minimum=1)
    t0 = time.perf_counter()
    for _ in range(backprop_repeats):
        _, nabla_w = net.backprop(x, y)
    bp_seconds = (time.perf_counter() - t0) / backprop_repeats
    analytic = nabla_w[0][:n_rows]
    return FiniteDifferenceTiming(
        n_parameters=count_parameters(net.sizes),
        n_checked=int(w_part.size),
        forward_passes=passes,
        fd_seconds=fd_seconds,
        backprop_seconds=bp_seconds,
        relative_error=rel_error(analytic, numeric, norm=True),
    )


def path_contributions(
    net: Network, x: np.ndarray, y: np.ndarray, layer: int, j: int, k: int
) -> tuple[list[tuple[tuple[int, ...], float]], float]:
    """dC/dw for ``net.weights[layer][j, k]`` as a sum over paths, for one example.

    x: (n_in,), y: (n_out,). A path leaves the weight through neuron ``j`` of layer
    ``layer + 1`` and visits one neuron in every later layer, ending at output ``m``. Its rate is

        dC/da^L_m * prod(sigma'(z^{q+1}_r) w^{q+1}_{r s}) * sigma'(z^l_j) a^{l-1}_k,

    the product of the local rates along its edges. Returns ``(paths, total)`` where ``paths``
    lists ``(neurons visited after j, rate)`` and ``total`` is their sum, which equals the
    backprop derivative. Needs element-wise activations (not a softmax output layer).
    """
    if net.output_activation.name == "softmax":
        raise ValueError("path_contributions needs an element-wise output activation; this "
                         "network has a softmax output layer (log-likelihood cost)")
    if not 0 <= layer < len(net.weights):
        raise ValueError(f"layer must index net.weights (0..{len(net.weights) - 1}); got {layer}")
    n_out, n_in = net.weights[layer].shape
    if not (0 <= j < n_out and 0 <= k < n_in):
        raise ValueError(f"(j, k) must index a ({n_out}, {n_in}) matrix; got ({j}, {k})")
    zs, acts = net.forward_pass(np.asarray(x)[None, :])
    prime = [net.activation.prime(z[0]) for z in zs[:-1]]
    prime.append(net.output_activation.prime(zs[-1][0]))
    dC_da = net.cost.derivative(acts[-1], np.asarray(y, dtype=acts[-1].dtype)[None, :])[0]
    start = prime[layer][j] * acts[layer][0, k]  # da^l_j / dw^l_jk
    later = [range(n) for n in net.sizes[layer + 2:]]
    paths = []
    for route in itertools.product(*later):
        rate, prev = start, j
        for q, r in enumerate(route, start=layer + 1):
            rate *= prime[q][r] * net.weights[q][r, prev]  # da^{q+1}_r / da^q_prev
            prev = r
        paths.append((tuple(route), float(rate * dC_da[prev])))
    return paths, float(sum(rate for _, rate in paths))


def backprop_throughput(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    batch_sizes: Sequence[int],
    *,
    repeats: int = 3,
) -> dict[int, float]:
    """Examples per second of ``net.backprop`` over all of ``x`` cut into mini-batches.

    x: (N, n_in); y: (N,) int labels or (N, n_out) one-hot. For each mini-batch size m the pass
    over the N examples is timed ``repeats`` times and the fastest is kept (timings on a shared
    machine are noisy). Returns ``{m: examples per second}``.
    """
    x = np.asarray(x, dtype=net.weights[0].dtype)
    y = np.asarray(y)
    if y.ndim == 1:
        y = one_hot(y, net.sizes[-1]).astype(x.dtype)
    out = {}
    for m in batch_sizes:
        if check_int(m, "mini-batch size", minimum=1) > len(x):
            raise ValueError(f"mini-batch sizes must lie in 1..{len(x)}; got {m}")
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            for k in range(0, len(x) - m + 1, m):
                net.backprop(x[k:k + m], y[k:k + m])
            best = min(best, time.perf_counter() - start)
        out[int(m)] = (len(x) // m) * m / best
    return out
