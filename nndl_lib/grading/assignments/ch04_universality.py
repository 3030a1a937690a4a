"""Checks of assignment ``ch04_universality`` (chapter 4: a visual proof that neural networks
can compute any function).

The learner writes ``step_position`` (where a steep sigmoid neuron steps), ``bump`` (two
hidden neurons weighted h and -h), ``bump_network`` (a one-input network of bumps whose output
follows a function it is handed), ``tower_network`` (the same in two dimensions, with a
threshold neuron per tower) and ``bump_network_sigmoid`` (a transfer: the bumps behind a sigmoid
output neuron must add up to sigma^{-1}(f)).

The networks are graded by what they compute, not by how they are laid out: the grader hands
the learner's function a hidden smooth function f drawn for each student
(:func:`nndl_lib.grading.drivers.wave_function`), runs the returned weights and biases through
:func:`nndl_lib.fc.feedforward` here, in the trusted process, and checks the output at the
centre of every cell and its largest error over a grid against the bound the chapter's
staircase argument gives. ``sigmoid`` comes from :mod:`nndl_lib.activations`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nndl_lib import fc
from nndl_lib.companions import ch04_steps, ch04_universality, ch04_universality_beyond
from nndl_lib.grading.checks import CheckResult
from nndl_lib.grading.drivers import wave_function
from nndl_lib.grading.framework import Assignment, Case, SubCheck, Task, compare_ret
from nndl_lib.grading.framework import call_case as _call  # fn(*args), by name
from nndl_lib.grading.notebook import if_written
from nndl_lib.grading.points import reweight

__all__ = ["ASSIGNMENT", "TASKS", "TIERS", "REFERENCES", "check", "bump_network_sigmoid",
           "network_output", "ERROR_FACTOR", "GRID_POINTS", "if_written"]

#: The networks must stay within ERROR_FACTOR * max|f'| / n of f (per axis in two dimensions):
#: 1.5 times the bound max|f'| / (2 n) of a staircase whose steps take f at the cells' centres.
ERROR_FACTOR = 0.75
#: Points of [0, 1] on which a one-input network's largest error is measured.
GRID_POINTS = 2001
#: Points of [0, 1]^2 (drawn at random) on which a tower network's largest error is measured.
TOWER_POINTS = 4000
#: Points within this distance of an inner cell edge are left out of the towers' error: there
#: the chapter's towers leave holes (the windows of failure of two steps meet at the corners).
TOWER_EDGE_GAP = 2e-3
#: The output at a cell's centre must be f(centre) within CENTRE_ATOL * max(1, |f(centre)|).
CENTRE_ATOL = 1e-4


def bump_network_sigmoid(f: Callable, n_bumps: int) -> ch04_universality.ConstructedNetwork:
    """The reference of the transfer task: n_bumps bumps behind a sigmoid output neuron."""
    return ch04_universality.bump_network(f, n_bumps, output="sigmoid")


REFERENCES = {
    "step_position": ch04_steps.step_position,
    "bump": ch04_steps.bump,
    "bump_network": ch04_universality.bump_network,
    "tower_network": ch04_universality_beyond.tower_network,
    "bump_network_sigmoid": bump_network_sigmoid,
}


# --- step_position -----------------------------------------------------------------------------


def _step_book(rng):
    return [_call("step_position", 1000.0, -400.0, label="w = 1000, b = -400 (the chapter's "
                                                           "neuron that steps at x = 0.4)")]


def _step_random(rng):
    cases = []
    for _ in range(4):
        w = float(rng.uniform(1.0, 1000.0))
        s = float(rng.uniform(-1.0, 2.0))
        b = -w * s + float(rng.normal(0, 0.01))
        cases.append(_call("step_position", w, b, label=f"w = {w:.4g} > 0, b = {b:.4g}"))
    return cases


def _step_negative(rng):
    w = -float(rng.uniform(5.0, 500.0))
    b = float(rng.uniform(-200.0, 200.0))
    return [_call("step_position", w, b, label=f"a negative weight w = {w:.4g}, b = {b:.4g} "
                                               "(the neuron steps down)")]


# --- bump ----------------------------------------------------------------------------------------


def _bump_case(rng, w: float, h: float | None = None, n: int = 9, label: str = "") -> Case:
    s1, s2 = np.sort(rng.uniform(0.05, 0.95, 2))
    if s2 - s1 < 0.05:
        s2 = min(s1 + 0.1, 0.99)
    h = float(rng.uniform(0.3, 2.0)) if h is None else h
    x = np.sort(rng.uniform(0.0, 1.0, n))
    return _call("bump", x, float(s1), float(s2), h, w,
                 label=label or f"x: ({n},), s1 = {s1:.3f}, s2 = {s2:.3f}, h = {h:.3g}, "
                                f"w = {w:g}")


def _bump_steep(rng):
    return [_bump_case(rng, w) for w in (500.0, 1000.0, 10000.0)]


def _bump_gentle(rng):
    return [_bump_case(rng, w) for w in (5.0, 20.0)]


def _bump_negative(rng):
    h = -float(rng.uniform(0.3, 2.0))
    return [_bump_case(rng, 50.0, h=h)]


# --- networks handed a hidden function ----------------------------------------------------------


def _wave_terms(rng, dims: int, amplitude: float | None = None) -> tuple[np.ndarray, float]:
    """Rows (a, k_1, ..., k_d, phi) of a random smooth function, and its constant: 1 to 3
    sines of low frequency (amplitude: the sum of |a|, else each |a| in [0.2, 1])."""
    k = int(rng.integers(1, 4))
    rows = []
    for _ in range(k):
        freq = rng.integers(0, 3, dims) if dims > 1 else rng.integers(1, 4, 1)
        if not freq.any():
            freq[int(rng.integers(0, dims))] = 1
        a = float(rng.uniform(0.2, 1.0)) * float(rng.choice([-1.0, 1.0]))
        rows.append([a, *freq.astype(float), float(rng.uniform(0, 2 * np.pi))])
    terms = np.array(rows)
    if amplitude is not None:
        terms[:, 0] *= amplitude / np.abs(terms[:, 0]).sum()
        return terms, 0.5
    return terms, float(rng.uniform(-1.0, 1.0))


def _function_case(fn: str, rng, n: int, dims: int = 1, amplitude: float | None = None,
                   label: str = "") -> Case:
    terms, const = _wave_terms(rng, dims, amplitude)
    what = "f(x)" if dims == 1 else "f(x, y)"
    return Case(label or f"a hidden smooth {what} (a sum of {len(terms)} sine(s)), "
                         f"{'n_bumps' if dims == 1 else 'n_per_axis'} = {n}",
                {"fn": fn, "terms": terms, "const": const, "args": [n]})


def _bn_random(rng):
    return [_function_case("bump_network", rng, int(n)) for n in rng.integers(20, 51, 2)]


def _bn_few(rng):
    return [_function_case("bump_network", rng, n) for n in (1, 2)]


def _sig_random(rng):
    return [_function_case("bump_network_sigmoid", rng, int(n), amplitude=0.38)
            for n in rng.integers(20, 51, 2)]


def _sig_few(rng):
    return [_function_case("bump_network_sigmoid", rng, n, amplitude=0.38) for n in (1, 2)]


def _tower_random(rng):
    return [_function_case("tower_network", rng, int(n), dims=2) for n in rng.integers(6, 11, 2)]


def _tower_few(rng):
    return [_function_case("tower_network", rng, 1, dims=2)]


def _as_network(ret: Any, check: str) -> tuple[list, list] | CheckResult:
    """(weights, biases) from what the learner returned: a pair of lists, or an object with
    ``weights`` and ``biases`` (the library's ConstructedNetwork)."""
    if hasattr(ret, "weights") and hasattr(ret, "biases"):
        ret = (ret.weights, ret.biases)
    if not isinstance(ret, list | tuple) or len(ret) != 2 or not all(
            isinstance(part, list | tuple) for part in ret):
        return CheckResult(check, False, "type",
                           message=f"{check}: should return (weights, biases), two lists with "
                                   "one array per layer; got a "
                                   f"{type(ret).__name__}")
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in ret[0]]
        biases = [np.asarray(b, dtype=np.float64) for b in ret[1]]
    except (TypeError, ValueError):
        return CheckResult(check, False, "type",
                           message=f"{check}: weights and biases must be lists of NumPy arrays "
                                   "of numbers")
    return weights, biases


def _shapes(net: tuple[list, list]) -> tuple[list, list]:
    return [w.shape for w in net[0]], [b.shape for b in net[1]]


def compare_shapes(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    """The returned network has the reference's layer sizes (weights (n_out, n_in), biases
    (n_out,)), so that it has as many neurons as the construction needs."""
    net = _as_network(got.get("ret"), check)
    if isinstance(net, CheckResult):
        return net
    want = _shapes(_as_network(exp["ret"], check))
    have = _shapes(net)
    if have != want:
        return CheckResult(check, False, "shape",
                           message=f"{check}: the layers have weights of shapes {have[0]} and "
                                   f"biases of shapes {have[1]}; the construction needs "
                                   f"weights {want[0]} and biases {want[1]} (weights[i] is "
                                   "(n_out, n_in)): count the neurons of each layer")
    return CheckResult(check, True, message=f"{check}: layers {want[0]}")


def _target(case: Case) -> Callable:
    return wave_function(case.data["terms"], case.data["const"])


def _run(net: tuple[list, list], x: np.ndarray, output: str) -> np.ndarray:
    """The network's output for the rows of x (N, n_in): sigmoid hidden layers."""
    with np.errstate(all="ignore"):
        return fc.feedforward(x, net[0], net[1], activation="sigmoid",
                              output_activation=output)[:, 0]


def network_output(weights: list, biases: list, x: np.ndarray,
                   output: str = "linear") -> np.ndarray:
    """What the grader computes from the (weights, biases) you return: the output for every
    input, sigmoid hidden layers and a ``"linear"`` or ``"sigmoid"`` output neuron.
    x: (N,) for one input variable or (N, n_in); returns (N,)."""
    x = np.asarray(x, dtype=np.float64)
    return _run(([np.asarray(w, dtype=np.float64) for w in weights],
                 [np.asarray(b, dtype=np.float64) for b in biases]),
                x[:, None] if x.ndim == 1 else x, output)


def _evaluate(got: dict, case: Case, check: str, x: np.ndarray, output: str
              ) -> np.ndarray | CheckResult:
    net = _as_network(got.get("ret"), check)
    if isinstance(net, CheckResult):
        return net
    try:
        out = _run(net, x, output)
    except (ValueError, TypeError, IndexError) as exc:
        return CheckResult(check, False, "shape",
                           message=f"{check}: the network cannot be run on inputs of shape "
                                   f"{x.shape} ({exc}); weights[i] must be (n_out, n_in), "
                                   f"the first layer taking {x.shape[1]} input(s), the last "
                                   "giving one output")
    if out.shape != (x.shape[0],) or not np.all(np.isfinite(out)):
        return CheckResult(check, False, "non-finite",
                           message=f"{check}: the network's output is not one finite number "
                                   "per input")
    return out


def _centres(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def _lipschitz(f: Callable, dims: int) -> list[float]:
    """max |df/dx_i| on [0, 1]^dims, per variable, from differences on a fine grid."""
    if dims == 1:
        x = np.linspace(0.0, 1.0, 20001)
        return [float(np.max(np.abs(np.diff(f(x)))) * 20000)]
    g = np.linspace(0.0, 1.0, 801)
    values = f(*np.meshgrid(g, g, indexing="ij"))
    return [float(np.max(np.abs(np.diff(values, axis=i))) * 800) for i in (0, 1)]


def compare_centres(output: str, dims: int = 1):
    """At the centre of every cell the network gives f(centre): the heights are f there."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        n, f = case.data["args"][0], _target(case)
        c = _centres(n)
        if dims == 1:
            points, values = c[:, None], f(c)
        else:
            cx, cy = (a.ravel() for a in np.meshgrid(c, c, indexing="ij"))
            points, values = np.stack([cx, cy], axis=1), f(cx, cy)
        out = _evaluate(got, case, check, points, output)
        if isinstance(out, CheckResult):
            return out
        err = np.abs(out - values)
        allowed = CENTRE_ATOL * np.maximum(1.0, np.abs(values))
        worst = int(np.argmax(err - allowed))
        if err[worst] > allowed[worst]:
            where = ("x = " + f"{points[worst, 0]:.4g}" if dims == 1 else
                     f"(x, y) = ({points[worst, 0]:.4g}, {points[worst, 1]:.4g})")
            return CheckResult(check, False, "value", location="output", expected=values[worst],
                               got=out[worst], error=float(err[worst]),
                               allowed=float(allowed[worst]),
                               message=f"{check}: at the centre of a cell, {where}, the network "
                                       f"gives {out[worst]:.6g} but f there is "
                                       f"{values[worst]:.6g} (error {err[worst]:.3g} > "
                                       f"{allowed[worst]:.2g}); {int(np.sum(err > allowed))} "
                                       f"of {err.size} cell centres are off")
        return CheckResult(check, True, message=f"{check}: f at every cell centre")

    return compare


def compare_error(output: str, dims: int = 1):
    """The largest |f - output| over a grid is at most ERROR_FACTOR * max|f'| / n (per axis)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        n, f = case.data["args"][0], _target(case)
        lips = _lipschitz(f, dims)
        eps = ERROR_FACTOR * sum(lips) / n
        if dims == 1:
            x = np.linspace(0.0, 1.0, GRID_POINTS)
            points, values = x[:, None], f(x)
        else:
            rng = np.random.default_rng(n)
            c, ends = _centres(n), np.array([0.0, 1.0])
            side = np.concatenate([np.stack(np.meshgrid(ends, c), -1).reshape(-1, 2),
                                   np.stack(np.meshgrid(c, ends), -1).reshape(-1, 2)])
            pts = np.concatenate([rng.uniform(0.0, 1.0, (TOWER_POINTS, 2)), side])
            k = np.round(pts * n)  # the nearest cell edge; the square's own sides are kept
            inner = (np.abs(pts * n - k) / n < TOWER_EDGE_GAP) & (k > 0) & (k < n)
            points = pts[~inner.any(axis=1)]
            values = f(points[:, 0], points[:, 1])
        out = _evaluate(got, case, check, points, output)
        if isinstance(out, CheckResult):
            return out
        err = np.abs(out - values)
        worst = int(np.argmax(err))
        if err[worst] > eps:
            where = (f"x = {points[worst, 0]:.4g}" if dims == 1 else
                     f"(x, y) = ({points[worst, 0]:.4g}, {points[worst, 1]:.4g})")
            bound = "max|f'|" if dims == 1 else "(max|df/dx| + max|df/dy|)"
            return CheckResult(check, False, "value", location="output", expected=values[worst],
                               got=out[worst], error=float(err[worst]), allowed=eps,
                               message=f"{check}: the largest error |f - output| is "
                                       f"{err[worst]:.4g}, at {where} (f = {values[worst]:.4g}, "
                                       f"output {out[worst]:.4g}); allowed: {ERROR_FACTOR:g} "
                                       f"{bound} / n = {eps:.4g}, with {bound} = "
                                       f"{sum(lips):.4g}, n = {n}")
        return CheckResult(check, True, message=f"{check}: largest error {err[worst]:.3g} <= "
                                                f"{eps:.3g}")

    return compare


def _network_subchecks(random, few, output: str, dims: int, hint_shape: str,
                       hint_centre: str, hint_error: str) -> list[SubCheck]:
    noun = "n_bumps" if dims == 1 else "n_per_axis"
    slope = "max|f'|" if dims == 1 else "(max|df/dx| + max|df/dy|)"
    grid = (f"{GRID_POINTS} points of [0, 1]" if dims == 1 else
            "random points of [0, 1]^2 (and its sides) away from the inner cell edges")
    return [
        SubCheck("the layers have the sizes the construction needs", 0.5, random,
                 compare_shapes, driver="call_with_function", hint=hint_shape),
        SubCheck("a hidden f: the output at every cell centre is f there", 1.0, random,
                 compare_centres(output, dims), driver="call_with_function", hint=hint_centre),
        SubCheck(f"a hidden f: max |f - output| over {grid} within "
                 f"{ERROR_FACTOR:g} {slope} / {noun}", 1.5, random,
                 compare_error(output, dims), driver="call_with_function", hint=hint_error),
        SubCheck(f"the fewest cells ({noun} = 1" + (" and 2)" if dims == 1 else ")"), 0.5, few,
                 compare_error(output, dims), driver="call_with_function",
                 hint="with one cell the whole interval is one bump: where must its two steps "
                      "lie so that x = 0 and x = 1 are inside it?"),
    ]


TASKS = [
    Task("step_position", in_place=(), subchecks=[
        SubCheck("the chapter's neuron: w = 1000, b = -400 steps at 0.4", 0.25, _step_book,
                 compare_ret(location="s"), fixed=True,
                 hint="the step is where the weighted input w x + b is zero"),
        SubCheck("random positive weights", 0.5, _step_random, compare_ret(location="s"),
                 hint="solve w s + b = 0 for s"),
        SubCheck("a negative weight (the neuron steps down)", 0.25, _step_negative,
                 compare_ret(location="s"),
                 hint="the sign of w decides the direction of the step, not its position"),
    ]),
    Task("bump", in_place=(), subchecks=[
        SubCheck("steep neurons (w = 500 to 10^4): a bump of height h on (s1, s2)", 1.0,
                 _bump_steep, compare_ret(),
                 hint="the first neuron steps up at s1, the second at s2: which output weight "
                      "does each get?"),
        SubCheck("gentle neurons (w = 5, 20): the exact weighted output", 0.5, _bump_gentle,
                 compare_ret(),
                 hint="write each hidden neuron as sigma(w x + b) with the bias that puts its "
                      "step at s1 or s2"),
        SubCheck("a negative height h", 0.25, _bump_negative, compare_ret(),
                 hint="h multiplies the first neuron's output and -h the second's"),
    ]),
    Task("bump_network", in_place=(), subchecks=_network_subchecks(
        _bn_random, _bn_few, "linear", 1,
        hint_shape="n_bumps bumps of two hidden neurons each; one input, one output",
        hint_centre="a bump's height is f at the centre of its cell, (i + 1/2) / n_bumps, not "
                    "at one of its ends",
        hint_error="the output is the sum of the bumps: between two cell edges exactly one "
                   "bump is on, if neighbouring bumps share their step positions")),
    Task("tower_network", in_place=(), subchecks=_network_subchecks(
        _tower_random, _tower_few, "linear", 2,
        hint_shape="layer 1: a step neuron at every cell edge, in x and in y; layer 2: one "
                   "tower neuron per cell",
        hint_centre="a tower neuron must fire where its x-bump AND its y-bump are on, and "
                    "nowhere else: what bias does that need?",
        hint_error="a tower's weighted input is H (B_x + B_y) + b: compare it where both bumps "
                   "are on, one is on and none is on")),
    Task("bump_network_sigmoid", in_place=(), subchecks=_network_subchecks(
        _sig_random, _sig_few, "sigmoid", 1,
        hint_shape="as in bump_network: only the heights change",
        hint_centre="the output neuron applies sigma to the sum of the bumps: what must the "
                    "sum be at the centre, so that sigma of it is f?",
        hint_error="sigma^{-1}(a) = ln(a / (1 - a)) undoes the output neuron")),
]

ASSIGNMENT = Assignment(
    name="ch04_universality",
    tasks=TASKS,
    references=REFERENCES,
    prelude="import numpy as np\nfrom nndl_lib.activations import sigmoid\n",
    allowed_modules=("nndl_lib.activations",),
    manual={"not_whole_story": 3.0},
)

#: Each task's effort tier (:mod:`nndl_lib.grading.points`): its points.
TIERS = {
    "step_position": 1,
    "bump": 2,
    "bump_network": 3,
    "tower_network": 3,
    "bump_network_sigmoid": 4,
}
reweight(ASSIGNMENT, TIERS)

#: The notebooks' test cells: ``result = checks.check("bump", bump)``.
check = ASSIGNMENT.check
