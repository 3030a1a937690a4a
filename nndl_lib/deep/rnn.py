"""A small recurrent network in NumPy: a vanilla RNN trained by backpropagation through time.

Chapter 6, "other approaches to deep neural nets". A recurrent network reads a sequence
x_1, ..., x_T one step at a time and carries a hidden state h_t from step to step:

    z_t = x_t w_xᵀ + h_{t-1} w_hᵀ + b          weighted input (the same w_x, w_h, b at every t)
    h_t = tanh(z_t)                            hidden state, h_0 given (zeros by default)
    a_t = h_t w_yᵀ + b_y                       linear readout: one output vector per step

Shapes (batches are rows, as everywhere in the library): ``x: (N, T, D)``, N sequences of T steps
of D numbers; ``h0: (N, H)``; ``w_x: (H, D)``, ``w_h: (H, H)``, ``b: (H,)``; hidden states
``h: (N, T, H)``; ``w_y: (K, H)``, ``b_y: (K,)``; outputs ``a: (N, T, K)``. Python counts the steps
0..T-1; the docstrings count them 1..T like the equations.

**Backpropagation through time (BPTT)** is backpropagation on the network unrolled over its T
steps: a T-layer network whose layers all share one set of weights. Given ``dh_t = ∂C/∂h_t`` from
the readout at step t (the direct part only), the error ``δ_t = ∂C/∂z_t`` obeys

    δ_T = dh_T ⊙ (1 − h_T²)
    δ_t = (dh_t + δ_{t+1} w_h) ⊙ (1 − h_t²)             BP2, through time instead of layers

and since the same weights act at every step, their gradients are sums over the steps (as a conv
layer's shared weights are summed over positions):

    ∂C/∂b = Σ_t δ_t      ∂C/∂w_x = Σ_t δ_tᵀ x_t      ∂C/∂w_h = Σ_t δ_tᵀ h_{t−1}       BP3, BP4
    ∂C/∂x_t = δ_t w_x    ∂C/∂h_0 = δ_1 w_h

The factor ``w_h ⊙ tanh′`` is applied once per step back in time, which is chapter 5's unstable
gradient again: over many steps it shrinks (or grows) geometrically (:func:`input_sensitivity`).

The kernels follow the library's convention (see ``nndl_lib/__init__.py``): pure functions, and
``rnn_backward(dh, x, h0, w_x, w_h, b)`` recomputes the forward pass and returns ∂C/∂x, then the
gradients of h0, w_x, w_h and b, in the forward's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nndl_lib.activations import sigmoid
from nndl_lib.validate import as_rng, check_int, check_positive

__all__ = [
    "rnn_forward",
    "rnn_backward",
    "readout_forward",
    "readout_backward",
    "sequence_cost",
    "sequence_cost_gradient",
    "RNN",
    "RNNHistory",
    "train_rnn",
    "input_sensitivity",
    "noisy_sine",
    "lstm_forward",
]


# --------------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------------


def _check_rnn(x: np.ndarray, h0: np.ndarray, w_x: np.ndarray, w_h: np.ndarray,
               b: np.ndarray) -> None:
    for name, arr, ndim, layout in (("x", x, 3, "(N, T, D)"), ("h0", h0, 2, "(N, H)"),
                                    ("w_x", w_x, 2, "(H, D)"), ("w_h", w_h, 2, "(H, H)"),
                                    ("b", b, 1, "(H,)")):
        if not isinstance(arr, np.ndarray) or arr.ndim != ndim:
            got = arr.shape if isinstance(arr, np.ndarray) else type(arr).__name__
            raise ValueError(f"{name} must be a NumPy array of shape {layout}; got {got}")
    N, T, D = x.shape
    H = w_x.shape[0]
    expected = {"w_x": ((H, D), w_x.shape), "w_h": ((H, H), w_h.shape), "b": ((H,), b.shape),
                "h0": ((N, H), h0.shape)}
    for name, (want, got) in expected.items():
        if want != got:
            raise ValueError(
                f"{name} must have shape {want} for x of shape {x.shape} (N={N}, T={T}, D={D}) "
                f"and H={H} hidden units (rows of w_x); got {got}"
            )
    if T < 1:
        raise ValueError(f"x must have at least one time step; got shape {x.shape}")


def rnn_forward(x: np.ndarray, h0: np.ndarray, w_x: np.ndarray, w_h: np.ndarray,
                b: np.ndarray) -> np.ndarray:
    """Hidden states of a tanh RNN: h_t = tanh(x_t w_xᵀ + h_{t−1} w_hᵀ + b), t = 1..T.

    x: (N, T, D), h0: (N, H), w_x: (H, D), w_h: (H, H), b: (H,) -> h: (N, T, H).
    """
    _check_rnn(x, h0, w_x, w_h, b)
    N, T, _ = x.shape
    h = np.empty((N, T, w_x.shape[0]), dtype=np.result_type(x, h0, w_x, w_h, b))
    h_prev = h0
    for t in range(T):
        z = x[:, t] @ w_x.T + h_prev @ w_h.T + b  # z_t = x_t w_xᵀ + h_{t−1} w_hᵀ + b
        h[:, t] = np.tanh(z)  # h_t = tanh(z_t)
        h_prev = h[:, t]
    return h


def rnn_backward(dh: np.ndarray, x: np.ndarray, h0: np.ndarray, w_x: np.ndarray,
                 w_h: np.ndarray, b: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`rnn_forward`.

    dh: (N, T, H), the direct gradient ∂C/∂h_t of each step's hidden state (from the readout at
    that step; the part that flows through later steps is added here). x, h0, w_x, w_h, b: as
    given to the forward pass (recomputed here, no cache).
    Returns (dx (N, T, D), dh0 (N, H), dw_x (H, D), dw_h (H, H), db (H,)).
    """
    h = rnn_forward(x, h0, w_x, w_h, b)
    if not isinstance(dh, np.ndarray) or dh.shape != h.shape:
        raise ValueError(f"dh must have the forward output's shape {h.shape}; "
                         f"got {getattr(dh, 'shape', type(dh).__name__)}")
    T = x.shape[1]
    dtype = np.result_type(dh, h)
    dx = np.zeros(x.shape, dtype=dtype)
    dw_x = np.zeros(w_x.shape, dtype=dtype)
    dw_h = np.zeros(w_h.shape, dtype=dtype)
    db = np.zeros(b.shape, dtype=dtype)
    delta_next = np.zeros(h0.shape, dtype=dtype)  # δ_{T+1} = 0: nothing comes after the end
    for t in reversed(range(T)):
        h_prev = h[:, t - 1] if t > 0 else h0
        delta = (dh[:, t] + delta_next @ w_h) * (1 - h[:, t] ** 2)  # δ_t (BP2 through time)
        db += delta.sum(axis=0)  # ∂C/∂b = Σ_t δ_t
        dw_x += delta.T @ x[:, t]  # ∂C/∂w_x = Σ_t δ_tᵀ x_t
        dw_h += delta.T @ h_prev  # ∂C/∂w_h = Σ_t δ_tᵀ h_{t−1}
        dx[:, t] = delta @ w_x  # ∂C/∂x_t = δ_t w_x
        delta_next = delta
    dh0 = delta_next @ w_h  # ∂C/∂h_0 = δ_1 w_h
    return dx, dh0, dw_x, dw_h, db


def readout_forward(h: np.ndarray, w_y: np.ndarray, b_y: np.ndarray) -> np.ndarray:
    """Linear readout at every step: a_t = h_t w_yᵀ + b_y.

    h: (N, T, H), w_y: (K, H), b_y: (K,) -> a: (N, T, K).
    """
    if h.ndim != 3 or w_y.ndim != 2 or w_y.shape[1] != h.shape[2] or b_y.shape != (w_y.shape[0],):
        raise ValueError(f"readout needs h (N, T, H), w_y (K, H), b_y (K,); got {h.shape}, "
                         f"{w_y.shape}, {b_y.shape}")
    return h @ w_y.T + b_y


def readout_backward(da: np.ndarray, h: np.ndarray, w_y: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the readout. da: (N, T, K) = ∂C/∂a, h: (N, T, H), w_y: (K, H)
    -> (dh (N, T, H), dw_y (K, H), db_y (K,))."""
    if da.shape != h.shape[:2] + (w_y.shape[0],):
        raise ValueError(f"da must have shape {h.shape[:2] + (w_y.shape[0],)}; got {da.shape}")
    dh = da @ w_y  # ∂C/∂h_t = ∂C/∂a_t w_y
    dw_y = np.einsum("ntk,nth->kh", da, h)  # Σ_{n,t} ∂C/∂a_t h_tᵀ
    db_y = da.sum(axis=(0, 1))
    return dh, dw_y, db_y


def sequence_cost(a: np.ndarray, y: np.ndarray) -> float:
    """Quadratic cost averaged over sequences and steps: C = 1/(2NT) Σ_n Σ_t ‖a_t − y_t‖².

    a, y: (N, T, K).
    """
    if a.shape != y.shape:
        raise ValueError(f"outputs a and targets y must have one shape; got {a.shape}, {y.shape}")
    N, T = a.shape[:2]
    return float(np.sum((a - y) ** 2) / (2 * N * T))


def sequence_cost_gradient(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂C/∂a for :func:`sequence_cost`: (a − y)/(NT), shape (N, T, K)."""
    if a.shape != y.shape:
        raise ValueError(f"outputs a and targets y must have one shape; got {a.shape}, {y.shape}")
    N, T = a.shape[:2]
    return (a - y) / (N * T)


# --------------------------------------------------------------------------------------------
# A network object and its training loop
# --------------------------------------------------------------------------------------------


@dataclass
class RNN:
    """A tanh RNN with a linear readout; parameters ``[w_x, w_h, b, w_y, b_y]``.

    recurrent=False keeps w_h at zero (its gradient is discarded): the same network without
    memory, each output a function of the current input only. Use :meth:`create` to build one.
    """

    w_x: np.ndarray
    w_h: np.ndarray
    b: np.ndarray
    w_y: np.ndarray
    b_y: np.ndarray
    recurrent: bool = True

    @classmethod
    def create(cls, n_in: int, n_hidden: int, n_out: int,
               rng: int | np.random.Generator | None, *,
               recurrent: bool = True, w_h_gain: float = 1.0,
               dtype: np.dtype | type = np.float64) -> RNN:
        """Weights N(0, 1/n_in) for each weight matrix (w_h scaled by ``w_h_gain``), biases 0.

        rng: a seed or a numpy Generator. recurrent=False: w_h = 0 and kept there.
        """
        rng = as_rng(rng, "rng")
        for name, n in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            check_int(n, name, minimum=1)

        def gauss(rows: int, cols: int, gain: float = 1.0) -> np.ndarray:
            return (gain / math.sqrt(cols) * rng.standard_normal((rows, cols))).astype(dtype)

        w_h = gauss(n_hidden, n_hidden, w_h_gain)
        if not recurrent:
            w_h[...] = 0
        return cls(w_x=gauss(n_hidden, n_in), w_h=w_h, b=np.zeros(n_hidden, dtype=dtype),
                   w_y=gauss(n_out, n_hidden), b_y=np.zeros(n_out, dtype=dtype),
                   recurrent=recurrent)

    @property
    def params(self) -> list[np.ndarray]:
        """[w_x, w_h, b, w_y, b_y], the arrays an optimiser updates in place."""
        return [self.w_x, self.w_h, self.b, self.w_y, self.b_y]

    def _h0(self, x: np.ndarray) -> np.ndarray:
        return np.zeros((x.shape[0], self.w_h.shape[0]), dtype=self.w_h.dtype)

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.w_x.dtype)
        if x.ndim != 3 or x.shape[2] != self.w_x.shape[1]:
            raise ValueError(f"x must have shape (N, T, {self.w_x.shape[1]}); got {x.shape}")
        return x

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs a: (N, T, K) for inputs x: (N, T, D), starting from h_0 = 0."""
        x = self._check_x(x)
        h = rnn_forward(x, self._h0(x), self.w_x, self.w_h, self.b)
        return readout_forward(h, self.w_y, self.b_y)

    def cost(self, x: np.ndarray, y: np.ndarray) -> float:
        """:func:`sequence_cost` of the predictions on (x, y)."""
        return sequence_cost(self.predict(x), np.asarray(y))

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        """(cost, [dw_x, dw_h, db, dw_y, db_y]) on the batch (x (N, T, D), y (N, T, K))."""
        x = self._check_x(x)
        y = np.asarray(y)
        h0 = self._h0(x)
        h = rnn_forward(x, h0, self.w_x, self.w_h, self.b)
        a = readout_forward(h, self.w_y, self.b_y)
        da = sequence_cost_gradient(a, y)
        dh, dw_y, db_y = readout_backward(da, h, self.w_y)
        _, _, dw_x, dw_h, db = rnn_backward(dh, x, h0, self.w_x, self.w_h, self.b)
        if not self.recurrent:
            dw_h[...] = 0  # no memory: w_h stays at zero
        return sequence_cost(a, y), [dw_x, dw_h, db, dw_y, db_y]


@dataclass
class RNNHistory:
    """Per-epoch record of :func:`train_rnn`: mean training cost, validation cost (if given)."""

    training_cost: list[float] = field(default_factory=list)
    validation_cost: list[float] = field(default_factory=list)


def train_rnn(net: RNN, training_data: tuple[np.ndarray, np.ndarray], epochs: int,
              mini_batch_size: int, optimizer, *,
              validation_data: tuple[np.ndarray, np.ndarray] | None = None,
              rng: int | np.random.Generator | None,
              max_grad_norm: float | None = None) -> RNNHistory:
    """Mini-batch training of ``net`` by BPTT; each step ``optimizer.step(net.params, grads)``.

    training_data, validation_data: (x (N, T, D), y (N, T, K)). optimizer: an object of
    :mod:`nndl_lib.optimizers` (e.g. ``Adam(eta=0.01)``). rng: a seed or Generator; it shuffles
    the sequences each epoch.
    max_grad_norm: if given, a gradient whose overall norm exceeds it is scaled down to that norm
    (gradient clipping, the usual guard against exploding gradients in RNNs).
    """
    x, y = training_data
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of sequences; got {len(x)}, {len(y)}")
    epochs = check_int(epochs, "epochs", minimum=0)
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
    rng = as_rng(rng, "rng")
    history = RNNHistory()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        costs = []
        for k in range(0, len(x), mini_batch_size):
            batch = order[k:k + mini_batch_size]
            cost, grads = net.gradients(x[batch], y[batch])
            if max_grad_norm is not None:
                norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
                if norm > max_grad_norm:
                    grads = [g * (max_grad_norm / norm) for g in grads]
            optimizer.step(net.params, grads)
            costs.append(cost)
        history.training_cost.append(float(np.mean(costs)))
        if validation_data is not None:
            history.validation_cost.append(net.cost(*validation_data))
    return history


def input_sensitivity(net: RNN, x: np.ndarray) -> np.ndarray:
    """How much the last output depends on each earlier input: ‖∂a_T/∂x_t‖ for t = 1..T.

    x: (N, T, D). Backpropagates ∂C/∂a_T = 1 (every output unit, last step only) through time and
    returns the mean over the N sequences of the norm of ∂C/∂x_t: an array (T,). For a vanilla
    RNN it typically decays geometrically as t moves away from T: the unstable gradient problem
    in time.
    """
    x = net._check_x(x)
    h0 = net._h0(x)
    h = rnn_forward(x, h0, net.w_x, net.w_h, net.b)
    da = np.zeros(h.shape[:2] + (net.w_y.shape[0],), dtype=h.dtype)
    da[:, -1] = 1.0
    dh, _, _ = readout_backward(da, h, net.w_y)
    dx, *_ = rnn_backward(dh, x, h0, net.w_x, net.w_h, net.b)
    return np.linalg.norm(dx, axis=2).mean(axis=0)


def noisy_sine(n_sequences: int, steps: int, *, period: float = 16.0, noise: float = 0.3,
               rng: int | np.random.Generator | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A toy sequence task: read a noisy sine wave, predict the clean wave's next value.

    Each sequence has a random phase φ: s_t = sin(2π t/period + φ), t = 0..steps; the inputs are
    x_t = s_t + ε_t with ε_t ~ N(0, noise²), the targets y_t = s_{t+1}.
    Returns (x (N, steps, 1), y (N, steps, 1), s (N, steps + 1) the clean wave).
    """
    rng = as_rng(rng, "rng")
    n_sequences = check_int(n_sequences, "n_sequences", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    period = check_positive(period, "period")
    noise = check_positive(noise, "noise", allow_zero=True)
    phase = rng.uniform(0, 2 * np.pi, size=(n_sequences, 1))
    t = np.arange(steps + 1)
    s = np.sin(2 * np.pi * t / period + phase)
    x = s[:, :-1] + noise * rng.standard_normal((n_sequences, steps))
    return x[:, :, None], s[:, 1:, None], s


# --------------------------------------------------------------------------------------------
# LSTM (forward only: the chapter explains the cell and shows how it keeps information)
# --------------------------------------------------------------------------------------------


def lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: np.ndarray,
                 b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states and cell states of an LSTM layer (Hochreiter and Schmidhuber, 1997).

    At each step the four blocks of ``[x_t, h_{t−1}] wᵀ + b`` (in this order: forget, input,
    output, candidate) give

        f_t = σ(·), i_t = σ(·), o_t = σ(·), g_t = tanh(·)
        c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t          (the cell state: an additive update)
        h_t = o_t ⊙ tanh(c_t)

    x: (N, T, D), h0, c0: (N, H), w: (4H, D + H), b: (4H,) -> (h (N, T, H), c (N, T, H)).
    """
    if x.ndim != 3 or h0.ndim != 2 or h0.shape != c0.shape or h0.shape[0] != x.shape[0]:
        raise ValueError(f"need x (N, T, D), h0 and c0 (N, H); got {x.shape}, {h0.shape}, "
                         f"{c0.shape}")
    N, T, D = x.shape
    H = h0.shape[1]
    if w.shape != (4 * H, D + H) or b.shape != (4 * H,):
        raise ValueError(f"w must have shape (4H, D + H) = {(4 * H, D + H)} and b (4H,) = "
                         f"({4 * H},); got {w.shape}, {b.shape}")
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, w, b))
    c = np.empty_like(h)
    h_prev, c_prev = h0, c0
    for t in range(T):
        z = np.concatenate([x[:, t], h_prev], axis=1) @ w.T + b  # (N, 4H)
        f, i, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), sigmoid(z[:, 2 * H:3 * H])
        g = np.tanh(z[:, 3 * H:])
        c[:, t] = f * c_prev + i * g  # c_t = f ⊙ c_{t−1} + i ⊙ g
        h[:, t] = o * np.tanh(c[:, t])  # h_t = o ⊙ tanh(c_t)
        h_prev, c_prev = h[:, t], c[:, t]
    return h, c
