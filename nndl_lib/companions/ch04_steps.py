"""Chapter 4's building blocks: one neuron with a large weight is a step, two make a bump.

- a sigmoid neuron sigma(w x + b) with a large weight ``w`` is almost a step, at ``s = -b / w``
  (:func:`step_position`, :func:`step_bias`, :func:`hidden_neuron`); near the step lies a
  *window of failure* that shrinks like 1/w but never vanishes (:func:`window_of_failure`);
- two such neurons whose outputs are weighted ``h`` and ``-h`` make a *bump* of height ``h``
  (:func:`bump`);
- any activation with two different finite limits makes steps the same way
  (:func:`activation_limits`, :func:`normalized_step`);
- a sigmoid output neuron turns a sum of bumps into sigma(sum): the bumps must then approximate
  sigma^{-1}(f) (:func:`sigmoid_inverse`).

The networks built from many bumps, and their errors, are in
:mod:`nndl_lib.companions.ch04_universality`. Inputs ``x`` are arrays ``(N,)``; outputs ``(N,)``.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import Activation, get_activation
from nndl_lib.validate import check_positive

__all__ = [
    "ActivationLike",
    "step_position",
    "step_bias",
    "hidden_neuron",
    "window_of_failure",
    "activation_limits",
    "normalized_step",
    "bump",
    "sigmoid_inverse",
]

ActivationLike = str | Activation


def step_position(w: float, b: float) -> float:
    """Where the neuron sigma(w x + b) steps: s = -b / w (there sigma = 1/2)."""
    if w == 0:
        raise ValueError("w = 0 gives a constant neuron, not a step; use a nonzero weight")
    return -b / w


def step_bias(s: float, w: float) -> float:
    """The bias that puts the step of sigma(w x + b) at x = s: b = -w s."""
    return -w * s


def hidden_neuron(x: np.ndarray, w: float, b: float,
                  activation: ActivationLike = "sigmoid") -> np.ndarray:
    """Output of one hidden neuron with one input: a = sigma(w x + b). x: (N,) -> (N,)."""
    return get_activation(activation)(w * np.asarray(x, dtype=np.float64) + b)


def window_of_failure(w: float, eps: float = 0.01) -> float:
    """Width of the x-interval in which sigma(w x + b) is neither within eps of 0 nor of 1.

    sigma(z) = eps at z = -ln((1 - eps) / eps), so the window is 2 ln((1 - eps) / eps) / |w| wide,
    centred on the step position. It shrinks like 1/w but never vanishes.
    """
    if w == 0:
        raise ValueError("w = 0 gives a constant neuron, not a step; use a nonzero weight")
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must be between 0 and 0.5; got {eps!r}")
    return 2 * np.log((1 - eps) / eps) / abs(w)



# ----------------------------------------------------------------------------------------------
# Two neurons: a bump
# ----------------------------------------------------------------------------------------------

def activation_limits(activation: ActivationLike) -> tuple[float, float]:
    """The limits (s(-inf), s(+inf)) of an activation, estimated at |z| = 1e2, 1e4, 1e6, 1e8.

    The values must settle (successive changes shrink, the last below 1e-4) at two different
    finite numbers; the values at |z| = 1e8 are returned. Raises ValueError otherwise (ReLU,
    softplus, linear): such an activation cannot make a step by a large weight. A numerical
    check, not a proof.
    """
    act = get_activation(activation)
    z = np.array([1e2, 1e4, 1e6, 1e8])
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.stack([act(-z), act(z)])  # (2, 4): s(-z) and s(+z)
    changes = np.abs(np.diff(values, axis=1))
    settled = (np.all(np.isfinite(values)) and np.all(changes[:, -1] <= 1e-4)
               and np.all(changes[:, -1] <= changes[:, 0] + 1e-12))
    lo, hi = values[:, -1]
    if not settled or abs(hi - lo) < 1e-6:
        raise ValueError(
            f"activation {act.name!r} has no two different finite limits as z -> -inf and "
            f"z -> +inf (s(-1e8) = {lo:.4g}, s(1e4) = {values[1, 1]:.4g}, "
            f"s(1e8) = {hi:.4g}); a large weight does not turn it into a step. "
            "For ReLU, build the network from ramps instead: relu_network()."
        )
    return float(lo), float(hi)


def normalized_step(x: np.ndarray, s: float, w: float,
                    activation: ActivationLike = "sigmoid") -> np.ndarray:
    """(s(w (x - s)) - lo) / (hi - lo) for an activation with limits lo, hi: a step of height 1.

    x: (N,) -> (N,). For large w it is close to 0 left of s and close to 1 right of it.
    """
    lo, hi = activation_limits(activation)
    return (hidden_neuron(x, w, step_bias(s, w), activation) - lo) / (hi - lo)


def bump(x: np.ndarray, s1: float, s2: float, h: float, w: float,
         activation: ActivationLike = "sigmoid") -> np.ndarray:
    """The weighted output of two hidden neurons stepping at s1 < s2, weighted h and -h.

    h (a(x; s1) - a(x; s2)) / (hi - lo), with a(x; s) = s(w (x - s)): about h on (s1, s2), about
    0 elsewhere. x: (N,) -> (N,).
    """
    if not s1 < s2:
        raise ValueError(f"a bump needs s1 < s2; got s1 = {s1!r}, s2 = {s2!r}")
    check_positive(w, "w")
    return h * (normalized_step(x, s1, w, activation) - normalized_step(x, s2, w, activation))


def sigmoid_inverse(a: np.ndarray) -> np.ndarray:
    """sigma^{-1}(a) = ln(a / (1 - a)), for a strictly between 0 and 1."""
    a = np.asarray(a, dtype=np.float64)
    if np.any(a <= 0) or np.any(a >= 1):
        raise ValueError(
            "sigma^{-1}(a) needs 0 < a < 1; got values from "
            f"{a.min():.4g} to {a.max():.4g}. A sigmoid output neuron can only produce values in "
            "(0, 1): rescale the target into that interval or use a linear output."
        )
    return np.log(a) - np.log1p(-a)
