"""Seeded wrong versions of chapter 4's graded functions (see grading_mutants.py): each must
lose points under the checks of ``nndl_lib.grading.assignments.ch04_universality``."""

from __future__ import annotations

_BN_HEAD = (
    "def bump_network(f, n_bumps):\n"
    "    n, w = n_bumps, 1e4\n"
    "    edges = np.arange(n + 1) / n\n"
    "    edges[0], edges[-1] = -0.5 / n, 1 + 0.5 / n\n")
_BN_TAIL = (
    "    steps = np.stack([edges[:-1], edges[1:]], axis=1).ravel()\n"
    "    w1 = np.full((2 * n, 1), w)\n"
    "    w2 = np.stack([heights, -heights], axis=1).reshape(1, 2 * n)\n"
    "    return [w1, w2], [-w * steps, np.zeros(1)]\n")


def _tower(bias: str = "-1.5 * big_h", indexing: str = "ij") -> str:
    return (
        "def tower_network(f, n_per_axis):\n"
        "    n, w, big_h = n_per_axis, 1e4, 50.0\n"
        "    edges = np.arange(n + 1) / n\n"
        "    edges[0], edges[-1] = -0.5 / n, 1 + 0.5 / n\n"
        "    m = n + 1\n"
        "    w1 = np.zeros((2 * m, 2))\n"
        "    w1[:m, 0] = w\n"
        "    w1[m:, 1] = w\n"
        "    b1 = -w * np.concatenate([edges, edges])\n"
        "    w2 = np.zeros((n * n, 2 * m))\n"
        f"    b2 = np.full(n * n, {bias})\n"
        "    for i in range(n):\n"
        "        for j in range(n):\n"
        "            w2[i * n + j, [i, m + j]] = big_h\n"
        "            w2[i * n + j, [i + 1, m + j + 1]] = -big_h\n"
        "    c = (np.arange(n) + 0.5) / n\n"
        f"    cx, cy = np.meshgrid(c, c, indexing='{indexing}')\n"
        "    w3 = np.asarray(f(cx.ravel(), cy.ravel()), dtype=float).reshape(1, n * n)\n"
        "    return [w1, w2, w3], [b1, b2, np.zeros(1)]\n")


MUTANTS_CH04_UNIVERSALITY: dict[str, dict[str, str]] = {
    "step_position": {
        "sign lost: s = b / w": "def step_position(w, b):\n    return b / w",
        "upside down: s = -w / b": "def step_position(w, b):\n    return -w / b",
        "a product: s = -b w": "def step_position(w, b):\n    return -b * w",
        "|w| in the denominator (wrong for a negative weight)": (
            "def step_position(w, b):\n    return -b / abs(w)"),
    },
    "bump": {
        "the two steps swapped": (
            "def bump(x, s1, s2, h, w):\n"
            "    return h * sigmoid(w * (x - s2)) - h * sigmoid(w * (x - s1))"),
        "the height on one neuron only": (
            "def bump(x, s1, s2, h, w):\n"
            "    return h * sigmoid(w * (x - s1)) - sigmoid(w * (x - s2))"),
        "bias +w s instead of -w s": (
            "def bump(x, s1, s2, h, w):\n"
            "    return h * sigmoid(w * x + w * s1) - h * sigmoid(w * x + w * s2)"),
        "a hard step instead of the sigmoid": (
            "def bump(x, s1, s2, h, w):\n"
            "    return h * ((x > s1).astype(float) - (x > s2).astype(float))"),
    },
    "bump_network": {
        "heights at the cells' left ends, not their centres": (
            _BN_HEAD + "    heights = f(np.arange(n) / n)\n" + _BN_TAIL),
        "heights at the cells' right ends": (
            _BN_HEAD + "    heights = f((np.arange(n) + 1) / n)\n" + _BN_TAIL),
        "off by one bump (n - 1 cells)": (
            "def bump_network(f, n_bumps):\n"
            "    n, w = max(n_bumps - 1, 1), 1e4\n"
            "    edges = np.arange(n + 1) / n\n"
            "    edges[0], edges[-1] = -0.5 / n, 1 + 0.5 / n\n"
            "    heights = f((np.arange(n) + 0.5) / n)\n" + _BN_TAIL),
        "outer steps at 0 and 1 (the ends sit on a half step)": (
            "def bump_network(f, n_bumps):\n"
            "    n, w = n_bumps, 1e4\n"
            "    edges = np.arange(n + 1) / n\n"
            "    heights = f((np.arange(n) + 0.5) / n)\n" + _BN_TAIL),
        "gentle neurons (w = 20: the bumps blur)": (
            "def bump_network(f, n_bumps):\n"
            "    n, w = n_bumps, 20.0\n"
            "    edges = np.arange(n + 1) / n\n"
            "    edges[0], edges[-1] = -0.5 / n, 1 + 0.5 / n\n"
            "    heights = f((np.arange(n) + 0.5) / n)\n" + _BN_TAIL),
    },
    "tower_network": {
        "threshold too low (bias -H/2: rows and columns fire)": _tower("-0.5 * big_h"),
        "threshold too high (bias -2H: no tower fires fully)": _tower("-2.0 * big_h"),
        "no threshold (bias 0)": _tower("0.0"),
        "tower (i, j) weighted by f at cell (j, i)": _tower(indexing="xy"),
    },
    "bump_network_sigmoid": {
        "heights f, as for a linear output": (
            "def bump_network_sigmoid(f, n_bumps):\n"
            "    return bump_network(f, n_bumps)"),
        "heights sigma(f) instead of sigma^{-1}(f)": (
            "def bump_network_sigmoid(f, n_bumps):\n"
            "    return bump_network(lambda x: sigmoid(f(x)), n_bumps)"),
        "logit without the 1 - a: ln(f)": (
            "def bump_network_sigmoid(f, n_bumps):\n"
            "    return bump_network(lambda x: np.log(f(x)), n_bumps)"),
    },
}
