"""The mutants of assignment ``foundations`` (wrong versions of each graded function; see
``grading_mutants``): MUTANTS_FOUNDATIONS[task][name] is the source of a wrong answer cell.
Each must lose points under the assignment's checks."""

from __future__ import annotations

_BN_STATS = ("    mu = x.mean(axis=0)\n"
             "    xc = x - mu\n"
             "    var = (xc * xc).mean(axis=0)\n")


def _bn_backward(stats: str = _BN_STATS, x_hat: str = "xc / np.sqrt(var + eps)",
                 dx: str = ("(dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat)"
                            ".mean(axis=0)) / np.sqrt(var + eps)"),
                 dgamma: str = "(dout * x_hat).sum(axis=0)",
                 dbeta: str = "dout.sum(axis=0)") -> str:
    return ("def batchnorm_backward(dout, x, gamma, eps=1e-5):\n" + stats
            + f"    x_hat = {x_hat}\n"
            f"    dbeta = {dbeta}\n"
            f"    dgamma = {dgamma}\n"
            "    dx_hat = dout * gamma\n"
            f"    dx = {dx}\n"
            "    return dx, dgamma, dbeta")


def _bn_forward(stats: str = _BN_STATS, x_hat: str = "xc / np.sqrt(var + eps)") -> str:
    return ("def batchnorm_forward(x, gamma, beta, eps=1e-5):\n" + stats
            + f"    x_hat = {x_hat}\n"
            "    return gamma * x_hat + beta")


def _ln_backward(axis_stats: int = 1, axis_params: int = 0, mean_terms: bool = True,
                 eps_inside: bool = True) -> str:
    keep = ", keepdims=True"
    root = "np.sqrt(var + eps)" if eps_inside else "(np.sqrt(var) + eps)"
    dx = (f"(d_hat - d_hat.mean(axis={axis_stats}{keep}) - x_hat * (d_hat * x_hat)"
          f".mean(axis={axis_stats}{keep})) / {root}" if mean_terms else f"d_hat / {root}")
    return ("def layernorm_backward(dout, x, gamma, eps=1e-5):\n"
            f"    xc = x - x.mean(axis={axis_stats}{keep})\n"
            f"    var = (xc * xc).mean(axis={axis_stats}{keep})\n"
            f"    x_hat = xc / {root}\n"
            f"    dbeta = dout.sum(axis={axis_params})\n"
            f"    dgamma = (dout * x_hat).sum(axis={axis_params})\n"
            "    d_hat = dout * gamma\n"
            f"    dx = {dx}\n"
            "    return dx, dgamma, dbeta")


def _rmsprop(update: str, sqrt: str = "np.sqrt(E) + self.eps", keep: bool = True) -> str:
    start = ("        if self.averages is None:\n" if keep else "")
    indent = "    " if keep else ""
    return ("class RMSprop:\n"
            "    def __init__(self, eta, rho=0.9, eps=1e-8):\n"
            "        self.eta, self.rho, self.eps = eta, rho, eps\n"
            "        self.averages = None\n"
            "    def step(self, params, grads):\n" + start
            + f"        {indent}self.averages = [np.zeros_like(w) for w in params]\n"
            "        for w, g, E in zip(params, grads, self.averages):\n"
            f"            E[...] = {update}\n"
            f"            w -= self.eta * g / ({sqrt})")


def _adagrad(update: str = "G + g * g", sqrt: str = "np.sqrt(G) + self.eps") -> str:
    return ("class Adagrad:\n"
            "    def __init__(self, eta, eps=1e-8):\n"
            "        self.eta, self.eps, self.sums = eta, eps, None\n"
            "    def step(self, params, grads):\n"
            "        if self.sums is None:\n"
            "            self.sums = [np.zeros_like(w) for w in params]\n"
            "        for w, g, G in zip(params, grads, self.sums):\n"
            f"            G[...] = {update}\n"
            f"            w -= self.eta * g / ({sqrt})")


_RMS = "self.rho * E + (1 - self.rho) * g * g"

MUTANTS_FOUNDATIONS: dict[str, dict[str, str]] = {
    "tanh_prime": {
        "1 - tanh (not squared)": "def tanh_prime(z):\n    return 1.0 - np.tanh(z)",
        "the sigmoid's s (1 - s) with tanh": ("def tanh_prime(z):\n"
                                              "    t = np.tanh(z)\n"
                                              "    return t * (1 - t)"),
        "casts to float64": ("def tanh_prime(z):\n"
                             "    t = np.tanh(np.asarray(z, dtype=np.float64))\n"
                             "    return 1.0 - t * t"),
        "1 + tanh^2": "def tanh_prime(z):\n    return 1.0 + np.tanh(z) ** 2",
    },
    "relu_prime": {
        "z >= 0: 1 at z = 0, against the stated convention": (
            "def relu_prime(z):\n    z = np.asarray(z)\n    return (z >= 0).astype(z.dtype)"),
        "0.5 at z = 0": ("def relu_prime(z):\n"
                         "    z = np.asarray(z)\n"
                         "    return np.where(z > 0, 1.0, np.where(z == 0, 0.5, 0.0))"
                         ".astype(z.dtype)"),
        "sign(z): -1 for negative z": "def relu_prime(z):\n    return np.sign(z)",
        "returns ReLU itself": "def relu_prime(z):\n    return np.maximum(z, 0)",
        "returns booleans": "def relu_prime(z):\n    return np.asarray(z) > 0",
    },
    "leaky_relu_prime": {
        "slope a on the positive side": ("def leaky_relu_prime(z, a=0.01):\n"
                                         "    return np.where(np.asarray(z) > 0, a, 1.0)"),
        "a ignored (always 0.01)": ("def leaky_relu_prime(z, a=0.01):\n"
                                    "    return np.where(np.asarray(z) > 0, 1.0, 0.01)"),
        "z >= 0: 1 at z = 0": ("def leaky_relu_prime(z, a=0.01):\n"
                               "    return np.where(np.asarray(z) >= 0, 1.0, a)"),
        "returns a * z on the negative side": ("def leaky_relu_prime(z, a=0.01):\n"
                                               "    z = np.asarray(z)\n"
                                               "    return np.where(z > 0, 1.0, a * z)"),
    },
    "softplus_prime": {
        "sigma(-z)": ("def softplus_prime(z):\n"
                      "    return 1.0 / (1.0 + np.exp(np.asarray(z)))"),
        "the overflowing form exp(z)/(1+exp(z))": ("def softplus_prime(z):\n"
                                                   "    e = np.exp(np.asarray(z))\n"
                                                   "    return e / (1 + e)"),
        "1/(1+exp(-z)): right values, warns on overflow": (
            "def softplus_prime(z):\n    return 1.0 / (1.0 + np.exp(-np.asarray(z)))"),
        "softplus itself": "def softplus_prime(z):\n    return np.logaddexp(0.0, z)",
        "casts to float64": ("def softplus_prime(z):\n"
                             "    z = np.asarray(z, dtype=np.float64)\n"
                             "    e = np.exp(-np.abs(z))\n"
                             "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"),
    },
    "one_hot": {
        "transposed": ("def one_hot(y, num_classes=10):\n"
                       "    y = np.asarray(y)\n"
                       "    if ((y < 0) | (y >= num_classes)).any():\n"
                       "        raise ValueError('bad label')\n"
                       "    return np.eye(num_classes)[y].T"),
        "K = the largest label + 1": ("def one_hot(y, num_classes=10):\n"
                                      "    y = np.asarray(y)\n"
                                      "    if ((y < 0) | (y >= num_classes)).any():\n"
                                      "        raise ValueError('bad label')\n"
                                      "    return np.eye(y.max() + 1)[y]"),
        "no check of the labels (np.eye indexing)": ("def one_hot(y, num_classes=10):\n"
                                                     "    return np.eye(num_classes)[y]"),
        "integer rows": ("def one_hot(y, num_classes=10):\n"
                         "    y = np.asarray(y)\n"
                         "    if ((y < 0) | (y >= num_classes)).any():\n"
                         "        raise ValueError('bad label')\n"
                         "    return np.eye(num_classes, dtype=y.dtype)[y]"),
        "raises IndexError for a bad label": ("def one_hot(y, num_classes=10):\n"
                                              "    y = np.asarray(y)\n"
                                              "    if ((y < 0) | (y >= num_classes)).any():\n"
                                              "        raise IndexError('bad label')\n"
                                              "    return np.eye(num_classes)[y]"),
    },
    "batchnorm_forward": {
        "unbiased variance (N - 1)": _bn_forward(stats=(
            "    mu = x.mean(axis=0)\n    xc = x - mu\n    var = x.var(axis=0, ddof=1)\n")),
        "normalises each row (the wrong axis)": _bn_forward(stats=(
            "    mu = x.mean(axis=1, keepdims=True)\n    xc = x - mu\n"
            "    var = (xc * xc).mean(axis=1, keepdims=True)\n")),
        "eps outside the square root": _bn_forward(x_hat="xc / (np.sqrt(var) + eps)"),
        "no eps": _bn_forward(x_hat="xc / np.sqrt(var)"),
        "gamma and beta left out": ("def batchnorm_forward(x, gamma, beta, eps=1e-5):\n"
                                    "    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) "
                                    "+ eps)"),
        "casts to float64": ("def batchnorm_forward(x, gamma, beta, eps=1e-5):\n"
                             "    x = np.asarray(x, dtype=np.float64)\n"
                             "    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)\n"
                             "    return gamma * x_hat + beta"),
    },
    "batchnorm_backward": {
        "without the mean terms: dx = dx_hat / sqrt(var + eps)": _bn_backward(
            dx="dx_hat / np.sqrt(var + eps)"),
        "the path through mu only (no variance term)": _bn_backward(
            dx="(dx_hat - dx_hat.mean(axis=0)) / np.sqrt(var + eps)"),
        "unbiased variance (N - 1)": _bn_backward(stats=(
            "    mu = x.mean(axis=0)\n    xc = x - mu\n    var = x.var(axis=0, ddof=1)\n")),
        "eps outside the square root": _bn_backward(
            x_hat="xc / (np.sqrt(var) + eps)",
            dx=("(dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) "
                "/ (np.sqrt(var) + eps)")),
        "dgamma not summed over the batch": _bn_backward(dgamma="dout * x_hat"),
        "dbeta the mean, not the sum": _bn_backward(dbeta="dout.mean(axis=0)"),
        "gamma left out of dx": _bn_backward(
            dx=("(dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0)) "
                "/ np.sqrt(var + eps)")),
    },
    "RMSprop": {
        "without the square root": _rmsprop(_RMS, sqrt="E + self.eps"),
        "eps under the square root (the recap adds it to the root)": _rmsprop(
            _RMS, sqrt="np.sqrt(E + self.eps)"),
        "the average not kept between calls": _rmsprop(_RMS, keep=False),
        "decay without (1 - rho) on g^2": _rmsprop("self.rho * E + g * g"),
        "rho and 1 - rho swapped": _rmsprop("(1 - self.rho) * E + self.rho * g * g"),
        "g instead of g^2": _rmsprop("self.rho * E + (1 - self.rho) * np.abs(g)"),
    },
    "Adagrad": {
        "forgets its sum (G = g^2 each step)": _adagrad(update="g * g"),
        "without the square root": _adagrad(sqrt="G + self.eps"),
        "eps under the square root (the recap adds it to the root)": _adagrad(
            sqrt="np.sqrt(G + self.eps)"),
        "an average, not a sum (RMSprop with rho = 0.9)": _adagrad(
            update="0.9 * G + 0.1 * g * g"),
    },
    "layernorm_forward": {
        "batch normalisation (statistics over the batch)": (
            "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
            "    xc = x - x.mean(axis=0)\n"
            "    return gamma * xc / np.sqrt((xc * xc).mean(axis=0) + eps) + beta"),
        "unbiased variance (D - 1)": (
            "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
            "    xc = x - x.mean(axis=1, keepdims=True)\n"
            "    return gamma * xc / np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + eps) + beta"),
        "no eps": ("def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
                   "    xc = x - x.mean(axis=1, keepdims=True)\n"
                   "    return gamma * xc / np.sqrt((xc * xc).mean(axis=1, keepdims=True)) + beta"),
        "eps outside the square root": (
            "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
            "    xc = x - x.mean(axis=1, keepdims=True)\n"
            "    return gamma * xc / (np.sqrt((xc * xc).mean(axis=1, keepdims=True)) + eps) "
            "+ beta"),
    },
    "layernorm_backward": {
        "batch normalisation's backward copied (statistics over the batch)": _ln_backward(
            axis_stats=0),
        "without the mean terms": _ln_backward(mean_terms=False),
        "dgamma and dbeta summed over the features (per example)": _ln_backward(
            axis_params=1),
        "eps outside the square root": _ln_backward(eps_inside=False),
    },
}
