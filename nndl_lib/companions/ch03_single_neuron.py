"""One sigmoid neuron, studied in isolation: chapter 3's learning-slowdown experiment and friends.

The neuron has one input x, one weight w and one bias b:

    z = w x + b,        a = σ(z) = 1 / (1 + e^{-z}).

It is trained by plain gradient descent on a single example (x, y), by default x = 1, y = 0,
with one of two costs:

    quadratic      C = (y - a)² / 2              ∂C/∂w = (a - y) σ'(z) x,   ∂C/∂b = (a - y) σ'(z)
    cross-entropy  C = -[y ln a + (1-y) ln(1-a)] ∂C/∂w = (a - y) x,         ∂C/∂b = (a - y)

The factor σ'(z) in the quadratic gradients is what makes a saturated neuron (a near 0 or 1)
learn slowly; the cross-entropy gradient has no such factor.

The module also holds two other one-neuron calculations of the chapter: the spread of the
weighted input z under the two weight initialisations, and the input range where tanh is
steeper than the sigmoid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nndl_lib.activations import sigmoid, sigmoid_prime, tanh_prime
from nndl_lib.costs import get_cost
from nndl_lib.validate import check_int, check_positive

__all__ = [
    "NEURON_COSTS",
    "NeuronRun",
    "neuron_cost",
    "neuron_gradients",
    "train_single_neuron",
    "weighted_input_std",
    "sample_weighted_input",
    "tanh_sigmoid_slope_crossing",
]

NEURON_COSTS = ("quadratic", "cross-entropy")


def _check_cost(cost: str) -> str:
    if cost not in NEURON_COSTS:
        raise ValueError(f"cost must be one of {NEURON_COSTS}; got {cost!r}")
    return cost


def neuron_cost(a: float, y: float, cost: str) -> float:
    """The cost of output ``a`` for target ``y``, from the library's cost classes.

    quadratic: C = (y - a)² / 2; cross-entropy: C = -[y ln a + (1 - y) ln(1 - a)].
    """
    _check_cost(cost)
    return get_cost(cost).fn(np.array([[a]], dtype=float), np.array([[y]], dtype=float))


def neuron_gradients(
    w: float, b: float, cost: str, x: float = 1.0, y: float = 0.0
) -> tuple[float, float]:
    """(∂C/∂w, ∂C/∂b) for the neuron at (w, b) on the example (x, y).

    quadratic: δ = (a - y) σ'(z); cross-entropy: δ = a - y (σ' cancels).
    Then ∂C/∂w = δ x and ∂C/∂b = δ.
    """
    _check_cost(cost)
    z = np.array([[w * x + b]], dtype=float)
    a = sigmoid(z)
    delta = float(get_cost(cost).delta(z, a, np.array([[y]], dtype=float))[0, 0])  # BP1
    return delta * x, delta


@dataclass(frozen=True)
class NeuronRun:
    """The trajectory of one training run; arrays have length ``epochs + 1`` (index 0 = start).

    w, b: parameters; a: output σ(w x + b); cost: C(a, y); dC_dw: ∂C/∂w at that point.
    """

    cost_name: str
    eta: float
    w: np.ndarray
    b: np.ndarray
    a: np.ndarray
    cost: np.ndarray
    dC_dw: np.ndarray

    @property
    def epochs(self) -> np.ndarray:
        """0, 1, ..., number of epochs (x axis for plots)."""
        return np.arange(len(self.w))


def train_single_neuron(
    w: float,
    b: float,
    *,
    cost: str = "quadratic",
    eta: float = 0.15,
    epochs: int = 300,
    x: float = 1.0,
    y: float = 0.0,
) -> NeuronRun:
    """Train the neuron by gradient descent, one step per epoch, and record every epoch.

    Each step: w → w - η ∂C/∂w,  b → b - η ∂C/∂b  (the training set is the single example).
    Returns a :class:`NeuronRun` whose arrays start with the initial state.
    """
    _check_cost(cost)
    eta = check_positive(eta, "eta")
    epochs = check_int(epochs, "epochs", minimum=0)
    ws, bs, as_, cs, gs = [], [], [], [], []
    for epoch in range(int(epochs) + 1):
        a = float(sigmoid(w * x + b))
        dw, db = neuron_gradients(w, b, cost, x, y)
        ws.append(w)
        bs.append(b)
        as_.append(a)
        cs.append(float(neuron_cost(a, y, cost)))
        gs.append(dw)
        if epoch < epochs:
            w, b = w - eta * dw, b - eta * db
    arr = np.asarray
    return NeuronRun(cost, float(eta), arr(ws), arr(bs), arr(as_), arr(cs), arr(gs))


def weighted_input_std(n_active: int, weight_std: float, bias_std: float = 1.0) -> float:
    """Standard deviation of z = Σ_j w_j x_j + b when ``n_active`` inputs are 1 and the rest 0.

    With independent w_j ~ N(0, weight_std²) and b ~ N(0, bias_std²), z is Gaussian with
    variance n_active · weight_std² + bias_std².
    """
    if n_active < 0:
        raise ValueError(f"n_active must be >= 0; got {n_active!r}")
    return float(np.sqrt(n_active * weight_std**2 + bias_std**2))


def sample_weighted_input(
    n_inputs: int,
    n_active: int,
    weight_std: float,
    n_samples: int,
    *,
    bias_std: float = 1.0,
    seed: int | None = None,
) -> np.ndarray:
    """Draw ``n_samples`` values of z for fresh random weights and bias; x = (1,..,1,0,..,0).

    x has ``n_active`` ones followed by zeros (length ``n_inputs``). Returns z: (n_samples,).
    """
    if not 0 <= n_active <= n_inputs:
        raise ValueError(f"need 0 <= n_active <= n_inputs; got {n_active} and {n_inputs}")
    rng = np.random.default_rng(seed)
    x = np.zeros(n_inputs)
    x[:n_active] = 1.0
    w = rng.normal(0.0, weight_std, size=(n_samples, n_inputs))
    b = rng.normal(0.0, bias_std, size=n_samples)
    return w @ x + b


def tanh_sigmoid_slope_crossing(tol: float = 1e-12) -> float:
    """The z* > 0 where tanh'(z) = σ'(z); tanh is steeper than σ exactly for |z| < z*.

    tanh'(z) = 4 σ'(2z), so the equation is 4 σ'(2z) = σ'(z). Solved by bisection on [0, 10]
    (the difference is positive at 0, where it is 1 - 1/4, and negative at 10).
    """

    def gap(z: float) -> float:
        return float(tanh_prime(z) - sigmoid_prime(z))

    lo, hi = 0.0, 10.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
