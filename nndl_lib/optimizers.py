"""Update rules for gradient descent: plain SGD and the common adaptive optimisers.

Every optimiser follows one small protocol, which the network's training loop relies on:

- attribute ``eta``: the learning rate η (a learning-rate schedule may change it between steps);
- ``step(params, grads)``: update every array in ``params`` IN PLACE, given ``grads`` of the
  same shapes (``grads[i]`` is ∂C/∂``params[i]`` for the current mini-batch);
- ``reset()``: forget all state (velocities, accumulators, step count).

State (a velocity, a running average of squared gradients, ...) is created lazily on the first
step, one array per parameter *position* in the list, with that parameter's shape and dtype.
Positions must keep their shapes from step to step; a different number or shape of parameters
raises ``ValueError`` (call ``reset()`` before reusing an optimiser on another network).

Notation in the docstrings: w is one parameter array, g = ∇C(w) its gradient, all operations
elementwise, t the step number (1, 2, ...).

Example::

    opt = get_optimizer("adam", eta=1e-3)
    nabla_b, nabla_w = net.backprop(x, y)
    opt.step(net.weights + net.biases, nabla_w + nabla_b)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nndl_lib.validate import check_positive, check_probability

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "OPTIMIZERS",
    "get_optimizer",
    "trajectory",
]


class Optimizer:
    """Base class: validation of (params, grads) and lazily created per-parameter state.

    Subclasses implement ``_update(i, w, g)`` for parameter position ``i`` and list the names of
    their per-parameter state arrays in ``_state_names``.
    """

    _state_names: tuple[str, ...] = ()

    def __init__(self, eta: float) -> None:
        self.eta = check_positive(eta, "eta")
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next ``step`` starts as if the optimiser were new."""
        self.t = 0
        self._shapes: list[tuple[tuple[int, ...], np.dtype]] | None = None
        self.state: dict[str, list[np.ndarray]] = {name: [] for name in self._state_names}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply one update to every array of ``params`` in place.

        params: list of float arrays (any shapes); grads: list of arrays of the same shapes.
        """
        self._validate(params, grads)
        self.t += 1
        for i, (w, g) in enumerate(zip(params, grads, strict=True)):
            self._update(i, w, g)

    # -- helpers ---------------------------------------------------------------------------------

    def _validate(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if len(params) != len(grads):
            raise ValueError(
                f"step() needs one gradient per parameter; got {len(params)} params and "
                f"{len(grads)} grads"
            )
        for i, (w, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.floating):
                raise TypeError(
                    f"params[{i}] must be a floating-point numpy array (it is updated in place); "
                    f"got {type(w).__name__} {getattr(w, 'dtype', '')}"
                )
            if np.shape(g) != w.shape:
                raise ValueError(
                    f"grads[{i}] must have the shape of params[{i}], {w.shape}; got {np.shape(g)}"
                )
        shapes = [(w.shape, w.dtype) for w in params]
        if self._shapes is None:
            self._shapes = shapes
            for name in self._state_names:
                self.state[name] = [np.zeros_like(w) for w in params]
        elif shapes != self._shapes:
            raise ValueError(
                f"{type(self).__name__} was first used with {len(self._shapes)} parameters of "
                f"shapes/dtypes {self._shapes}; now got {len(shapes)} of shapes/dtypes {shapes}. "
                "Call reset() (or use a new optimiser) for another network."
            )

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eta={self.eta!r})"


class SGD(Optimizer):
    """Plain (stochastic) gradient descent, the book's rule.

    w → w − η g
    """

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        w -= self.eta * g


class Momentum(Optimizer):
    """Momentum-based gradient descent (the book, chapter 3): a velocity v per parameter, v₀ = 0.

        v → μ v − η g
        w → w + v

    μ ∈ [0, 1) is the "momentum coefficient" (1 − μ is the friction); μ = 0 is plain SGD.
    """

    _state_names = ("v",)

    def __init__(self, eta: float, mu: float = 0.9) -> None:
        self.mu = check_probability(mu, "mu")
        super().__init__(eta)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        v = self.state["v"][i]
        v *= self.mu
        v -= self.eta * g  # v → μv − η∇C
        w += v  # w → w + v

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eta={self.eta!r}, mu={self.mu!r})"


class Nesterov(Momentum):
    """Nesterov accelerated gradient, in the form that evaluates g at the current w (v₀ = 0).

        v → μ v − η g
        w → w + μ v − η g        (using the new v)

    This is Nesterov's "look ahead" step (gradient at w + μv) rewritten for the stored parameters
    w + μv; it is also what ``torch.optim.SGD(nesterov=True)`` does. Same state and
    hyper-parameters as :class:`Momentum`; only the step differs.
    """

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        v = self.state["v"][i]
        v *= self.mu
        v -= self.eta * g  # v → μv − ηg
        w += self.mu * v - self.eta * g  # w → w + μv − ηg


class Adagrad(Optimizer):
    """Adagrad: each parameter's step shrinks with its accumulated squared gradient (G₀ = 0).

    G → G + g²
    w → w − η g / (√G + ε)
    """

    _state_names = ("G",)

    def __init__(self, eta: float, eps: float = 1e-8) -> None:
        self.eps = check_positive(eps, "eps")
        super().__init__(eta)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        G = self.state["G"][i]
        G += g * g  # G → G + g²
        w -= self.eta * g / (np.sqrt(G) + self.eps)

    def __repr__(self) -> str:
        return f"Adagrad(eta={self.eta!r}, eps={self.eps!r})"


class Adadelta(Optimizer):
    """Adadelta: Adagrad with decaying averages and no learning rate to tune (E[g²]₀ = E[Δw²]₀ = 0).

        E[g²]  → ρ E[g²] + (1 − ρ) g²
        Δw     = −(√(E[Δw²] + ε) / √(E[g²] + ε)) g
        E[Δw²] → ρ E[Δw²] + (1 − ρ) Δw²
        w      → w + η Δw

    The original method has no η; here ``eta`` (default 1.0) is a plain multiplier of the step so
    the optimiser fits the common protocol (a learning-rate schedule may scale it).
    """

    _state_names = ("Eg2", "Edw2")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6, eta: float = 1.0) -> None:
        self.rho = check_probability(rho, "rho")
        self.eps = check_positive(eps, "eps")
        super().__init__(eta)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        Eg2, Edw2 = self.state["Eg2"][i], self.state["Edw2"][i]
        Eg2 *= self.rho
        Eg2 += (1 - self.rho) * g * g  # E[g²] → ρE[g²] + (1 − ρ)g²
        dw = -np.sqrt(Edw2 + self.eps) / np.sqrt(Eg2 + self.eps) * g  # Δw
        Edw2 *= self.rho
        Edw2 += (1 - self.rho) * dw * dw  # E[Δw²] → ρE[Δw²] + (1 − ρ)Δw²
        w += self.eta * dw

    def __repr__(self) -> str:
        return f"Adadelta(rho={self.rho!r}, eps={self.eps!r}, eta={self.eta!r})"


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of recent gradients (E[g²]₀ = 0).

    E[g²] → ρ E[g²] + (1 − ρ) g²
    w     → w − η g / (√E[g²] + ε)
    """

    _state_names = ("Eg2",)

    def __init__(self, eta: float, rho: float = 0.9, eps: float = 1e-8) -> None:
        self.rho = check_probability(rho, "rho")
        self.eps = check_positive(eps, "eps")
        super().__init__(eta)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        Eg2 = self.state["Eg2"][i]
        Eg2 *= self.rho
        Eg2 += (1 - self.rho) * g * g  # E[g²] → ρE[g²] + (1 − ρ)g²
        w -= self.eta * g / (np.sqrt(Eg2) + self.eps)

    def __repr__(self) -> str:
        return f"RMSprop(eta={self.eta!r}, rho={self.rho!r}, eps={self.eps!r})"


class Adam(Optimizer):
    """Adam: momentum on the gradient (m) and RMSprop-style scaling (v), both bias-corrected.

        m → β₁ m + (1 − β₁) g
        v → β₂ v + (1 − β₂) g²
        m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
        w → w − η m̂ / (√v̂ + ε)

    m₀ = v₀ = 0; the corrections undo their bias towards zero in the first steps (t counts steps).
    """

    _state_names = ("m", "v")

    def __init__(
        self, eta: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.beta1 = check_probability(beta1, "beta1")
        self.beta2 = check_probability(beta2, "beta2")
        self.eps = check_positive(eps, "eps")
        super().__init__(eta)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        m, v = self.state["m"][i], self.state["v"][i]
        m *= self.beta1
        m += (1 - self.beta1) * g  # m → β₁m + (1 − β₁)g
        v *= self.beta2
        v += (1 - self.beta2) * g * g  # v → β₂v + (1 − β₂)g²
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        w -= self.eta * m_hat / (np.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return (
            f"Adam(eta={self.eta!r}, beta1={self.beta1!r}, beta2={self.beta2!r}, eps={self.eps!r})"
        )


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def get_optimizer(name: str | Optimizer, **kwargs: Any) -> Optimizer:
    """An optimiser by name, e.g. ``get_optimizer("momentum", eta=0.5, mu=0.9)``.

    Names (case-insensitive): "sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop",
    "adam".
    An ``Optimizer`` instance is returned unchanged (keyword arguments are then not allowed).
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise ValueError(
                "got an optimiser instance and keyword arguments; pass one or the other"
            )
        return name
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name or an Optimizer; got {type(name).__name__}")
    key = name.strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    try:
        return OPTIMIZERS[key](**kwargs)
    except TypeError as err:
        raise TypeError(f"bad arguments for optimizer {key!r}: {err}") from None


def trajectory(
    optimizer: Optimizer, grad: Callable[[np.ndarray], np.ndarray], v0: Any, steps: int
) -> np.ndarray:
    """Positions visited by ``optimizer`` minimising a function with gradient ``grad``.

    v0: starting point (d,); grad(v) -> (d,), the gradient at v. Takes ``steps`` steps, each
    ``optimizer.step([v], [grad(v)])``, and returns every position, start included:
    ``(steps + 1, d)``. For ``SGD(eta)`` this is plain gradient descent, v -> v - eta grad C(v).
    """
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    v = np.array(v0, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"v0 must be a vector (d,); got shape {v.shape}")
    path = [v.copy()]
    for _ in range(int(steps)):
        optimizer.step([v], [np.asarray(grad(v), dtype=float)])
        path.append(v.copy())
    return np.array(path)
