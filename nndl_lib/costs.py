"""Cost functions and the output-layer error they produce (chapters 1-3).

Each cost is a class of static methods, so it can be passed around by name or as the class:

- ``fn(a, y)``: the cost averaged over the rows of a mini-batch, ``(1/N) sum_x C_x``;
- ``derivative(a, y)``: the per-example gradient ``dC_x/da``, row by row;
- ``delta(z, a, y, prime=sigmoid_prime)``: the output error delta^L = dC_x/dz^L (BP1), row by row.

``a`` and ``y`` are ``(N, n_out)`` arrays (or ``(n_out,)`` vectors, for the per-example code of
chapter 2); ``z`` is the weighted input of the output layer, ``prime`` the derivative of the output
activation, used where the cost does not cancel it.

The three costs:

- ``QuadraticCost``: C_x = 1/2 ||y - a||^2, delta^L = (a - y) * sigma'(z^L). The sigma' factor is
  the learning slowdown of chapter 3.
- ``CrossEntropyCost``: C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]. With sigmoid outputs
  sigma'(z) = a (1 - a) cancels against dC/da, leaving delta^L = a - y.
- ``LogLikelihoodCost``: C_x = -sum_j y_j ln a_j (= -ln a_y for a one-hot y). It assumes a
  **softmax** output layer, for which delta^L = a - y as well.

Logarithms of 0 (for example a = y = 1 in cross-entropy, where the term (1 - y) ln(1 - a) is 0 times
-inf) are made safe with ``np.nan_to_num``: such 0 * inf terms count as 0, and a truly infinite cost
becomes the largest finite float.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import sigmoid_prime

__all__ = ["Cost", "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost", "COSTS", "get_cost"]


def _rows(a: np.ndarray) -> int:
    """Number of examples: rows of a 2-D batch, 1 for a single vector."""
    return a.shape[0] if a.ndim == 2 else 1


def _safe_mean(c: np.ndarray, a: np.ndarray) -> float:
    """(1/N) sum of the cost terms c, with 0 * inf terms as 0 and an infinite total (one or
    several infinite terms) as the largest finite float (before dividing by N)."""
    return float(np.nan_to_num(np.sum(np.nan_to_num(c))) / _rows(a))


class Cost:
    """Common interface; see the module docstring. Subclasses set ``name``."""

    name: str = ""

    @staticmethod
    def fn(a: np.ndarray, y: np.ndarray) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def delta(z, a, y, prime=sigmoid_prime) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class QuadraticCost(Cost):
    """C = (1/N) sum_x 1/2 ||y(x) - a(x)||^2, the cost of chapter 1."""

    name = "quadratic"

    @staticmethod
    def fn(a: np.ndarray, y: np.ndarray) -> float:
        """Mean over rows of 1/2 ||y - a||^2. a, y: (N, n_out) or (n_out,)."""
        return float(0.5 * np.sum((a - y) ** 2) / _rows(a))

    @staticmethod
    def derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dC_x/da = a - y, per row."""
        return a - y

    @staticmethod
    def delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, prime=sigmoid_prime) -> np.ndarray:
        """delta^L = (a - y) * sigma'(z^L)   (BP1 with nabla_a C = a - y)."""
        return (a - y) * prime(z)


class CrossEntropyCost(Cost):
    """C = -(1/N) sum_x sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] (chapter 3).

    Meant for outputs in (0, 1), i.e. a sigmoid output layer.
    """

    name = "cross-entropy"

    @staticmethod
    def fn(a: np.ndarray, y: np.ndarray) -> float:
        """Mean over rows of the cross-entropy; 0 * ln 0 counts as 0. a, y: (N, n_out)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = -y * np.log(a) - (1 - y) * np.log(1 - a)
            return _safe_mean(c, a)

    @staticmethod
    def derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dC_x/da = (a - y) / (a (1 - a)), with 0/0 (a = y in {0, 1}) taken as 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (a - y) / (a * (1 - a))
        return np.nan_to_num(d)

    @staticmethod
    def delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, prime=sigmoid_prime) -> np.ndarray:
        """delta^L = a - y for sigmoid outputs: sigma'(z) = a(1 - a) cancels dC/da (BP1).

        For another output activation (``prime`` not the sigmoid's), the general
        BP1 form dC/da * prime(z) is returned.
        """
        if prime is sigmoid_prime:
            return a - y
        return CrossEntropyCost.derivative(a, y) * prime(z)


class LogLikelihoodCost(Cost):
    """C = -(1/N) sum_x sum_j y_j ln a_j = -(1/N) sum_x ln a_{y(x)} (chapter 3).

    Implies a softmax output layer: a = softmax(z^L), row by row.
    """

    name = "log-likelihood"

    @staticmethod
    def fn(a: np.ndarray, y: np.ndarray) -> float:
        """Mean over rows of -sum_j y_j ln a_j; terms with y_j = 0 count as 0."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = -y * np.log(a)
            return _safe_mean(c, a)

    @staticmethod
    def derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dC_x/da_j = -y_j / a_j (0 where y_j = 0)."""
        out = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(y)), dtype=np.result_type(a, y))
        np.divide(-y, a, out=out, where=(y != 0))
        return out

    @staticmethod
    def delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, prime=None) -> np.ndarray:
        """delta^L = a - y for a softmax output layer (``prime`` is ignored).

        The softmax Jacobian da_i/dz_j = a_i (delta_ij - a_j) contracted with -y_i / a_i gives
        a_j sum_i y_i - y_j = a_j - y_j when each row of y sums to 1.
        """
        return a - y


COSTS: dict[str, type[Cost]] = {
    c.name: c for c in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)
}


def get_cost(cost: str | type[Cost] | Cost) -> type[Cost]:
    """The cost class named ``cost`` ("quadratic", "cross-entropy", "log-likelihood"), or ``cost``
    itself when it already is a cost class (an instance is turned into its class)."""
    if isinstance(cost, type) and issubclass(cost, Cost):
        return cost
    if isinstance(cost, Cost):
        return type(cost)
    if isinstance(cost, str):
        key = cost.strip().lower().replace("_", "-")
        aliases = {"crossentropy": "cross-entropy", "mse": "quadratic",
                   "loglikelihood": "log-likelihood", "nll": "log-likelihood"}
        key = aliases.get(key, key)
        if key in COSTS:
            return COSTS[key]
    raise ValueError(
        f"unknown cost {cost!r}; expected one of {sorted(COSTS)} or a class from nndl_lib.costs"
    )
