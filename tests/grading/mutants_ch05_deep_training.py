"""Seeded wrong versions of chapter 5's graded functions (see grading_mutants.py): each must
lose points under the checks of ``nndl_lib.grading.assignments.ch05_deep_training``."""

from __future__ import annotations


def _interval(head: str, z_star: str, ends: str = "((-z_star - b) / w, (z_star - b) / w)",
              ret: str = "min(ends), max(ends)", name: str = "factor_interval") -> str:
    return (f"def {name}(w, b):\n{head}"
            f"    z_star = {z_star}\n"
            f"    ends = {ends}\n"
            f"    return {ret}\n")


_SIG_HEAD = "    if abs(w) < 4:\n        return None\n    s = np.sqrt(1 - 4 / abs(w))\n"
_SIG_Z = "np.log((1 + s) / (1 - s))"
_TANH_HEAD = "    if abs(w) < 1:\n        return None\n"
_TANH_Z = "np.arctanh(np.sqrt(1 - 1 / abs(w)))"

MUTANTS_CH05_DEEP_TRAINING: dict[str, dict[str, str]] = {
    "gradient_norms": {
        "the sum over the examples, not the mean": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    nabla_b, _ = backprop(x, y, weights, biases, cost='cross-entropy')\n"
            "    return [float(np.linalg.norm(nb * len(x))) for nb in nabla_b[:-1]]"),
        "the mean of per-example norms, not the norm of the mean": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    rows = [backprop(x[i:i + 1], y[i:i + 1], weights, biases,\n"
            "                     cost='cross-entropy')[0] for i in range(len(x))]\n"
            "    return [float(np.mean([np.linalg.norm(r[l]) for r in rows]))\n"
            "            for l in range(len(weights) - 1)]"),
        "the output layer included": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    nabla_b, _ = backprop(x, y, weights, biases, cost='cross-entropy')\n"
            "    return [float(np.linalg.norm(nb)) for nb in nabla_b]"),
        "weight gradients instead of bias gradients": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    _, nabla_w = backprop(x, y, weights, biases, cost='cross-entropy')\n"
            "    return [float(np.linalg.norm(nw)) for nw in nabla_w[:-1]]"),
        "layers in reverse order": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    nabla_b, _ = backprop(x, y, weights, biases, cost='cross-entropy')\n"
            "    return [float(np.linalg.norm(nb)) for nb in nabla_b[:-1]][::-1]"),
        "the quadratic cost (backprop's default)": (
            "def gradient_norms(x, y, weights, biases):\n"
            "    nabla_b, _ = backprop(x, y, weights, biases)\n"
            "    return [float(np.linalg.norm(nb)) for nb in nabla_b[:-1]]"),
    },
    "gradient_factor": {
        "sigma' at the input a, not at w a + b": (
            "def gradient_factor(w, a, b):\n    return np.abs(w * sigmoid_prime(a))"),
        "no absolute value": (
            "def gradient_factor(w, a, b):\n    return w * sigmoid_prime(w * a + b)"),
        "the bound |w|/4 instead of the factor": (
            "def gradient_factor(w, a, b):\n    return np.abs(w) / 4 + 0 * np.asarray(a)"),
        "sigma instead of sigma'": (
            "def gradient_factor(w, a, b):\n"
            "    return np.abs(w / (1 + np.exp(-(w * a + b))))"),
    },
    "factor_interval": {
        "the interval in z, not in a": _interval(_SIG_HEAD, _SIG_Z, ends="(-z_star, z_star)"),
        "the 1/|w| scaling forgotten": _interval(_SIG_HEAD, _SIG_Z,
                                                 ends="(-z_star - b, z_star - b)"),
        "a bound of |w|/2 (threshold 2, 2/|w| under the root)": _interval(
            "    if abs(w) < 2:\n        return None\n    s = np.sqrt(1 - 2 / abs(w))\n", _SIG_Z),
        "ends not ordered (wrong for a negative w)": _interval(_SIG_HEAD, _SIG_Z, ret="ends"),
        "None at |w| = 4 too (strict inequality)": _interval(
            "    if abs(w) <= 4:\n        return None\n    s = np.sqrt(1 - 4 / abs(w))\n", _SIG_Z),
        "half the width: z* = ln((1 + s)/(1 - s)) / 2": _interval(_SIG_HEAD, _SIG_Z + " / 2"),
    },
    "tanh_factor_interval": {
        "the sigmoid's answer (threshold 4)": _interval(
            _SIG_HEAD, _SIG_Z, name="tanh_factor_interval"),
        "the sigmoid's threshold |w| < 4 kept": _interval(
            "    if abs(w) < 4:\n        return None\n", _TANH_Z, name="tanh_factor_interval"),
        "the square root forgotten: tanh(z*) = 1 - 1/|w|": _interval(
            _TANH_HEAD, "np.arctanh(1 - 1 / abs(w))", name="tanh_factor_interval"),
        "the interval in z, not in a": _interval(
            _TANH_HEAD, _TANH_Z, ends="(-z_star, z_star)", name="tanh_factor_interval"),
    },
}
