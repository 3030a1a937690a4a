"""How a graded object is called: the same code calls the learner's object and the reference.

A driver is ``driver(ns, **data) -> dict``: ``ns`` maps names to objects (the learner's notebook
namespace, or an assignment's references), ``data`` is plain data (see :mod:`wire`). The result
is a dict whose ``"ret"`` is what the call returned, ``"inputs"`` the data arguments after the
call (keyed as :func:`given_inputs` keys them before it: ``"0"``, ``"1"``, ... for positional
arguments, else the parameter's name), which an in-place update changes and every other call
must leave alone, and ``"warnings"`` what the call warned (NumPy's floating-point errors
included, with NumPy's default settings); drivers add what else a check needs (e.g. how often a
callback was called).

This module uses the standard library and NumPy only: the sandboxed grading process imports it
before any learner code runs, and it holds no reference implementation.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nndl_lib.grading.wire import RngSeed

__all__ = ["Case", "call_case", "DRIVERS", "LAZY_DRIVERS", "run_driver", "materialize",
           "given_inputs", "Unavailable", "where_raised", "cell_label", "preload", "wave_function"]


@dataclass
class Case:
    """One call: a label for the report and the driver's keyword arguments (plain data)."""

    label: str
    data: dict


def call_case(fn: str, *args: Any, label: str, **options: Any) -> Case:
    """The case ``fn(*args)`` for the drivers that call one learner function by name; ``options``
    are the driver's others (e.g. ``without=["conv2d_forward"]``: that name unavailable)."""
    return Case(label, {"fn": fn, "args": list(args), **options})


def materialize(value: Any) -> Any:
    """Replace every RngSeed by a fresh ``numpy.random.Generator`` (recursively)."""
    if isinstance(value, RngSeed):
        return np.random.default_rng(value.seed)
    if isinstance(value, list):
        return [materialize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(materialize(v) for v in value)
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    return value


def _positional(args: list | tuple, given: list | tuple) -> dict[str, Any]:
    """{"0": args[0], ...} for the arguments that are data (random generators are not)."""
    return {str(i): a for i, (a, g) in enumerate(zip(args, given, strict=True))
            if not isinstance(g, RngSeed)}


@contextlib.contextmanager
def _watch() -> Iterator[list[str]]:
    """Record what learner code warns (at most 3, shortened) instead of showing it; NumPy's
    floating-point errors warn as they would in a fresh session (overflow, division by zero,
    invalid operations; not underflow), whatever the caller had set."""
    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            yield seen
        finally:
            for w in caught[:3]:
                seen.append(f"{w.category.__name__}: {str(w.message)[:200]}")


def _resolve(ns: Mapping[str, Any], fn: str, attr: str | None = None) -> Any:
    if fn not in ns:
        raise NameError(f"name {fn!r} is not defined: run the cell that defines it "
                        "(and keep its name)")
    obj = ns[fn]
    if attr is not None:
        if not hasattr(obj, attr):
            raise AttributeError(f"{fn} has no attribute {attr!r}: it must define {attr}()")
        obj = getattr(obj, attr)
    return obj


class Unavailable(RuntimeError):
    """A helper the task must do without was called (see :func:`_without`)."""


@contextlib.contextmanager
def _without(f: Any, names: list | tuple) -> Iterator[None]:
    """While the block runs, each name in ``names`` of ``f``'s module (the learner's notebook)
    is a function that raises :class:`Unavailable` with a sentence saying why; afterwards
    every name is as it was."""
    space = getattr(f, "__globals__", None)
    if space is None or not names:
        yield
        return
    saved = {n: space[n] for n in names if n in space}

    def refuse(name: str) -> Callable[..., Any]:
        def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise Unavailable(f"{name} is not available in this check: the task asks for "
                              f"code that does the work itself, without calling {name}")
        return unavailable

    space.update({n: refuse(n) for n in names})
    try:
        yield
    finally:
        for n in names:
            if n in saved:
                space[n] = saved[n]
            else:
                space.pop(n, None)


def call(ns: Mapping[str, Any], fn: str, args: list | tuple = (), kwargs: dict | None = None,
         attr: str | None = None, without: list | tuple = ()) -> dict:
    """``ns[fn](*args, **kwargs)`` (or ``ns[fn].attr(...)``); returns ret, the arguments after
    the call and its warnings. without: names of helpers the call must not use (each raises
    :class:`Unavailable` during the call)."""
    f = _resolve(ns, fn, attr)
    given, given_kw = list(args), dict(kwargs or {})
    args, kwargs = materialize(given), materialize(given_kw)
    with _watch() as warned, _without(f, without):
        ret = f(*args, **kwargs)
    inputs = _positional(args, given)
    inputs.update({k: v for k, v in kwargs.items() if not isinstance(given_kw[k], RngSeed)})
    return {"ret": ret, "inputs": inputs, "warnings": warned}


def call_catching(ns: Mapping[str, Any], fn: str, args: list | tuple = (),
                  kwargs: dict | None = None) -> dict:
    """:func:`call`, where raising is the contract (a label out of range must raise
    ValueError): an exception becomes the outcome, ``"raised"`` = the names of its class and of
    the classes it derives from (so a subclass of ValueError counts as one), ``"ret"`` None,
    ``"inputs"`` the arguments as the call left them. A call that returns has ``"raised"``
    None. NotImplementedError (an answer not written yet) is raised on, as by :func:`call`."""
    given, given_kw = list(args), dict(kwargs or {})
    args, kwargs = materialize(given), materialize(given_kw)
    f = _resolve(ns, fn)
    raised, message, where = None, "", ""
    with _watch() as warned:
        try:
            ret = f(*args, **kwargs)
        except (NotImplementedError, Unavailable):
            raise  # not an answer: reported as for any other call
        except Exception as exc:
            ret, message, where = None, str(exc)[:300], where_raised(exc)
            raised = [c.__name__ for c in type(exc).__mro__ if c not in (BaseException, object)]
    inputs = _positional(args, given)
    inputs.update({k: v for k, v in kwargs.items() if not isinstance(given_kw[k], RngSeed)})
    return {"ret": ret, "inputs": inputs, "warnings": warned, "raised": raised,
            "message": message, "where": where}


def call_with_gradient(ns: Mapping[str, Any], fn: str, args: list | tuple,
                       nabla_b: list, nabla_w: list) -> dict:
    """``ns[fn](*args, gradient)`` where ``gradient(x, y, weights, biases)`` returns copies of
    the given (nabla_b, nabla_w) and counts its calls: a one-step update "given a gradient
    routine" is checked without any backpropagation code."""
    f = _resolve(ns, fn)
    calls: list[list[Any]] = []

    def gradient(x: Any, y: Any, weights: Any, biases: Any) -> tuple[list, list]:
        calls.append([list(np.shape(x)), list(np.shape(y)), len(weights), len(biases)])
        return [np.array(b) for b in nabla_b], [np.array(w) for w in nabla_w]

    args = list(args)
    with _watch() as warned:
        ret = f(*args, gradient)
    return {"ret": ret, "inputs": _positional(args, args), "warnings": warned,
            "calls": len(calls), "seen": calls}


def _smooth(coeffs: list) -> Callable[[Any], float]:
    """The smooth test function sum(a sin v) + sum(b v^2)/2 + sum(c v^3)/3 of the numerical
    gradient tasks (its gradient a cos v + b v + c v^2 is known exactly)."""
    a, b, c = (np.asarray(k) for k in coeffs)

    def smooth(v: Any) -> float:
        v = np.asarray(v, dtype=np.float64)
        return float(np.sum(a * np.sin(v)) + 0.5 * np.sum(b * v * v) + np.sum(c * v**3) / 3.0)

    return smooth


def numerical_gradient_of(ns: Mapping[str, Any], fn: str, x: np.ndarray, coeffs: list,
                          h: float | None = None) -> dict:
    """``ns[fn](f, x[, h])`` for the smooth scalar
    f(v) = sum(a sin v) + 1/2 sum(b v^2) + 1/3 sum(c v^3), with (a, b, c) = coeffs.
    Returns the result and x after the call (perturbed entries must be put back)."""
    return _numerical_gradient_call(ns, fn, x, coeffs, h, reads_x=False)


def numerical_gradient_in_place(ns: Mapping[str, Any], fn: str, x: np.ndarray, coeffs: list,
                                h: float | None = None) -> dict:
    """``ns[fn](f, x[, h])`` where ``f`` ignores its argument and reads ``x`` itself, as a
    cost reads a network's weights (the smooth f of :func:`numerical_gradient_of`): only a
    perturbation made in ``x`` itself changes f."""
    return _numerical_gradient_call(ns, fn, x, coeffs, h, reads_x=True)


def _numerical_gradient_call(ns: Mapping[str, Any], fn: str, x: np.ndarray, coeffs: list,
                             h: float | None, reads_x: bool) -> dict:
    """``ns[fn](f, x[, h])`` with f the smooth function of ``coeffs`` of its argument, or of
    ``x`` itself (``reads_x``); the result, x after the call and how often f was called."""
    smooth, calls = _smooth(coeffs), [0]

    def f(v: Any) -> float:
        calls[0] += 1
        return smooth(x if reads_x else v)

    g = _resolve(ns, fn)
    with _watch() as warned:
        ret = g(f, x) if h is None else g(f, x, h)
    return {"ret": ret, "inputs": {"x": x}, "warnings": warned, "calls": calls[0]}


def _lines_run(f: Callable[..., Any], args: list) -> tuple[Any, int]:
    """``f(*args)`` and the number of lines of Python run by the call outside NumPy (the
    learner's code and whatever Python it calls): a loop over the rows of a mini-batch runs
    lines for every row, a vectorised computation the same lines whatever the batch size."""
    skip = (os.path.dirname(np.__file__), __file__)
    count = [0]

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            count[0] += 1
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return None if frame.f_code.co_filename.startswith(skip) else local

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        ret = f(*args)
    finally:
        sys.settrace(old)
    return ret, count[0]


def call_by_batch_size(ns: Mapping[str, Any], fn: str, small: list, large: list,
                       without: list | tuple = ()) -> dict:
    """``ns[fn](*small)`` and ``ns[fn](*large)`` (the same network, mini-batches of different
    sizes), counting the lines of Python each runs (:func:`_lines_run`). Returns the large
    call's result, both counts (``"lines"``) and both batch sizes (``"rows"``)."""
    f = _resolve(ns, fn)
    counts = []
    with _watch() as warned, _without(f, without):
        for args in (small, large):
            ret, lines = _lines_run(f, list(args))
            counts.append(lines)
    return {"ret": ret, "inputs": _positional(large, large), "warnings": warned,
            "lines": counts, "rows": [len(small[0]), len(large[0])]}


def optimizer_steps(ns: Mapping[str, Any], fn: str, kwargs: dict, params: list,
                    grads_seq: list) -> dict:
    """``opt = ns[fn](**kwargs)``, then ``opt.step(params, grads)`` for each grads of
    grads_seq; returns the parameters after every step (the optimiser updates them in place)
    and the gradients given at each step as they were after it (they must be left alone)."""
    cls = _resolve(ns, fn)
    snapshots, grads_after = [], []
    with _watch() as warned:
        opt = cls(**kwargs)
        for grads in grads_seq:
            given = [np.array(g) for g in grads]
            opt.step(params, given)
            snapshots.append([np.array(p) for p in params])
            grads_after.append(given)
    return {"ret": snapshots, "inputs": {"params": params, "grads": grads_after},
            "warnings": warned}


def wave_function(terms: Any, const: float) -> Callable[..., Any]:
    """The smooth target f = const + sum_k a_k sin(2 pi (k_k . v) + phi_k) of chapter 4's
    hidden functions: ``terms`` rows (a, k_1, ..., k_d, phi) for a function of d variables,
    called as f(x) (d = 1) or f(x, y) (d = 2) on NumPy arrays (or numbers), element-wise."""
    terms = np.asarray(terms, dtype=np.float64)
    amp, freq, phase = terms[:, 0], terms[:, 1:-1], terms[:, -1]

    def f(*v: Any) -> Any:
        if len(v) != freq.shape[1]:
            raise TypeError(f"f takes {freq.shape[1]} argument(s) (arrays of points); got "
                            f"{len(v)}")
        v = [np.asarray(c, dtype=np.float64) for c in v]
        out = np.full(np.broadcast(*v).shape, float(const))
        for a, k, p in zip(amp, freq, phase, strict=True):
            out = out + a * np.sin(2 * np.pi * sum(ki * c for ki, c in zip(k, v, strict=True))
                                   + p)
        return out if out.ndim else float(out)

    return f


def call_with_function(ns: Mapping[str, Any], fn: str, terms: Any, const: float,
                       args: list | tuple = ()) -> dict:
    """``ns[fn](f, *args)`` for the smooth target f of :func:`wave_function` (a function the
    learner's code is handed, never sees written down, and may call as often as it likes)."""
    g = _resolve(ns, fn)
    f, calls = wave_function(terms, const), [0]

    def target(*v: Any) -> Any:
        calls[0] += 1
        return f(*v)

    args = list(args)
    with _watch() as warned:
        ret = g(target, *args)
    return {"ret": ret, "inputs": _positional(args, args), "warnings": warned,
            "calls": calls[0]}


#: drivers defined in a module of their own, which only the processes that run them load
#: (:func:`preload`): the train-and-tune tasks' (their gradient routine is chapter 2's backprop)
LAZY_DRIVERS = {"train_sgd": "nndl_lib.grading.drivers_training",
                "hyperparameter_choice": "nndl_lib.grading.drivers_training"}


def _lazy(name: str) -> Callable[..., dict]:
    def driver(ns: Mapping[str, Any], **data: Any) -> dict:
        module = _PRELOADED.get(LAZY_DRIVERS[name]) or importlib.import_module(LAZY_DRIVERS[name])
        return getattr(module, name)(ns, **data)
    return driver


#: the lazy drivers' modules once loaded: found here even where the course library has since
#: been made unimportable (the boundary, or the notebook's view of the library as graded)
_PRELOADED: dict[str, Any] = {}


def preload(drivers: Iterable[str]) -> None:
    """Import the modules of the lazy drivers among ``drivers`` (the sandboxed child before its
    boundary makes the course library unreadable; a notebook's check before it hides the
    library from the learner's code as the grader does)."""
    for module in sorted({LAZY_DRIVERS[d] for d in drivers if d in LAZY_DRIVERS}):
        _PRELOADED[module] = importlib.import_module(module)


DRIVERS: dict[str, Callable[..., dict]] = {
    "call": call,
    "call_with_gradient": call_with_gradient,
    "call_catching": call_catching,
    "numerical_gradient_of": numerical_gradient_of,
    "numerical_gradient_in_place": numerical_gradient_in_place,
    "call_by_batch_size": call_by_batch_size,
    "optimizer_steps": optimizer_steps,
    "call_with_function": call_with_function,
    **{name: _lazy(name) for name in LAZY_DRIVERS},
}


def given_inputs(driver: str, data: dict) -> dict[str, Any]:
    """The data arguments of a call before it, keyed as the driver's ``"inputs"`` keys them
    after it (random generators and the drivers' own callbacks are not data)."""
    if driver in ("call", "call_with_gradient", "call_catching"):
        args = list(data.get("args", ()))
        inputs = _positional(args, args)
        inputs.update({k: v for k, v in (data.get("kwargs") or {}).items()
                       if not isinstance(v, RngSeed)})
        return inputs
    if driver in ("numerical_gradient_of", "numerical_gradient_in_place"):
        return {"x": data["x"]}
    if driver == "call_by_batch_size":
        return _positional(data["large"], data["large"])
    if driver == "call_with_function":
        args = list(data.get("args", ()))
        return _positional(args, args)
    if driver == "optimizer_steps":
        return {"params": data["params"], "grads": data["grads_seq"]}
    if driver in LAZY_DRIVERS:
        return importlib.import_module(LAZY_DRIVERS[driver]).given_inputs(driver, data)
    raise ValueError(f"unknown driver {driver!r}; known: {sorted(DRIVERS)}")


def cell_label(filename: str) -> str | None:
    """The learner's name for the cell compiled as ``filename``: "cell In[5]" in a Jupyter
    kernel, "cell 7" (counting every cell from the top) in the grader's process; None for a
    file that is not a notebook cell (NumPy, the course library, the standard library)."""
    if filename.startswith("<cell ") and filename.endswith(">"):
        index = filename[len("<cell "):-1]
        return f"cell {int(index) + 1}" if index.isdigit() else None
    shell = sys.modules.get("IPython")
    try:
        ip = shell.get_ipython() if shell is not None else None
        named = ip.compile.format_code_name(filename) if ip is not None else None
    except Exception:  # another IPython, or none
        named = None
    if named:
        return f"cell {named[1]}"
    if filename in ("<string>",) or filename.startswith("<ipython-input-"):
        return "your cell"
    return None


def where_raised(exc: BaseException, sources: Mapping[str, str] | None = None) -> str:
    """The last line of the learner's own code in ``exc``'s traceback, as "line 7 of cell
    In[5] (in backprop): z = a @ w + b"; "" when no frame is the learner's. sources: the
    cells' text by file name, where ``linecache`` does not know them."""
    import linecache
    import traceback

    found = ""
    # no look-up of the grader's own source lines: in the grading child the library's files
    # are unreadable, and each refused read would be reported as the learner's attempt
    frames = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__),
                                            lookup_lines=False)
    for frame in frames:
        label = cell_label(frame.filename)
        if label is None:
            continue
        text = frame.line or linecache.getline(frame.filename, frame.lineno or 0).strip()
        if not text and sources and frame.filename in sources:
            lines = sources[frame.filename].splitlines()
            text = lines[frame.lineno - 1].strip() if 0 < (frame.lineno or 0) <= len(lines) \
                else ""
        inside = "" if frame.name == "<module>" else f" (in {frame.name})"
        found = f"line {frame.lineno} of {label}{inside}" + (f": {text[:160]}" if text else "")
    return found


def run_driver(name: str, ns: Mapping[str, Any], data: dict) -> dict:
    """Run driver ``name`` on ``ns`` with ``data`` (a dict of keyword arguments)."""
    try:
        driver = DRIVERS[name]
    except KeyError:
        raise ValueError(f"unknown driver {name!r}; known: {sorted(DRIVERS)}") from None
    return driver(ns, **data)
