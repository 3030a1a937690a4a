"""The two properties every task is checked for (issue 24), in the notebooks' checks and in the
out-of-kernel pass: a call leaves every argument it does not declare as updated in place
unchanged, and the numerically sensitive tasks have extreme cases (finite, no warning, the
reference's value). Each costs a little of the task's points, not all of them."""

from __future__ import annotations

import inspect
import types
import warnings

import numpy as np
import pytest
from grading_mutants import MUTANTS, mutant_source
from grading_support import (
    ASSIGNMENTS,
    MODULES,
    learner_notebook,
    namespace,
    solution_code,
    source_nb,
    visible_and_graded_runs,
)

from nndl_lib.grading.drivers import given_inputs
from nndl_lib.grading.framework import Assignment, SubCheck, Task, compare_ret
from nndl_lib.grading.outofkernel_parent import Limits, grade_notebook

#: issue 24's two wrong implementations and the points each loses (of the task's points)
ISSUE_MUTANTS = {
    ("ch03_improving", "softmax", "subtracts the global maximum, not each row's"): 0.5,
    ("ch03_improving", "dropout_evaluate", "scales the caller's array in place"): 0.25,
}


def _mutable_names(a: Assignment, task: Task) -> list[str]:
    """The arguments of ``task``'s calls that hold data and are not updated in place."""
    names: list[str] = []
    for p in a.plan(task, a.visible_seed(task.name)):
        keys = a.input_names(p)
        for key, value in given_inputs(p.driver, p.case.data).items():
            name = keys.get(key, key)
            if isinstance(value, np.ndarray | list) and name not in task.in_place \
                    and name not in names:
                names.append(name)
    return names


# --- the declarations ----------------------------------------------------------------------------


def test_a_task_cannot_leave_out_its_in_place_declaration():
    with pytest.raises(TypeError, match="in_place"):
        Task("f", [])  # type: ignore[call-arg]


def test_a_declaration_naming_an_argument_the_calls_do_not_pass_is_refused():
    sub = SubCheck("values", 1.0, lambda rng: [], compare_ret())
    from nndl_lib.grading.drivers import Case

    sub.cases = lambda rng: [Case("one", {"fn": "f", "args": [np.ones(2)]})]
    with pytest.raises(ValueError, match="in_place names"):
        Assignment("a", [Task("f", [sub], in_place=("w",))], {"f": lambda x: x})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_with_data_arguments_has_the_inputs_subcheck(assignment):
    a = MODULES[assignment].ASSIGNMENT
    for task in a.tasks:
        assert isinstance(task.in_place, tuple), task.name
        names = _mutable_names(a, task)
        i = task.inputs_subcheck
        if task.fixed_answer or not names:
            assert i is None, task.name
            continue
        sc = task.subchecks[i]
        assert sc.points == task.inputs_points and 0 < sc.points <= task.points / 4, task.name
        assert all(n in sc.name for n in names), (task.name, sc.name)
        assert [s.kind for s in task.subchecks].count("inputs") == 1


def test_the_in_place_declarations():
    declared = {t.name: t.in_place for name in ASSIGNMENTS for t in MODULES[name].ASSIGNMENT.tasks
                if t.in_place}
    assert declared == {"l2_update": ("w",), "l1_update": ("w",), "Momentum": ("params",),
                        "Adam": ("params",), "RMSprop": ("params",), "Adagrad": ("params",)}


# --- any argument changed loses the inputs points, in every task ------------------------------


def _poke(value) -> bool:
    """Change one entry of ``value`` (an array, or the first number or array in a list)."""
    if isinstance(value, np.ndarray) and value.size:
        value.flat[0] += 1
        return True
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, np.ndarray | list):
                if _poke(v):
                    return True
            elif isinstance(v, int | float) and not isinstance(v, bool):
                value[i] = v + 1
                return True
    return False


def _poking(f, ref, name: str):
    """``f`` (the reference answer), changing its argument ``name`` after computing."""
    params = list(inspect.signature(ref).parameters)

    def g(*args, **kwargs):
        out = f(*args, **kwargs)
        if name in kwargs:
            _poke(kwargs[name])
        elif name in params and params.index(name) < len(args):
            _poke(args[params.index(name)])
        return out

    return g


def _poking_object(obj, ref, name: str):
    if not inspect.isclass(ref):
        return _poking(obj, ref, name)
    if hasattr(ref, "step"):  # an optimiser: step(params, grads)
        step = _poking(obj.step, ref.step, name)
        return type(obj.__name__, (obj,), {"step": lambda self, *a: step(self, *a)})
    return types.SimpleNamespace(**{m: _poking(getattr(obj, m), getattr(ref, m), name)
                                    for m in ("fn", "delta") if hasattr(ref, m)})


MUTABLE = [(assignment, task.name, name) for assignment in ASSIGNMENTS
           for task in MODULES[assignment].ASSIGNMENT.tasks
           for name in _mutable_names(MODULES[assignment].ASSIGNMENT, task)]


@pytest.mark.parametrize("assignment, task, name", MUTABLE,
                         ids=[f"{a}-{t}-{n}" for a, t, n in MUTABLE])
def test_changing_any_undeclared_argument_loses_the_inputs_points_and_is_named(
        assignment, task, name):
    a = MODULES[assignment].ASSIGNMENT
    t = a.task(task)
    ns = namespace(assignment)
    ns[task] = _poking_object(ns[task], a.references[task], name)
    for result in visible_and_graded_runs(a, task, ns):
        assert result.points == pytest.approx(result.max_points - t.inputs_points), \
            result.report()
        failed = [s for s in result.subresults if not s.passed]
        assert len(failed) == 1 and failed[0].name == t.subchecks[t.inputs_subcheck].name
        assert f"changed its argument {name}" in failed[0].result.message
        assert failed[0].result.kind == "mutated"


# --- numerics at the extremes ---------------------------------------------------------------------


def _calls_exp_or_log(ref) -> bool:
    try:
        text = inspect.getsource(ref)
    except (OSError, TypeError):
        return False
    return any(f"np.{f}(" in text for f in ("exp", "log", "log1p", "expm1"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tasks_computing_exp_or_log_have_extreme_cases(assignment):
    a = MODULES[assignment].ASSIGNMENT
    for task in a.tasks:
        if _calls_exp_or_log(a.references[task.name]):
            kinds = [sc.kind for sc in task.subchecks]
            assert "extremes" in kinds, f"{task.name} computes exp or log: add extremes(...)"
    sensitive = {t.name for t in a.tasks if any(sc.kind == "extremes" for sc in t.subchecks)}
    known = {"ch01_digits": {"sigmoid", "feedforward_tanh"}, "ch02_backprop": set(),
             "ch03_improving": {"softmax", "CrossEntropyCost", "LogLikelihoodCost"},
             "ch04_universality": set(), "ch05_deep_training": set(),
             "ch06_deep_learning": set(),
             "foundations": {"softplus_prime", "batchnorm_forward", "layernorm_forward"}}
    assert sensitive == known.get(assignment, sensitive)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_references_are_finite_and_quiet_on_every_extreme_case(assignment):
    a = MODULES[assignment].ASSIGNMENT
    for task in a.tasks:
        planned = [p for p in a.plan(task, 5) if task.subchecks[p.subcheck].kind == "extremes"]
        for p, out in zip(planned, a.expected(planned), strict=True):
            assert out["warnings"] == [], (task.name, p.case.label)
            assert np.isfinite(np.asarray(out["ret"], dtype=float)).all(), p.case.label


@pytest.mark.parametrize("assignment, task, mutant, points", [
    ("ch01_digits", "sigmoid", "the book's 1/(1+exp(-z)): right values, warns on overflow",
     0.5),
    ("ch03_improving", "CrossEntropyCost", "right values, but log(0) warns", 0.25),
    ("ch03_improving", "LogLikelihoodCost", "0 ln 0 gives nan", 0.25),
    *[(a, t, m, p) for (a, t, m), p in ISSUE_MUTANTS.items()],
    ("ch03_improving", "softmax", "works in place on the caller's z", 0.25),
    ("ch03_improving", "l2_update", "scales the caller's nabla_w in place", 0.25),
    ("ch03_improving", "Momentum", "scales the caller's gradients in place", 0.25),
    ("foundations", "softplus_prime", "1/(1+exp(-z)): right values, warns on overflow", 0.5),
])
def test_a_stable_or_in_place_mistake_costs_a_little_and_the_report_says_which_property(
        assignment, task, mutant, points):
    a = MODULES[assignment].ASSIGNMENT
    code = mutant_source(MUTANTS[assignment][task][mutant], solution_code(assignment)[task])
    ns = namespace(assignment, replace={task: code})
    for result in visible_and_graded_runs(a, task, ns):
        assert result.max_points - result.points == pytest.approx(points), result.report()
        (failed,) = [s for s in result.subresults if not s.passed]
        kind = a.task(task).subchecks[[s.name for s in result.subresults].index(failed.name)]
        expected_kind = {"mutated": "inputs"}.get(failed.result.kind, "extremes")
        assert kind.kind == expected_kind, result.report()
        message = failed.result.message
        if failed.result.kind == "mutated":
            assert "changed its argument" in message
        elif failed.result.kind == "warning":
            assert "warned (RuntimeWarning" in message
        else:
            assert failed.result.kind == "non-finite" and "not finite" in message
        assert "np." not in message  # the property, never a line of code


def test_the_check_cell_shows_no_warning_and_reports_the_property(capsys):
    a = MODULES["ch01_digits"].ASSIGNMENT
    ns = namespace("ch01_digits", replace={"sigmoid": MUTANTS["ch01_digits"]["sigmoid"][
        "the book's 1/(1+exp(-z)): right values, warns on overflow"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = a.check("sigmoid", ns["sigmoid"], hidden=True)
    out, err = capsys.readouterr()
    assert caught == [] and err == ""
    assert result.points == 1.5 and "warned (RuntimeWarning: overflow" in out
    assert "finite, no warning, the reference's value" in out


# --- the same points out of kernel --------------------------------------------------------------


FAST = Limits(cell_s=5.0, case_s=5.0, grace_s=2.0, total_s=120.0)


@pytest.mark.grading
def test_out_of_kernel_the_issue_mutants_and_a_poked_argument_lose_the_same_points():
    assignment = "ch03_improving"
    a = MODULES[assignment].ASSIGNMENT
    replace = {t: mutant_source(MUTANTS[assignment][t][m], solution_code(assignment)[t])
               for (_, t, m) in ISSUE_MUTANTS}
    # right values, but the caller's first gradient is zeroed after each step
    replace["Adam"] = solution_code(assignment)["Adam"].rstrip() + "\n        grads[0][...] = 0.0\n"
    result = grade_notebook(a, source_nb(assignment),
                            learner_notebook(assignment, replace=replace), "eve", b"secret",
                            FAST)
    lost = {t.task: t.max_points - t.points for t in result.tasks if t.points < t.max_points}
    assert lost == {"softmax": 0.5, "dropout_evaluate": 0.25, "Adam": 0.25}, result.report()
    adam = result.task("Adam")
    assert any(s.result is not None and "changed its argument grads" in s.result.message
               for s in adam.subresults)
    softmax = result.task("softmax")
    assert any(s.result is not None and s.result.kind == "non-finite"
               for s in softmax.subresults)


def test_leaving_inputs_alone_earns_nothing_in_a_function_that_computes_nothing_right():
    a = MODULES["ch01_digits"].ASSIGNMENT
    ns = namespace("ch01_digits", replace={"accuracy": "def accuracy(a, labels):\n"
                                                       "    return 0.123"})
    result = a.run("accuracy", ns, mode="hidden")
    assert result.points == 0
    inputs = result.subresults[a.task("accuracy").inputs_subcheck]
    assert inputs.result.kind == "not-credited" and "counts once another check" in \
        inputs.result.message


# --- correct implementations written differently keep full marks ---------------------------------

ALTERNATIVES = [
    ("ch01_digits", "sigmoid", "def sigmoid(z):\n"
                               "    z = np.asarray(z)\n"
                               "    return 0.5 * (1 + np.tanh(z / 2))"),
    ("ch01_digits", "sigmoid", "def sigmoid(z):\n"
                               "    z = np.asarray(z)\n"
                               "    with np.errstate(over='ignore'):\n"
                               "        return 1 / (1 + np.exp(-z))"),
    ("ch03_improving", "softmax", "def softmax(z):\n"  # log-sum-exp
                                  "    z = np.asarray(z)\n"
                                  "    m = z.max(axis=-1, keepdims=True)\n"
                                  "    s = np.exp(z - m).sum(axis=-1, keepdims=True)\n"
                                  "    lse = m + np.log(s)\n"
                                  "    return np.exp(z - lse)"),
    ("ch03_improving", "CrossEntropyCost", (  # clipping
        "class CrossEntropyCost:\n"
        "    @staticmethod\n"
        "    def fn(a, y):\n"
        "        a = np.clip(a, 1e-15, 1 - 1e-15)\n"
        "        rows = a.shape[0] if np.ndim(a) == 2 else 1\n"
        "        return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / rows)\n"
        "    @staticmethod\n"
        "    def delta(z, a, y):\n"
        "        return a - y")),
    ("ch03_improving", "LogLikelihoodCost", (  # picks the target's probability
        "class LogLikelihoodCost:\n"
        "    @staticmethod\n"
        "    def fn(a, y):\n"
        "        a, y = np.atleast_2d(a), np.atleast_2d(y)\n"
        "        return float(-np.mean(np.log(a[np.arange(len(a)), np.argmax(y, axis=1)])))\n"
        "    @staticmethod\n"
        "    def delta(z, a, y):\n"
        "        return a - y")),
    ("ch03_improving", "l2_update", "def l2_update(w, nabla_w, eta, lmbda, n):\n"
                                    "    w[...] = (1 - eta * lmbda / n) * w - eta * nabla_w"),
    ("ch03_improving", "Momentum", (  # a dict of velocities
        "class Momentum:\n"
        "    def __init__(self, eta, mu=0.9):\n"
        "        self.eta, self.mu, self.v = eta, mu, {}\n"
        "    def step(self, params, grads):\n"
        "        for i, (w, g) in enumerate(zip(params, grads)):\n"
        "            v = self.mu * self.v.get(i, 0.0) - self.eta * g\n"
        "            self.v[i] = v\n"
        "            w += v")),
    ("ch02_backprop", "numerical_gradient", (  # through a flat view of x (in place)
        "def numerical_gradient(f, x, h=1e-5):\n"
        "    grad = np.zeros(x.size)\n"
        "    flat = x.reshape(-1)\n"
        "    for i in range(x.size):\n"
        "        old = flat[i]\n"
        "        flat[i] = old + h\n"
        "        f_plus = f(x)\n"
        "        flat[i] = old - h\n"
        "        f_minus = f(x)\n"
        "        flat[i] = old\n"
        "        grad[i] = (f_plus - f_minus) / (2 * h)\n"
        "    return grad.reshape(x.shape)")),
    ("ch02_backprop", "backprop", (  # the per-example equations summed by einsum
        "def backprop(x, y, weights, biases):\n"
        "    acts, zs = [x], []\n"
        "    for w, b in zip(weights, biases):\n"
        "        zs.append(np.einsum('jk,nk->nj', w, acts[-1]) + b)\n"
        "        acts.append(sigmoid(zs[-1]))\n"
        "    delta = (acts[-1] - y) * sigmoid_prime(zs[-1])\n"
        "    nabla_b, nabla_w = [], []\n"
        "    for l in range(len(weights) - 1, -1, -1):\n"
        "        nabla_b.insert(0, delta.mean(axis=0))\n"
        "        nabla_w.insert(0, np.einsum('nj,nk->jk', delta, acts[l]) / len(x))\n"
        "        if l:\n"
        "            delta = np.einsum('nj,jk->nk', delta, weights[l]) * sigmoid_prime(zs[l - 1])\n"
        "    return nabla_b, nabla_w")),
]


@pytest.mark.parametrize("assignment, task, code", ALTERNATIVES,
                         ids=[f"{a}-{t}-{i}" for i, (a, t, _) in enumerate(ALTERNATIVES)])
def test_correct_implementations_written_differently_keep_full_marks(assignment, task, code):
    a = MODULES[assignment].ASSIGNMENT
    ns = namespace(assignment, replace={task: code})
    for result in visible_and_graded_runs(a, task, ns):
        assert result.passed, result.report()


# --- issue 26: each task grades the skill it names ----------------------------------------------

#: the wrong answers issue 26 reproduced, the sub-check each must fail (and only that one: it
#: loses that sub-check's points) and the words of its report
ISSUE_26 = {
    ("ch01_digits", "sigmoid", "the book's 1/(1+exp(-z)): right values, warns on overflow"):
        ("saturated z", "warned (RuntimeWarning: overflow"),
    ("ch02_backprop", "backprop", "a loop over the rows calling backprop_example"):
        ("no loop over the examples", "backprop_example is not available in this check"),
    ("ch02_backprop", "backprop", "a loop over the rows, BP1-BP4 written out per row"):
        ("no loop over the examples", "it loops over the examples"),
    ("ch02_backprop", "numerical_gradient", "perturbs copies of x"):
        ("in place: f reads x itself", "got 0"),
}


def _lost(a: Assignment, task: str, subcheck: str) -> float:
    (sc,) = [sc for sc in a.task(task).subchecks if sc.name.startswith(subcheck)]
    return sc.points


@pytest.mark.parametrize("assignment, task, mutant", list(ISSUE_26),
                         ids=[m for _, _, m in ISSUE_26])
def test_the_skill_a_task_names_is_graded(assignment, task, mutant):
    subcheck, words = ISSUE_26[(assignment, task, mutant)]
    a = MODULES[assignment].ASSIGNMENT
    code = mutant_source(MUTANTS[assignment][task][mutant], solution_code(assignment)[task])
    ns = namespace(assignment, replace={task: code})
    for result in visible_and_graded_runs(a, task, ns):
        (failed,) = [s for s in result.subresults if not s.passed]
        assert failed.name.startswith(subcheck), result.report()
        assert result.max_points - result.points == pytest.approx(_lost(a, task, subcheck))
        assert words in failed.result.message, result.report()


def test_the_no_loop_check_counts_the_same_lines_for_any_batch_size_in_the_reference():
    a = MODULES["ch02_backprop"].ASSIGNMENT
    task = a.task("backprop")
    (planned,) = [p for p in a.plan(task, 7) if p.driver == "call_by_batch_size"]
    (out,) = a.expected([planned])
    small, large = out["lines"]
    assert small == large > 0


def test_worked_example_built_from_reference_values_scores_the_same_in_the_notebook_as_graded():
    a = MODULES["ch02_backprop"].ASSIGNMENT
    code = MUTANTS["ch02_backprop"]["worked_example"][
        "copies the published numbers of nndl_lib.reference_values"]
    ns = namespace("ch02_backprop", replace={"worked_example": code})
    # the notebook's own check: as when graded, the blocked table is not there
    result = a.check("worked_example", ns["worked_example"], quiet=True)
    assert result.points == 0, result.report()
    assert "WORKED_EXAMPLE_222 (from nndl_lib.reference_values)" in result.report()
    assert ns["WORKED_EXAMPLE_222"]["x"] == (0.05, 0.10)  # the learner's namespace is restored
    # the reference answer, checked the same way, keeps every point
    ref = namespace("ch02_backprop")
    assert a.check("worked_example", ref["worked_example"], quiet=True).passed


@pytest.mark.grading
def test_out_of_kernel_the_issue_26_mutants_lose_the_same_points():
    assignment = "ch02_backprop"
    a = MODULES[assignment].ASSIGNMENT
    chosen = {t: m for (s, t, m) in ISSUE_26 if s == assignment and "BP1-BP4" not in m}
    replace = {t: mutant_source(MUTANTS[assignment][t][m], solution_code(assignment)[t])
               for t, m in chosen.items()}
    replace["worked_example"] = MUTANTS[assignment]["worked_example"][
        "copies the published numbers of nndl_lib.reference_values"]
    result = grade_notebook(a, source_nb(assignment),
                            learner_notebook(assignment, replace=replace), "eve", b"secret",
                            FAST)
    lost = {t.task: t.max_points - t.points for t in result.tasks if t.points < t.max_points}
    assert lost == {"backprop": _lost(a, "backprop", "no loop over the examples"),
                    "numerical_gradient": _lost(a, "numerical_gradient", "in place"),
                    "worked_example": a.task("worked_example").points}, result.report()


def test_a_crash_in_one_case_fails_only_the_check_of_that_case():
    a = MODULES["ch02_backprop"].ASSIGNMENT
    code = solution_code("ch02_backprop")["backprop"].replace(
        "    a, zs, activations = x, [], [x]",
        "    assert x.dtype == np.float64, 'float64 only'\n    a, zs, activations = x, [], [x]")
    ns = namespace("ch02_backprop", replace={"backprop": code})
    for result in visible_and_graded_runs(a, "backprop", ns):
        (failed,) = [s for s in result.subresults if not s.passed]
        assert failed.name == "float32 in, float32 out", result.report()
        assert "raised AssertionError" in failed.result.message


# --- issue 26: a transfer task per assignment, graded like the others ---------------------------

TRANSFER = {"ch01_digits": ("feedforward_tanh", "tanh on the output layer too"),
            "ch02_backprop": ("backprop_ce_l2", "keeps sigma'(z^L) in the output error"),
            "ch03_improving": ("backprop_dropout", "the mask left out of BP2"),
            "ch04_universality": ("bump_network_sigmoid", "heights f, as for a linear output"),
            "ch05_deep_training": ("tanh_factor_interval", "the sigmoid's answer (threshold 4)"),
            "ch06_deep_learning": ("conv_pool_backward", "activation's derivative left out"),
            "foundations": ("layernorm_backward", "without the mean terms")}


@pytest.mark.grading
@pytest.mark.parametrize("assignment", list(TRANSFER))
def test_out_of_kernel_the_transfer_task_grades_the_reference_and_a_mutant(assignment):
    task, mutant = TRANSFER[assignment]
    a = MODULES[assignment].ASSIGNMENT
    src = source_nb(assignment)
    full = grade_notebook(a, src, learner_notebook(assignment), "ann", b"secret", FAST)
    assert full.points == full.max_points, full.report()
    code = mutant_source(MUTANTS[assignment][task][mutant], solution_code(assignment)[task])
    wrong = grade_notebook(a, src, learner_notebook(assignment, replace={task: code}), "bob",
                           b"secret", FAST)
    lost = {t.task for t in wrong.tasks if t.points < t.max_points}
    assert lost == {task}, wrong.report()


def test_the_librarys_own_function_scores_nothing_in_the_notebook_as_when_graded():
    from nndl_lib import fc

    a = MODULES["ch01_digits"].ASSIGNMENT
    result = a.check("feedforward", fc.feedforward, quiet=True)
    assert result.points == 0 and "nndl_lib.fc is not importable" in result.report()
    x, w, b = np.ones((1, 2)), [np.ones((1, 2))], [np.zeros(1)]
    assert fc.feedforward(x, w, b).shape == (1, 1)  # the library itself is left as it was
